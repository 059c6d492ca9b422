"""The book's own pages, as MyST Markdown: the landing page (the dataset in numbers and the
notebooks), the gallery of figures, the dataset's pages (codebook, data dictionary, one page
per table) and the citation. Every text that comes from the data is escaped (``markup``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.dataset.schema import Schema, Table
from helpers.publish.book import tables as browsable
from helpers.publish.book.markup import attr, md, raw_html
from helpers.publish.book.notebooks import NotebookPage
from helpers.publish.book.numbers import Number

DATASET = "dataset"  # the folder of the dataset's pages (data/ holds the published files)


@dataclass(frozen=True)
class Figure:
    """One figure of the gallery: its notebook, name, thumbnail and files, as site paths."""

    notebook: str
    name: str
    thumbnail: str
    png: str
    width: int
    height: int
    files: tuple[str, ...]  # figures/<notebook>/<name>.<suffix>


def _toctree(entries: Sequence[str], caption: str, hidden: bool = True) -> str:
    options = f":caption: {caption}\n:maxdepth: 1\n" + (":hidden:\n" if hidden else "")
    return "```{toctree}\n" + options + "\n" + "\n".join(entries) + "\n```\n\n"


def landing(
    title: str,
    description: str,
    numbers: Sequence[Number],
    notebooks: Sequence[NotebookPage],
    tables: Sequence[Table],
) -> str:
    """The landing page: the study's title, the dataset in numbers, the notebooks."""
    cards = "\n".join(
        f'<div class="number"><span class="value">{attr(n.value)}</span>'
        f'<span class="label">{attr(n.label)}</span>'
        f'<span class="detail">{attr(n.detail)}</span></div>'
        for n in numbers
    )
    text = [f"# {md(title)}\n\n"]
    if description:
        text.append(f"{md(description)}\n\n")
    text.append("## The dataset in numbers\n\n")
    text.append(raw_html(f'<div class="numbers">\n{cards}\n</div>'))
    text.append(
        "Counted from the data package of this report. Every table can be browsed, sorted and "
        f"filtered on its own page; the [data dictionary]({DATASET}/dictionary.md) describes "
        f"their columns and the [codebook]({DATASET}/codebook.md) how they are coded.\n\n"
    )
    text.append("## Notebooks\n\n")
    for page in notebooks:
        text.append(f"- [{md(page.title or page.stem)}](notebooks/{page.stem}.ipynb)")
        text.append(f": {md(page.question)}\n" if page.question else "\n")
    text.append(
        "\nEach notebook's code is hidden behind *Show code cell source*; the executed notebooks "
        "themselves (`.ipynb`) are in the [gallery](gallery.md), with every figure as PNG, SVG "
        "and PDF and the table behind it as CSV.\n\n"
    )
    text.append(_toctree([f"notebooks/{p.stem}" for p in notebooks], "Notebooks"))
    text.append(
        _toctree(
            ["gallery", f"{DATASET}/index", f"{DATASET}/codebook", f"{DATASET}/dictionary"]
            + ["citation"],
            "Figures and data",
        )
    )
    text.append(_toctree([f"{DATASET}/tables/{t.name}" for t in tables], "Tables"))
    return "".join(text)


def gallery(notebooks: Sequence[NotebookPage], figures: Sequence[Figure]) -> str:
    """Every figure as a thumbnail linking to its place in its notebook, with its files."""
    text = ["# Gallery of figures\n\n"]
    text.append(
        "Every figure of the report, by notebook. A thumbnail opens the figure in its notebook; "
        "the links below it are the figure's files and the table it is drawn from.\n\n"
    )
    for page in notebooks:
        own = [f for f in figures if f.notebook == page.stem]
        text.append(f"## {md(page.title or page.stem)}\n\n")
        text.append(
            f"[Read the notebook](notebooks/{page.stem}.ipynb) · "
            f'<a href="notebooks/{attr(page.stem)}.ipynb" download>executed notebook '
            "(ipynb)</a>\n\n"
        )
        if not own:
            text.append("This notebook writes no figure.\n\n")
            continue
        items = []
        for figure in own:
            caption = page.sections.get(figure.name) or figure.name
            anchor = page.anchors.get(figure.name, "")
            href = f"notebooks/{page.stem}.html" + (f"#{anchor}" if anchor else "")
            files = " ".join(
                f'<a href="{attr(f)}">{attr(f.rsplit(".", 1)[-1].upper())}</a>'
                for f in figure.files
            )
            thumb = (
                f'<img src="{attr(figure.thumbnail)}" width="{figure.width}" '
                f'height="{figure.height}" alt="{attr(caption)}">'
                if figure.thumbnail
                else attr(figure.name)
            )
            items.append(
                f'<figure id="gallery-{attr(page.stem)}-{attr(figure.name)}">'
                f'<a class="thumbnail" href="{attr(href)}">{thumb}</a>'
                f"<figcaption><strong>{attr(caption)}</strong> <code>{attr(figure.name)}</code>"
                f'<br><span class="files">{files}</span></figcaption></figure>'
            )
        text.append(raw_html('<div class="gallery">\n' + "\n".join(items) + "\n</div>"))
    return "".join(text)


def _cell(text: object) -> str:
    return md(text) if str(text) else " "


