"""The published report, a Sphinx book: its pages hold what the data says (title, numbers,
tables, figures), code is hidden, every page carries the citation, nothing is requested from
outside the site, and the same inputs give the same bytes. The browser tests are in
test_site_browser.py."""

from __future__ import annotations

import csv
import importlib
import json
import re
import tempfile
from pathlib import Path

import pytest
from filetools import digest

from helpers.paths import PROJECT_ROOT as ROOT
from helpers.publish.book import build
from helpers.publish.book.config import settings
from helpers.publish.book.notebooks import figure_anchor
from helpers.publish.site import build_site

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
RESOURCES = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))[
    "resources"
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site") / "site"
    build_site(ROOT / "notebooks", ROOT / "figures", ROOT / "data", target)
    return target


def pages(site: Path) -> list[Path]:
    """The site's pages (not the theme's static templates)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.mark.fresh_book  # built again by Sphinx, not copied from the session's first build
def test_site_is_deterministic(site: Path, tmp_path: Path) -> None:
    again = build_site(ROOT / "notebooks", ROOT / "figures", ROOT / "data", tmp_path / "site")
    assert digest(again.parent) == digest(site)


def test_nothing_is_written_beside_the_site(site: Path) -> None:
    assert [p.name for p in site.parent.iterdir()] == [site.name]  # no jupyter_execute/


def test_no_timestamp_or_build_path_in_the_output(site: Path) -> None:
    assert not (site / ".buildinfo").exists()
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert tempfile.gettempdir() not in text and str(site) not in text, page
        assert not re.search(r"Last updated|Created using", text), page


def test_index_links_every_notebook_and_table(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f'href="notebooks/{notebook.stem}.html"' in index
        assert (site / "notebooks" / f"{notebook.stem}.html").is_file()
        assert (site / "notebooks" / notebook.name).read_bytes() == notebook.read_bytes()
    for resource in RESOURCES:  # every declared table, whatever its name
        assert f'href="dataset/tables/{resource["name"]}.html"' in index
        page = (site / "dataset" / "tables" / f"{resource['name']}.html").read_text("utf-8")
        assert f'href="../../data/{resource["path"]}"' in page
        assert page.count("<tr>") - 1 == rows(ROOT / "data" / resource["path"])


def test_landing_page_counts_from_the_data(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    values = dict(
        (label, value)
        for value, label in re.findall(
            r'<span class="value">([^<]*)</span><span class="label">([^<]*)</span>', index
        )
    )
    assert values["sources"] == str(rows(ROOT / "data" / "sources.csv"))
    assert values["events"] == str(rows(ROOT / "data" / "events.csv"))
    assert values["partners"] == str(rows(ROOT / "data" / "partners.csv"))
    assert re.fullmatch(r"\d{4}(–\d{4})?", values["years"])


ANOTHER_TITLE = "Another study & its data"


@pytest.fixture(scope="module")
def another_site(tmp_path_factory) -> tuple[Path, Path]:
    """The site of another dataset (fictional, tests/synthetic.py): more events than a table's
    page shows, and a title of its own; one build for the tests that need other data."""
    from synthetic import generate

    folder = tmp_path_factory.mktemp("another")
    data = folder / "data"
    generate(data, n_occasions=1000)
    descriptor = data / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    descriptor.write_text(json.dumps({**package, "title": ANOTHER_TITLE}), encoding="utf-8")
    index = build_site(ROOT / "notebooks", ROOT / "figures", data, folder / "site")
    return data, index.parent


def test_index_is_headed_by_the_data_package_title(another_site) -> None:
    _, site = another_site
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Another study &amp; its data" in page
    assert re.search(r"<h1>Another study &amp; its data<a", page)
    project_title = json.loads((ROOT / "data" / "datapackage.json").read_text("utf-8"))["title"]
    assert project_title not in page  # not the project's heading
    notebook = (site / "notebooks" / f"{NOTEBOOKS[0].stem}.html").read_text("utf-8")
    assert "Another study &amp; its data" in notebook  # in every page's title and sidebar


def test_code_is_hidden_and_parameter_cells_removed(site: Path) -> None:
    for notebook in NOTEBOOKS:
        page = (site / "notebooks" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        assert 'class="admonition hide above-input"' in page  # code behind a toggle
        assert "papermill injects" not in page  # the parameter cells' code is removed
        assert '<span class="s2">&quot;../figures/' not in page  # the injected figure_dir


def test_gallery_shows_every_figure_with_its_files(site: Path) -> None:
    gallery = (site / "gallery.html").read_text(encoding="utf-8")
    # nbval may be re-running a notebook meanwhile: its half-written ".name.xxxx.png"
    # temporaries are hidden files, which the site never publishes either.
    saved = (ROOT / "figures").glob("*/*.png")
    figures = sorted({p.with_suffix("") for p in saved if not p.name.startswith(".")})
    assert figures
    for figure in figures:
        stem, name = figure.parent.name, figure.name
        anchor = figure_anchor(name)
        assert f'href="notebooks/{stem}.html#{anchor}"' in gallery, name
        notebook = (site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in notebook
        assert f'src="thumbnails/{stem}/{name}.png"' in gallery
        for suffix in ("png", "svg", "pdf", "csv"):
            link = f"figures/{stem}/{name}.{suffix}"
            assert f'href="{link}"' in gallery and (site / link).is_file()


def test_codebook_dictionary_and_citation_pages(site: Path) -> None:
    codebook = (site / "dataset" / "codebook.html").read_text(encoding="utf-8")
    assert "<h1>Codebook" in codebook and "<table" in codebook  # rendered, not raw Markdown
    dictionary = (site / "dataset" / "dictionary.html").read_text(encoding="utf-8")
    for resource in RESOURCES:
        for field in resource["schema"]["fields"]:
            assert f'<span class="pre">{field["name"]}</span>' in dictionary
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    version = re.search(r"^version: (.+)$", cff, re.M).group(1)
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        if page.name in {"genindex.html"} or "extra-footer" not in text:
            assert page.name == "genindex.html", f"{page} has no footer"
            continue
        footer = text.split('class="extra-footer"', 1)[1]
        assert f"Version {version}" in footer and "Data licence: Creative Commons" in footer


def test_nothing_is_loaded_from_outside(site: Path) -> None:
    loads = re.compile(r"<(?:script|img|link|iframe|source)\b[^>]*(?:src|href)=\"([^\"]+)\"")
    for page in pages(site):
        for url in loads.findall(page.read_text(encoding="utf-8")):
            assert "://" not in url and not url.startswith("//"), (page, url)
    assert not list(site.rglob("*mathjax*")) and not list(site.rglob("require*.js"))


def test_a_large_table_is_shown_in_part_and_its_file_published(another_site) -> None:
    """A table of more rows than a page shows: the page holds the first ``ROW_LIMIT`` rows and
    says how many the file has; the data files are published as copies of their own (editing
    the data afterwards leaves the site as the report wrote it)."""
    from helpers.publish.book.tables import ROW_LIMIT

    data, site = another_site
    total = rows(data / "events.csv")
    assert total > ROW_LIMIT
    page = (site / "dataset" / "tables" / "events.html").read_text(encoding="utf-8")
    assert f"the first {ROW_LIMIT:,} of {total:,} rows (the CSV file has them all)" in page
    assert page.count("<tr>") - 1 == ROW_LIMIT
    assert 'href="../../data/events.csv"' in page
    for resource in RESOURCES:
        published = site / "data" / resource["path"]
        assert published.read_bytes() == (data / resource["path"]).read_bytes()
        assert not published.samefile(data / resource["path"]), resource["path"]


def test_preload_imports_sphinx_the_books_extensions_and_theme() -> None:
    """What ``preload`` imports ahead of a build: Sphinx's own extensions, the book's, MyST-NB's
    Sphinx module and the theme, each of which imports (none left to the build by mistake)."""
    names = build.preloaded_modules()
    conf = settings("a title")
    wanted = {*conf["extensions"], conf["html_theme"], "myst_nb.sphinx_ext", "sphinx.builders.html"}
    assert wanted <= set(names)
    for name in names:
        importlib.import_module(name)  # raises, naming it, if it cannot be imported
    build.preload()
