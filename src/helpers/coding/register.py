"""The coding workflow: register a new article in sources.csv and write its coding templates:
one CSV per table a new source can need (the coded tables with the source filled in; the
reference tables, for a new partner, body, person or theme, with their header only), the
article's numbered paragraphs, and a guide with the next free ids and the allowed values."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.dataset.codebook import constraint_text
from helpers.dataset.lines import line_of_row
from helpers.dataset.schema import Schema
from helpers.dataset.validate import paragraph_count
from helpers.errors import DataError
from helpers.files import exclusive_lock, write_all_atomic

LOCK_NAME = ".lock"  # in the data folder: held while new-source or add changes its tables
LOCK_WAIT = 60.0  # seconds a registration waits for another one before it refuses
CODED_TABLES = (
    "events",
    "reports",
    "participants",
    "event_themes",
    "instruments",
    "instrument_steps",
    "instrument_themes",
)
REFERENCE_TABLES = ("partners", "bodies", "persons", "themes")  # a new partner needs all four
NUMBERED_IDS = {"events": "event_id", "instruments": "instrument_id"}  # E001, I001, ...


def next_id(existing: list[str], prefix: str, first: int = 1) -> str:
    """The id after the highest ``<prefix><number>`` among ``existing`` (three digits at least)."""
    numbers = [
        int(s[len(prefix) :])
        for s in existing
        if s.startswith(prefix) and s[len(prefix) :].isdigit()
    ]
    return f"{prefix}{(max(numbers) + 1 if numbers else first):03d}"


def next_source_id(existing: list[str]) -> str:
    return next_id(existing, "S", first=0)


def next_free_ids(data_dir: Path, schema: Schema) -> dict[str, str]:
    """The next free id of each numbered table (events E..., instruments I...)."""
    found = {}
    for name, column in NUMBERED_IDS.items():
        path = data_dir / schema.table(name).path
        with open(path, encoding="utf-8-sig", newline="") as handle:
            ids = [row.get(column) or "" for row in csv.DictReader(handle)]
        found[name] = next_id(ids, column[0].upper())
    return found


def numbered_paragraphs(text: str) -> str:
    """The article's paragraphs (non-empty lines), each with the number rows cite it by."""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"{i:>3}  {p}\n" for i, p in enumerate(paragraphs, start=1))


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
    if any(ord(c) < 32 or c == "\x7f" for c in article.name):
        raise DataError(
            f"{article.name!r}: a file name with a control character (e.g. a line break)"
        )
    content = article.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{article}: not UTF-8 text ({exc})") from None
    if not text.strip():
        raise DataError(f"{article}: the file is empty; an article has at least one paragraph")
    control = sorted({c for c in text if ord(c) < 32 and c not in "\t\n\r"})
    if control:
        raise DataError(
            f"{article}: contains control characters {', '.join(repr(c) for c in control)}; "
            "an article is plain text"
        )
    # read, number and write sources.csv under one lock, so that registrations running at
    # the same time take distinct ids and every row lands
    with data_lock(data_dir):
        return _register(article, content, text, data_dir, Path(template_root))


@contextmanager
def data_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's lock (``DATA/.lock``) while its tables are read, changed and
    written: one registration or addition at a time; a wait over ``LOCK_WAIT`` refuses."""
    busy = (
        f"{data_dir}: another registration or addition held its lock ({data_dir / LOCK_NAME}) "
        f"for {LOCK_WAIT:.0f} s; try again when it has finished"
    )
    with exclusive_lock(data_dir / LOCK_NAME, wait=LOCK_WAIT, busy=busy):
        yield


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
    for i, row in enumerate(rows):
        if None in row or None in row.values():
            raise DataError(
                f"{sources_path}, row {line_of_row(sources_path, i)}: "
                f"{'more' if None in row else 'fewer'} cells than columns; run validate first"
            )
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
    for name in (*CODED_TABLES, *REFERENCE_TABLES):
        writers[folder / f"{name}.csv"] = _template_writer(schema, name, source_id)
    ids = next_free_ids(data_dir, schema)
    guide = template_guide(schema, source_id, article.name, paragraph_count(text), ids)
    paragraphs = numbered_paragraphs(text)
    writers[folder / "README.md"] = lambda tmp: tmp.write_text(guide, encoding="utf-8")
    writers[folder / "paragraphs.txt"] = lambda tmp: tmp.write_text(paragraphs, encoding="utf-8")
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
            if name in CODED_TABLES:  # a reference table gets rows only for something new
                writer.writerow(row)

    return write


def template_guide(
    schema: Schema, source_id: str, file_name: str, paragraphs: int, ids: dict[str, str]
) -> str:
    """The template's README: what to fill in, column by column, with the allowed values."""
    free = ", ".join(f"{name} from `{first}`" for name, first in ids.items())
    lines = [
        f"# Coding template for {source_id} ({file_name})",
        "",
        f"The article has {paragraphs} paragraphs (non-empty lines), numbered in",
        "`paragraphs.txt`; every row cites one by its number.",
        f"Next free ids: {free}.",
        "",
        "Fill one row per observation in each CSV here, following the codebook (CODEBOOK.md of",
        "the data folder). The coded tables come with the source filled in; copy that row for",
        "more. A meeting already in the dataset gets a row in reports.csv with its event_id, not a",
        "new event; a step of an instrument already coded (a signature after a proposal) gets a",
        "row in instrument_steps.csv with its instrument_id, not a new instrument. A new event",
        "needs its reconciled values in events.csv too, and an existing one whose reports now",
        "disagree a reconciliation_note (codebook, section 3). A new partner needs a row in",
        "partners.csv, bodies.csv and persons.csv too, and a new theme a row in themes.csv (see",
        "the codebook on extending the vocabularies). Leave a",
        "cell empty when the article does not say; never guess. Then add the rows, all or nothing:",
        "",
        "    python -m helpers add STUDY THIS_FOLDER",
        "",
        "It validates the result and changes nothing when anything is wrong, naming the line of",
        "the template to fix.",
        "",
    ]
    for name in (*CODED_TABLES, *REFERENCE_TABLES):
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
