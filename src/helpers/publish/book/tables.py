"""Each table of the dataset as a page to browse: a plain HTML table (readable without
JavaScript) that DataTables, from itables' offline bundle copied into the site, makes sortable
and filterable. No request leaves the site: the bundle is a file of the site itself."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import itables

from helpers.publish.book.markup import attr

ROW_LIMIT = 2000  # rows shown in the page; a longer table is shown in part, with its CSV
LONG = 40  # characters: a cell longer than this wraps in a wide column
BUNDLE = Path(itables.__file__).resolve().parent / "html" / "dt_bundle.js"
BUNDLE_SOURCE = "dt_bundle_source.js"
BUNDLE_CSS = "dt_bundle.css"


def write_bundle(static_dir: Path) -> None:
    """Copy DataTables (itables' ``dt_for_itables`` bundle) into the site's static folder.

    The bundle is an ES module, and browsers refuse module files from ``file://``; so its text
    is stored as a string in a classic script, and ``tables.js`` imports it from a blob URL
    (itables' own offline mode does the same with the text inlined in every page)."""
    static_dir.mkdir(parents=True, exist_ok=True)
    source = BUNDLE.read_text(encoding="utf-8")
    (static_dir / BUNDLE_SOURCE).write_text(
        f"window.dtForItablesSource = {json.dumps(source)};\n", encoding="utf-8"
    )
    (static_dir / BUNDLE_CSS).write_bytes(BUNDLE.with_suffix(".css").read_bytes())


def read_rows(
    path: Path, limit: int = ROW_LIMIT, total: int | None = None
) -> tuple[list[str], list[list[str]], int]:
    """Header, the first ``limit`` rows and the number of rows of a CSV file, as stored
    (``total``: the number of rows, known already; the file is then read only ``limit`` rows
    far, not through millions)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows, counted = [], 0
        for row in reader:
            counted += 1
            if counted <= limit:
                rows.append(row)
            elif total is not None:
                break
    return header, rows, counted if total is None or counted <= limit else total


def table_html(table_id: str, header: list[str], rows: list[list[str]], caption: str) -> str:
    """A plain HTML table, marked for ``tables.js`` to make sortable and filterable."""
    head = "".join(f"<th>{attr(h)}</th>" for h in header)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="long">{attr(c)}</td>' if len(c) > LONG else f"<td>{attr(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="dataset-table-wrap"><table id="{attr(table_id)}" '
        f'class="dataset-table display compact">\n<caption>{attr(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>"
    )


def scripts(static_prefix: str) -> str:
    """The tags that load DataTables and ``tables.js`` (``static_prefix``: the relative path
    from the page to ``_static/``)."""
    return (
        f'<link rel="stylesheet" href="{static_prefix}{BUNDLE_CSS}">\n'
        f'<script src="{static_prefix}{BUNDLE_SOURCE}"></script>\n'
        f'<script src="{static_prefix}tables.js"></script>'
    )
