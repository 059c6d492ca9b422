"""The published report opened in headless Chromium from file://: every page reachable from the
landing page loads its images and resolves its links, nothing is requested from outside the site,
the tables become sortable, and screenshots of the landing page, a notebook and the search
results at desktop and phone widths (kept in build/screenshots/) show no text running off the
page, images at least their declared size, and a search for a theme finding its notebook."""

from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import pytest

from helpers.paths import PROJECT_ROOT as ROOT
from helpers.publish.site import build_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "headless Chromium is needed: on Debian/Ubuntu, `sudo apt-get install chromium`"
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
NOTEBOOK = "02_themes_by_partner"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Elements whose text runs past the right edge of the window, or is cut off inside its own
# box (a <pre> wider than itself), unless a scroll box of the page holds them on purpose
# (the theme's code blocks, a notebook's tables, the dataset tables).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if ((x === "auto" || x === "scroll") && e !== document.documentElement
          && e !== document.body) return true;
    }
    return false;
  };
  const out = [];
  if (document.documentElement.scrollWidth > width + 1)
    out.push(`page ${document.documentElement.scrollWidth}px wide in ${width}px`);
  for (const el of document.querySelectorAll(".bd-content *")) {
    if (!el.offsetParent || !el.childNodes.length) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !scrolls(el))
      out.push(`${el.tagName}.${el.className}: "${el.textContent.trim().slice(0, 40)}"`);
    if (el.closest(".cell_output") && el.tagName === "PRE" && el.scrollWidth > el.clientWidth + 1)
      out.push(`cut off: "${el.textContent.trim().slice(0, 40)}"`);
  }
  return out;
}"""

# Images that did not load, have fewer pixels than declared, or are shown smaller than
# declared where there is room for them.
SMALL_IMAGES = """() => [...document.images].flatMap(img => {
  const name = img.getAttribute("src").slice(-60);
  if (!(img.complete && img.naturalWidth > 0)) return [`not loaded: ${name}`];
  const w = Number(img.getAttribute("width")), h = Number(img.getAttribute("height"));
  const out = [];
  if (w && (img.naturalWidth < w || img.naturalHeight < h))
    out.push(`${name}: ${img.naturalWidth}x${img.naturalHeight} pixels, declared ${w}x${h}`);
  const room = img.parentElement.clientWidth;
  if (w && img.offsetParent && img.width + 1 < Math.min(w, room))
    out.push(`${name}: shown ${img.width}px wide, declared ${w}, room for ${room}`);
  return out;
})"""


def need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL)
        pytest.skip(INSTALL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT / "notebooks", ROOT / "figures", ROOT / "data", target)
    return target


@pytest.fixture(scope="module")
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _outside(url: str, root: Path) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob"):  # in the page itself (blob: the DataTables module)
        return False
    return parsed.scheme != "file" or not Path(unquote(parsed.path)).resolve().is_relative_to(root)


def browse(
    browser, site: Path, follow: bool = True
) -> tuple[list[str], list[str], list[str], list[Path]]:
    """Open every page reachable from index.html (only index.html unless ``follow``); return
    requests outside the site, images that did not load, links that do not resolve, and the
    pages visited. Links to other sites (the licence's address) are not followed."""
    root = site.resolve()
    outside, broken_images, broken_links, pages = [], [], [], []
    page = browser.new_page()
    page.on("request", lambda r: outside.append(r.url) if _outside(r.url, root) else None)
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
            url = urlparse(href)
            if url.scheme in ("http", "https", "mailto"):
                continue
            target = Path(unquote(url.path))
            if url.scheme != "file" or not target.exists():
                broken_links.append(f"{path.name} -> {href}")
            elif follow and target.suffix == ".html" and target.resolve().is_relative_to(root):
                queue.append(target)
    page.close()
    return outside, broken_images, broken_links, pages


def test_site_in_a_browser(browser, site: Path) -> None:
    outside, broken_images, broken_links, pages = browse(browser, site)
    names = {p.relative_to(site.resolve()).as_posix() for p in pages}
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    assert {f"notebooks/{n.stem}.html" for n in notebooks} <= names
    assert {"gallery.html", "dataset/dictionary.html", "dataset/codebook.html"} <= names
    assert not outside, outside
    assert not broken_images, broken_images
    assert not broken_links, broken_links


def test_browser_check_catches_faults(browser, site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(site, bad, ignore=shutil.ignore_patterns("figures", "notebooks"))
    index = bad / "index.html"
    index.write_text(
        index.read_text().replace(
            "</body>",
            '<img src="missing.png"><a href="nowhere.html">x</a>'
            '<img src="http://127.0.0.1:9/outside.png"></body>',
        )
    )
    outside, broken_images, broken_links, _ = browse(browser, bad, follow=False)
    assert any("127.0.0.1:9" in url for url in outside)
    assert len(broken_images) == 2
    assert any("nowhere.html" in link for link in broken_links)


def test_tables_are_sortable_and_filterable(browser, site: Path) -> None:
    page = browser.new_page()
    page.goto((site / "dataset" / "tables" / "themes.html").resolve().as_uri())
    page.wait_for_selector("html[data-tables-ready]", timeout=20000)
    rows = page.locator("table.dataset-table tbody tr")
    total = rows.count()
    assert total > 1
    first = rows.first.inner_text()
    page.fill(".dt-search input", "zzzz-no-such-value")
    assert page.locator("table.dataset-table tbody td.dt-empty").count() == 1
    page.fill(".dt-search input", "")
    page.locator("table.dataset-table thead th").first.click()  # sort by the first column
    page.locator("table.dataset-table thead th").first.click()  # and the other way round
    assert rows.first.inner_text() != first or total == 1
    page.close()


def _theme_to_search() -> str:
    """The label of the theme raised most often in the data (read at test time)."""
    with open(ROOT / "data" / "event_themes.csv", encoding="utf-8", newline="") as handle:
        counts = Counter(row["theme_id"] for row in csv.DictReader(handle))
    with open(ROOT / "data" / "themes.csv", encoding="utf-8", newline="") as handle:
        labels = {row["theme_id"]: row["label"] for row in csv.DictReader(handle)}
    return labels[max(sorted(counts), key=counts.__getitem__)]


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots(browser, site: Path, width: str) -> None:
    """Landing page, a notebook and the search results: no text off the page, images at
    their size, and the search finds the notebooks that name the theme searched for."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
    theme = _theme_to_search()
    shown = {
        "landing": site / "index.html",
        "notebook": site / "notebooks" / f"{NOTEBOOK}.html",
    }
    problems = []
    for name, path in shown.items():
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png")
        problems += [f"{name}: {p}" for p in page.evaluate(OVERFLOW)]
        problems += [f"{name}: {p}" for p in page.evaluate(SMALL_IMAGES)]
    page.goto((site / "search.html").resolve().as_uri() + "?q=" + quote(theme))
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    page.screenshot(path=SCREENSHOTS / f"search-{width}.png")
    problems += [f"search: {p}" for p in page.evaluate(OVERFLOW)]
    found = page.eval_on_selector_all(
        "#search-results ul.search li a", "as => as.map(a => a.getAttribute('href'))"
    )
    page.close()
    assert not problems, problems
    naming = {
        p.stem
        for p in (ROOT / "notebooks").glob("[0-9]*.ipynb")
        if theme in p.read_text(encoding="utf-8")
    }
    assert naming, f"no notebook names the theme {theme!r}"
    hits = {Path(urlparse(h).path).stem for h in found if "notebooks/" in h}
    assert hits & naming, (theme, found)
