"""The copies of the executed notebooks that the book is built from: the stored notebooks are
never changed; their copies get MyST-NB's tags (code hidden until asked for, the parameter
cells' code removed) and an anchor before each figure, for the gallery to link to."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from PIL import Image

PARAMETER_TAGS = {"parameters", "injected-parameters"}
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
# the saved PNGs are 300 dpi; shown at half their pixels (150 px an inch), they are as large as
# printed and sharp on high-density screens, where the notebook's own 100 dpi image is small
DISPLAY_SCALE = 0.5


def figure_anchor(figure: str) -> str:
    """The id of the anchor placed just before ``figure``'s cell in its notebook page."""
    return "figure-" + re.sub(r"[^a-z0-9]+", "-", figure.lower()).strip("-")


@dataclass(frozen=True)
class NotebookPage:
    """What the landing page and the gallery need to know of one notebook."""

    stem: str
    title: str
    question: str
    anchors: dict[str, str]  # figure name -> anchor id in the page ("" when not found)
    sections: dict[str, str]  # figure name -> the heading of its section ("" when none)


def summary(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """Title (first heading) and question (the '**Question.**' sentence) of a notebook."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    lines = first.splitlines()
    title = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), "")
    question = next(
        (
            line.replace("**Question.**", "").strip()
            for line in lines
            if line.startswith("**Question.**")
        ),
        "",
    )
    return title, question


def _heading_before(index: int, cells: list[nbformat.NotebookNode]) -> str:
    """The last Markdown heading above cell ``index``."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.startswith("#")]
            if headings:
                return headings[-1].lstrip("#").strip()
    return ""


def _shows_a_figure(cell: nbformat.NotebookNode) -> bool:
    return any(
        any(t in out.get("data", {}) for t in IMAGE_TYPES) for out in cell.get("outputs", [])
    )


def _cell_of(figure: str, cells: list[nbformat.NotebookNode]) -> int | None:
    """The code cell that draws ``figure``: the first to name it in quotes and show an image."""
    quoted = (f'"{figure}"', f"'{figure}'")
    for index, cell in enumerate(cells):
        named = cell.cell_type == "code" and any(q in cell.source for q in quoted)
        if named and _shows_a_figure(cell):
            return index
    return None


def _show_saved(cell: nbformat.NotebookNode, png: Path, alt: str) -> None:
    """Replace the cell's (last) PNG output by the saved figure, declared at its display size."""
    outputs = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    if not outputs:
        return
    with Image.open(png) as image:
        width, height = image.size
    output = outputs[-1]
    output.data["image/png"] = base64.b64encode(png.read_bytes()).decode("ascii")
    output.data["text/plain"] = alt
    output.metadata = {
        "image/png": {
            "width": round(width * DISPLAY_SCALE),
            "height": round(height * DISPLAY_SCALE),
        }
    }


def book_copy(source: Path, target: Path, figures: Mapping[str, Path | None]) -> NotebookPage:
    """Write the book's copy of the executed notebook ``source`` to ``target``: every code
    cell's input hidden behind a toggle, the parameter cells' input removed, and before the
    cell of each of ``figures`` (name -> its saved PNG, or None) an anchor (a markdown cell
    holding an empty ``<div id>``); the cell shows the saved PNG at its printed size."""
    nb = nbformat.read(source, as_version=4)
    title, question = summary(nb)
    anchors: dict[str, str] = {}
    sections: dict[str, str] = {}
    before: dict[int, list[str]] = {}
    for figure in sorted(figures):
        index = _cell_of(figure, nb.cells)
        anchors[figure] = figure_anchor(figure) if index is not None else ""
        if index is None:
            continue
        sections[figure] = _heading_before(index, nb.cells)
        before.setdefault(index, []).append(figure_anchor(figure))
        png = figures[figure]
        if png is not None:
            _show_saved(nb.cells[index], png, f"Figure {figure}: {sections[figure]}")
    cells = []
    for index, cell in enumerate(nb.cells):
        if index in before:
            html = "".join(f'<div id="{a}" class="figure-anchor"></div>' for a in before[index])
            anchor = nbformat.v4.new_markdown_cell(html)
            anchor.id = f"book-anchor-{index}"
            cells.append(anchor)
        if cell.cell_type == "code":
            tags = list(cell.metadata.get("tags", []))
            tag = "remove-input" if PARAMETER_TAGS & set(tags) else "hide-input"
            cell.metadata["tags"] = tags if tag in tags else [*tags, tag]
        cells.append(cell)
    nb.cells = cells
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return NotebookPage(source.stem, title, question, anchors, sections)
