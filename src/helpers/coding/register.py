"""The coding workflow: register a new article in sources.csv and write a coding template that
lists, for every table that cites a source, the columns and the values the schema allows."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from helpers.dataset.codebook import constraint_text
from helpers.dataset.lines import line_of_row
from helpers.dataset.schema import Schema
from helpers.dataset.validate import paragraph_count
from helpers.errors import DataError
from helpers.files import exclusive_lock, write_all_atomic

LOCK_NAME = ".lock"  # in the data folder: held while sources.csv is read, numbered and written
LOCK_WAIT = 60.0  # seconds a registration waits for another one before it refuses
CODED_TABLES = ("events", "participants", "agreements", "event_themes", "agreement_themes")


def next_source_id(existing: list[str]) -> str:
    numbers = [int(s[1:]) for s in existing if s.startswith("S") and s[1:].isdigit()]
    return f"S{(max(numbers) + 1 if numbers else 0):03d}"


def register_source(
    article: Path | str, data_dir: Path | str, template_root: Path | str
) -> tuple[str, Path]:
    """Add ``article`` to ``data_dir``/sources.csv and write its template; return (id, folder).

    Refuses, writing nothing, when the article does not exist, is not UTF-8 text, or is already
    registered (same file name or same checksum). Registrations into one data folder run one
    at a time (lock file ``DATA/.lock``); one that waits longer than ``LOCK_WAIT`` refuses.
    """
    article, data_dir = Path(article), Path(data_dir)
    if not article.is_file():
        raise DataError(f"{article}: no such file")
    content = article.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{article}: not UTF-8 text ({exc})") from None
    busy = (
        f"{data_dir}: another registration held its lock ({data_dir / LOCK_NAME}) for "
        f"{LOCK_WAIT:.0f} s; try again when it has finished"
    )
    # read, number and write sources.csv under one lock, so that registrations running at
    # the same time take distinct ids and every row lands
    with exclusive_lock(data_dir / LOCK_NAME, wait=LOCK_WAIT, busy=busy):
        return _register(article, content, text, data_dir, Path(template_root))


def _register(
    article: Path, content: bytes, text: str, data_dir: Path, template_root: Path
) -> tuple[str, Path]:
    """The read-modify-write of ``register_source``; the caller holds the data folder's lock."""
    schema = Schema.of(data_dir)
    sources_path = data_dir / schema.table("sources").path
    if not sources_path.is_file():
        raise DataError(f"{sources_path}: no sources table")
    with open(sources_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames or [], list(reader)
    if header != schema.table("sources").field_names:
        raise DataError(f"{sources_path}: header differs from the schema; run validate first")
    checksum = hashlib.sha256(content).hexdigest()
    for i, row in enumerate(rows):
        if row["file_name"] == article.name or row["sha256"] == checksum:
            raise DataError(
                f"{article.name} is already registered as {row['source_id']} "
                f"({sources_path.name}, row {line_of_row(sources_path, i)})"
            )
    source_id = next_source_id([r["source_id"] for r in rows])
    new_row = dict.fromkeys(header, "") | {
        "source_id": source_id,
        "file_name": article.name,
        "sha256": checksum,
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows([*rows, new_row])
    folder = Path(template_root) / source_id
    if folder.exists():
        raise DataError(f"{folder} exists already; remove it or choose another template folder")
    writers = {sources_path: lambda tmp: tmp.write_text(buffer.getvalue(), encoding="utf-8")}
    for name in CODED_TABLES:
        writers[folder / f"{name}.csv"] = _template_writer(schema, name, source_id)
    guide = template_guide(schema, source_id, article.name, paragraph_count(text))
    writers[folder / "README.md"] = lambda tmp: tmp.write_text(guide, encoding="utf-8")
    write_all_atomic(writers)
    return source_id, folder


def _template_writer(schema: Schema, name: str, source_id: str):
    table = schema.table(name)

    def write(tmp: Path) -> None:
        row = dict.fromkeys(table.field_names, "")
        if "source_id" in row:
            row["source_id"] = source_id
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.field_names, lineterminator="\n")
            writer.writeheader()
            writer.writerow(row)

    return write


def template_guide(schema: Schema, source_id: str, file_name: str, paragraphs: int) -> str:
    """The template's README: what to fill in, column by column, with the allowed values."""
    lines = [
        f"# Coding template for {source_id} ({file_name})",
        "",
        f"The article has {paragraphs} paragraphs (non-empty lines); cite them by number.",
        "Fill one row per observation in each CSV here, following data/CODEBOOK.md, then copy",
        "the rows into the tables of the data directory and run `python -m helpers validate`.",
        "Leave a cell empty when the article does not say; never guess.",
        "",
    ]
    for name in CODED_TABLES:
        table = schema.table(name)
        lines += [
            f"## {name}.csv",
            "",
            table.description,
            "",
            "| column | required | allowed values | meaning |",
            "|---|---|---|---|",
        ]
        for f in table.fields:
            required = "yes" if f.required or f.name in table.primary_key else ""
            allowed = constraint_text(f).replace("|", "\\|")
            lines.append(f"| `{f.name}` | {required} | {allowed} | {f.description} |")
        lines.append("")
    return "\n".join(lines)
