"""The published report, opened in headless Chromium: every image loads, every link resolves,
nothing is requested from outside the site, and the site is deterministic."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from filetools import digest

from helpers.paths import PROJECT_ROOT as ROOT
from helpers.publish.site import build_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "headless Chromium is needed: on Debian/Ubuntu, `sudo apt-get install chromium`"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT / "notebooks", ROOT / "figures", ROOT / "data", target)
    return target


def test_site_is_deterministic(site: Path, tmp_path: Path) -> None:
    again = build_site(ROOT / "notebooks", ROOT / "figures", ROOT / "data", tmp_path / "site")
    assert digest(again.parent) == digest(site)


def test_index_lists_every_notebook(site: Path) -> None:
    index = (site / "index.html").read_text()
    for notebook in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        assert f'href="notebooks/{notebook.stem}.html"' in index
        assert (site / "notebooks" / f"{notebook.stem}.html").is_file()


def test_index_is_headed_by_the_data_package_title(data_copy: Path, tmp_path: Path) -> None:
    descriptor = data_copy / "datapackage.json"
    text = descriptor.read_text(encoding="utf-8")
    title = json.loads(text)["title"]
    descriptor.write_text(text.replace(title, "Another study & its data"), encoding="utf-8")
    index = build_site(ROOT / "notebooks", ROOT / "figures", data_copy, tmp_path / "site")
    assert "<h1>Another study &amp; its data</h1>" in index.read_text(encoding="utf-8")


def need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL)
        pytest.skip(INSTALL)


def browse(site: Path) -> tuple[list[str], list[str], list[str], list[Path]]:
    """Open every page reachable from index.html; return requests outside the site, images
    that did not load, links that do not resolve, and the pages visited."""
    from playwright.sync_api import sync_playwright

    root = site.resolve()
    outside, broken_images, broken_links, pages = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()

        def record(request) -> None:
            url = urlparse(request.url)
            if url.scheme == "data":
                return
            if url.scheme != "file" or not Path(unquote(url.path)).resolve().is_relative_to(root):
                outside.append(request.url)

        page.on("request", record)
        queue, seen = [root / "index.html"], set()
        while queue:
            path = queue.pop()
            if path in seen:
                continue
            seen.add(path)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            pages.append(path)
            broken_images += [
                f"{path.name}: {src}"
                for src in page.eval_on_selector_all(
                    "img",
                    "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
                    ".map(i => i.src.slice(0, 80))",
                )
            ]
            for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
                target = Path(unquote(urlparse(href).path))
                if urlparse(href).scheme != "file" or not target.exists():
                    broken_links.append(f"{path.name} -> {href}")
                elif target.suffix == ".html":
                    queue.append(target)
        browser.close()
    return outside, broken_images, broken_links, pages


def test_site_in_a_browser(site: Path) -> None:
    need_chromium()
    outside, broken_images, broken_links, pages = browse(site)
    assert len(pages) == 1 + len(list((ROOT / "notebooks").glob("[0-9]*.ipynb")))
    assert not outside, outside
    assert not broken_images, broken_images
    assert not broken_links, broken_links


def test_browser_check_catches_faults(site: Path, tmp_path: Path) -> None:
    need_chromium()
    bad = tmp_path / "bad"
    shutil.copytree(site, bad)
    index = bad / "index.html"
    index.write_text(
        index.read_text().replace(
            "</body>",
            '<img src="missing.png"><a href="nowhere.html">x</a>'
            '<img src="http://127.0.0.1:9/outside.png"></body>',
        )
    )
    outside, broken_images, broken_links, _ = browse(bad)
    assert any("127.0.0.1:9" in url for url in outside)
    assert len(broken_images) == 2
    assert any("nowhere.html" in link for link in broken_links)