def _constraints(field) -> str:
    parts = []
    for key, value in sorted(field.constraints.items()):
        if key == "enum":
            parts.append("one of " + ", ".join(f"`{v}`" if "`" not in str(v) else md(v)
                                                for v in value))  # fmt: skip
        elif key == "required":
            parts.append("required" if value else "optional")
        else:
            parts.append(f"{md(key)}: {md(json.dumps(value, ensure_ascii=False))}")
    return "; ".join(parts) or " "


def dictionary(schema: Schema, descriptor: dict) -> str:
    """The data dictionary: each table of ``datapackage.json`` with its columns, types,
    constraints, keys and (for code lists) source and licence, in the order declared."""
    resources = {r.get("name"): r for r in descriptor.get("resources", []) if isinstance(r, dict)}
    text = ["# Data dictionary\n\n"]
    text.append(
        "Generated from the data package's descriptor (`datapackage.json`): every table, "
        "column, type, constraint and key, as declared there and checked by the validator.\n\n"
    )
    for table in schema.tables.values():
        text.append(f"## {md(table.title or table.name)}\n\n")
        facts = [
            f"table `{table.name}`",
            f'file <a href="../data/{attr(table.path)}">{attr(table.path)}</a>',
            f"role: {md(table.role)}",
        ]
        if table.primary_key:
            facts.append("primary key: " + ", ".join(f"`{k}`" for k in table.primary_key))
        text.append(" · ".join(facts) + f" · [browse the table](tables/{table.name}.md)\n\n")
        if table.description:
            text.append(f"{md(table.description)}\n\n")
        resource = resources.get(table.name, {})
        for key in ("sources", "licenses"):
            for item in resource.get(key) or []:
                if isinstance(item, dict):
                    name = item.get("title") or item.get("name") or ""
                    where = item.get("path") or ""
                    text.append(f"- {md(key[:-1])}: {md(name)} {md(where)}\n")
        for key in table.foreign_keys:
            reference = key.get("reference", {}) if isinstance(key, dict) else {}
            text.append(
                f"- foreign key: {md(key.get('fields'))} → "
                f"{md(reference.get('resource'))}.{md(reference.get('fields'))}\n"
            )
        text.append("\n| column | type | description | constraints |\n| --- | --- | --- | --- |\n")
        for field in table.fields:
            text.append(
                f"| `{field.name}` | {_cell(field.type)} | {_cell(field.description)} | "
                f"{_constraints(field)} |\n"
            )
        text.append("\n")
    return "".join(text)


def table_page(table: Table, csv_path: Path, site_csv: str, total: int | None = None) -> str:
    """One table to browse: its description, its CSV file and its rows (``ROW_LIMIT`` at most;
    ``total``: the number of rows the file has, when known, so that it is not read to the end);
    a table whose file is not published with the report (a remote resource) says so."""
    text = [f"# {md(table.title or table.name)}\n\n"]
    if table.description:
        text.append(f"{md(table.description)}\n\n")
    if not csv_path.is_file():
        text.append(
            f"Table `{table.name}` (`{md(table.path)}`) is not published with this report.\n"
        )
        return "".join(text)
    header, rows, total = browsable.read_rows(csv_path, total=total)
    shown = (
        f"all {total:,} rows"
        if total <= len(rows)
        else f"the first {len(rows):,} of {total:,} rows (the CSV file has them all)"
    )
    text.append(
        f"Table `{table.name}`, {shown}. Click a column's heading to sort by it, use its menu to "
        "filter it, or type in the box to filter every column. File: "
        f'<a href="{attr(site_csv)}" download>{attr(table.path)}</a>; its columns are described '
        f"in the [data dictionary](../dictionary.md).\n\n"
    )
    text.append(
        raw_html(
            browsable.table_html(f"table-{table.name}", header, rows, table.title or table.name)
        )
    )
    text.append(raw_html(browsable.scripts("../../_static/")))
    return "".join(text)


def dataset_index(tables: Sequence[Table], published: Sequence[str]) -> str:
    """The dataset's page: its documents and tables, and the published files."""
    text = ["# The dataset\n\n"]
    text.append(
        "- [Codebook](codebook.md): what counts as a meeting, an agreement, a theme\n"
        "- [Data dictionary](dictionary.md): every table and column of the data package\n\n"
    )
    text.append("## Tables\n\n")
    for table in tables:
        text.append(f"- [{md(table.title or table.name)}](tables/{table.name}.md)")
        text.append(f": {md(table.description)}\n" if table.description else "\n")
    text.append("\n## Files\n\nThe data package as published with this report:\n\n")
    for path in published:
        text.append(f'- <a href="../{attr(path)}">{attr(path.split("/", 1)[-1])}</a>\n')
    return "".join(text) + "\n"


def codebook(text: str) -> str:
    """The codebook as it is (it is Markdown already)."""
    return text if text.endswith("\n") else text + "\n"


def citation(cite: str, cff: str | None, data_licence: str | None) -> str:
    """How to cite the report, and its licences."""
    text = ["# Citation and licence\n\n", f"Please cite this report as:\n\n> {md(cite)}\n\n"]
    if cff is not None:
        text.append(
            "The project's citation file (`CITATION.cff`, which GitHub, Zenodo and reference "
            "managers read):\n\n```yaml\n" + cff.rstrip("\n").replace("```", "` ` `") + "\n```\n\n"
        )
    if data_licence is not None:
        text.append("## Licence of the data\n\n")
        body = data_licence.split("\n", 1)[1] if data_licence.startswith("# ") else data_licence
        text.append(body.strip() + "\n\n")
    return "".join(text)
