"""Put the book together: the tagged copies of the notebooks, the book's own pages, the
thumbnails of the figures, and the published files, then Sphinx."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from PIL import Image

from helpers.analysis.scope import resolve
from helpers.dataset.schema import Schema
from helpers.paths import CODEBOOK_NAME, DESCRIPTOR_NAME, PROJECT_DATA, PROJECT_ROOT
from helpers.publish.book import pages
from helpers.publish.book.build import run_sphinx
from helpers.publish.book.notebooks import book_copy
from helpers.publish.book.numbers import dataset_numbers
from helpers.publish.book.tables import write_bundle

THUMBNAIL = (640, 480)  # pixels at most; shown at half that, sharp on high-density screens
CITATION_FILE = PROJECT_ROOT / "CITATION.cff"
CODE_LICENCE = PROJECT_ROOT / "LICENSE"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def thumbnail(png: Path, target: Path) -> tuple[int, int]:
    """A small copy of ``png`` (no metadata, so the same figure gives the same bytes); return
    the size it is declared at in the gallery (half its pixels)."""
    with Image.open(png) as image:
        image.load()
        small = image.copy()
    small.thumbnail(THUMBNAIL, Image.Resampling.LANCZOS, reducing_gap=2.0)
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, format="PNG", optimize=False, compress_level=6)
    return max(1, small.width // 2), max(1, small.height // 2)


def _thumbnail_size(png: Path | None, target: Path) -> tuple[int, int]:
    """``thumbnail`` of a figure that has a PNG; (0, 0) for one that has none."""
    return (0, 0) if png is None else thumbnail(png, target)


def _gallery(figures: Mapping[str, list[Path]], extra: Path) -> list[pages.Figure]:
    """The gallery's figures, each with its thumbnail written (in threads: Pillow decodes,
    resizes and encodes without holding the interpreter, so the thumbnails share the cores)."""
    entries = []
    for stem, files in sorted(figures.items()):
        for name in sorted({f.stem for f in files}):
            own = sorted(
                (f for f in files if f.stem == name), key=lambda f: (f.suffix != ".png", f.suffix)
            )
            png = next((f for f in own if f.suffix == ".png"), None)
            entries.append((stem, name, own, png, extra / "thumbnails" / stem / f"{name}.png"))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        sizes = list(pool.map(_thumbnail_size, [e[3] for e in entries], [e[4] for e in entries]))
    return [
        pages.Figure(
            stem,
            name,
            thumb.relative_to(extra).as_posix() if png is not None else "",
            png.relative_to(extra).as_posix() if png is not None else "",
            *size,
            tuple(f.relative_to(extra).as_posix() for f in own),
        )
        for (stem, name, own, png, thumb), size in zip(entries, sizes, strict=True)
    ]


def citation_of(descriptor: dict, own_data: bool) -> tuple[str, str | None]:
    """The line to cite the report by, and the citation file's text when it applies (the
    project's own data: a study's report cites the study, and the project it was built with)."""
    cff_text = CITATION_FILE.read_text(encoding="utf-8") if CITATION_FILE.is_file() else None
    cff = yaml.safe_load(cff_text) if cff_text else {}
    title = str(descriptor.get("title") or descriptor.get("name") or "Report")
    version = descriptor.get("version")
    if own_data and cff:
        authors = "; ".join(
            a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
            for a in cff.get("authors", [])
            if isinstance(a, dict)
        )
        cite = f"{authors}. {cff.get('title', title)}. Version {cff.get('version', version)}."
        return cite, cff_text
    cite = f"{title}" + (f", version {version}" if version else "") + "."
    if cff:
        cite += f" Built with: {cff.get('title')}, version {cff.get('version')}."
    return cite, cff_text if cff else None


def licences_of(descriptor: dict) -> str:
    """The data's licences (from the descriptor) and the code's (the first line of LICENSE)."""
    data = ", ".join(
        str(item.get("title") or item.get("name"))
        for item in descriptor.get("licenses") or []
        if isinstance(item, dict)
    )
    parts = [f"Data licence: {data or 'not stated'}."]
    if CODE_LICENCE.is_file():
        first = CODE_LICENCE.read_text(encoding="utf-8").strip().splitlines()[0]
        parts.append(f"Code licence: {first}.")
    return " ".join(parts)


def assemble(
    *,
    notebooks: Sequence[Path],
    figures: Mapping[str, list[Path]],
    data_dir: Path,
    data_files: Sequence[Path],
    extra: Path,
    work: Path,
    out_dir: Path,
) -> None:
    """Write the book's sources to ``work/src`` and build it into ``out_dir``. ``figures``:
    the published files of each notebook's figures, ``data_files``: the published data
    files, both already in ``extra``, which is ``out_dir`` or a folder merged into it after
    the build (its files win over pages of the same name)."""
    source = work / "src"
    schema = Schema.of(data_dir)
    scope = resolve(data_dir, validate=False)  # the report validated it before the site
    rows = {name: len(frame) for name, frame in scope.loaded.items()}
    descriptor = json.loads((data_dir / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    title = str(descriptor.get("title") or descriptor.get("name") or "Report")
    gallery = _gallery(figures, extra)
    notebook_pages = []
    for path in notebooks:
        names = {
            f.name: extra / f.png if f.png else None for f in gallery if f.notebook == path.stem
        }
        notebook_pages.append(book_copy(path, source / "notebooks" / path.name, names))
    tables = list(schema.tables.values())
    published = sorted(f.relative_to(extra).as_posix() for f in data_files)
    _write(
        source / "index.md",
        pages.landing(
            title,
            str(descriptor.get("description") or ""),
            dataset_numbers(scope),
            notebook_pages,
            tables,
        ),
    )
    _write(source / "gallery.md", pages.gallery(notebook_pages, gallery))
    dataset = source / pages.DATASET
    _write(dataset / "index.md", pages.dataset_index(tables, published))
    _write(dataset / "dictionary.md", pages.dictionary(schema, descriptor))
    codebook = extra / "data" / CODEBOOK_NAME
    _write(
        dataset / "codebook.md",
        pages.codebook(
            codebook.read_text(encoding="utf-8")
            if codebook.is_file()
            else "# Codebook\n\nThis data package has no codebook.\n"
        ),
    )
    for table in tables:
        _write(
            dataset / "tables" / f"{table.name}.md",
            pages.table_page(
                table, extra / "data" / table.path, f"../../data/{table.path}", rows[table.name]
            ),
        )
    own_data = os.path.samefile(data_dir, PROJECT_DATA) if PROJECT_DATA.exists() else False
    cite, cff = citation_of(descriptor, own_data)
    data_licence = extra / "data" / "LICENSE.md"
    _write(
        source / "citation.md",
        pages.citation(
            cite,
            cff,
            data_licence.read_text(encoding="utf-8") if data_licence.is_file() else None,
        ),
    )
    bundle = work / "static"
    write_bundle(bundle)
    html = work / "build" / "html"  # MyST-NB writes beside it (build/jupyter_execute)
    run_sphinx(
        source,
        html,
        work / "doctrees",
        title=title,
        context={"book_citation": cite, "book_licences": licences_of(descriptor)},
        static_dirs=[bundle],
    )
    _merge(html, out_dir)
    if extra != out_dir:
        _merge(extra, out_dir, replace=True)


def _merge(source: Path, target: Path, *, replace: bool = False) -> None:
    """Move the files below ``source`` to the same places below ``target``; a file there
    already stays (``replace``: is replaced), as Sphinx's extra files win over its pages."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(exist_ok=True)
        elif replace or not destination.exists():
            shutil.move(path, destination)
