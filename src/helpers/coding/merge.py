"""Add the rows of filled coding templates to a data folder's tables, all or nothing.

The rows are appended to a copy of the data folder (a row of ``events`` or ``instruments``
whose key is already there replaces that row instead: the reconciled values of a meeting or an
instrument that a new source reports again, see the codebook, section 3), which is validated;
only when the copy is valid are the changed tables (and the regenerated codebook) moved into
place. A problem is
reported on the template's own file and line, so that the coder fixes the template and runs
``add`` again; the data folder is then left exactly as it was.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from helpers.coding.register import LOCK_NAME, data_lock
from helpers.dataset.codebook import render
from helpers.dataset.damage import damage_problems
from helpers.dataset.lines import line_of_record, record_starts
from helpers.dataset.schema import Schema
from helpers.dataset.validate import Problem, validate_dataset
from helpers.errors import DataError
from helpers.files import write_all_atomic
from helpers.paths import CODEBOOK_NAME

PREFILLED = ("source_id",)  # cells a template comes with: a row with nothing else is not coded
REPLACEABLE = ("events", "instruments")  # a row with a key already there replaces that row


@dataclass(frozen=True)
class Addition:
    """The rows of one template file to append to one table."""

    table: str
    template: Path
    rows: list[list[str]]
    template_records: list[int]  # record number (header = 1) of each row in the template


class InvalidAddition(DataError):
    """The filled templates would make the data folder invalid; nothing was written."""

    def __init__(self, problems: list[Problem | str]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s); no table was changed:\n{lines}")


def read_templates(folder: Path, schema: Schema) -> list[Addition]:
    """The coded rows of every template file in ``folder`` named after a table."""
    additions = []
    for table in schema.tables.values():
        path = folder / Path(table.path).name
        if not path.is_file():
            continue
        damage = damage_problems(path, table)  # a spreadsheet's separator, encoding, quotes
        if damage:
            raise InvalidAddition([replace(p, file=str(path)) for p in damage])
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                records = list(csv.reader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DataError(f"{path}: not a readable UTF-8 CSV file ({exc})") from None
        if not records or records[0] != table.field_names:
            raise DataError(
                f"{path}, row 1: the header must be the columns of {table.path}: "
                f"{','.join(table.field_names)}"
            )
        rows, numbers = [], []
        for number, record in enumerate(records[1:], start=2):
            filled = {c for c, v in zip(table.field_names, record, strict=False) if v.strip()}
            if filled <= set(PREFILLED):  # an untouched template row
                continue
            rows.append(record)
            numbers.append(number)
        if rows:
            additions.append(Addition(table.name, path, rows, numbers))
    return additions


def add_coded_rows(data_dir: Path | str, folder: Path | str) -> dict[str, int]:
    """Append the filled templates in ``folder`` to the tables of ``data_dir``, validate, and
    keep the result only if it is valid (raises ``InvalidAddition`` naming template lines).
    Returns the number of rows added per table."""
    data_dir, folder = Path(data_dir), Path(folder)
    schema = Schema.of(data_dir)
    additions = read_templates(folder, schema)
    if not additions:
        raise DataError(f"{folder}: no filled template (a CSV named after a table, with rows)")
    # the same lock as new-source: no registration or other addition changes the tables between
    # the copy read here and the files moved into place
    with (
        data_lock(data_dir),
        tempfile.TemporaryDirectory(prefix=".add-", dir=data_dir.parent) as tmp,
    ):
        staging = Path(tmp) / data_dir.name
        shutil.copytree(data_dir, staging, symlinks=True, ignore=shutil.ignore_patterns(LOCK_NAME))
        texts: dict[Path, str] = {}
        placed: dict[str, list[int]] = {}
        for addition in additions:
            path = schema.table(addition.table).path
            texts[data_dir / path], placed[addition.table] = _merged(
                staging / path, addition, schema
            )
            (staging / path).write_text(texts[data_dir / path], encoding="utf-8")
        problems = validate_dataset(staging)
        if problems:
            raise InvalidAddition(_on_templates(problems, staging, schema, additions, placed))
        if (staging / CODEBOOK_NAME).is_file():
            texts[data_dir / CODEBOOK_NAME] = render(staging)
        write_all_atomic({path: _writer(text) for path, text in texts.items()})
    return {a.table: len(a.rows) for a in additions}


def _merged(path: Path, addition: Addition, schema: Schema) -> tuple[str, list[int]]:
    """The table's text with the rows added, and the record number (header = 1) each template
    row has in it. Rows are appended, the table's own bytes unchanged, except that in a table
    of ``REPLACEABLE`` a row whose key is already there replaces that record's lines."""
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines(keepends=True)
    starts = list(record_starts(path))
    replaced: dict[int, str] = {}  # record number -> its new text
    records, appended = [], []
    key_at = None
    table = schema.table(addition.table)
    if addition.table in REPLACEABLE and len(table.primary_key) == 1:
        key_at = table.field_names.index(table.primary_key[0])
        with open(path, encoding="utf-8", newline="") as handle:
            existing = {r[key_at]: i + 1 for i, r in enumerate(csv.reader(handle)) if r and i}
    for row in addition.rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        record = existing.get(row[key_at]) if key_at is not None and len(row) > key_at else None
        if record is not None and record not in replaced:
            replaced[record] = buffer.getvalue()
            records.append(record)
        else:
            appended.append(buffer.getvalue())
            records.append(len(starts) + len(appended))
    out = []
    for number, first in enumerate(starts, start=1):
        last = starts[number] - 1 if number < len(starts) else len(lines)
        out.append(replaced.get(number, "".join(lines[first - 1 : last])))
    return "".join(out) + "".join(appended), records


def _on_templates(
    problems: list[Problem],
    staging: Path,
    schema: Schema,
    additions: list[Addition],
    placed: dict[str, list[int]],
) -> list[Problem | str]:
    """Problems in an added row are reported on the template's file and line."""
    by_file = {Path(schema.table(a.table).path).name: a for a in additions}
    out: list[Problem | str] = []
    for problem in problems:
        addition = by_file.get(problem.file)
        if addition is None or problem.row is None:
            out.append(problem)
            continue
        starts = record_starts(staging / problem.file)
        record = starts.index(problem.row) + 1 if problem.row in starts else None
        records = placed[addition.table]
        if record is None or record not in records:
            out.append(problem)
            continue
        template_record = addition.template_records[records.index(record)]
        line = line_of_record(addition.template, template_record)
        out.append(replace(problem, file=str(addition.template), row=line))
    return out


def _writer(text: str):
    return lambda tmp: tmp.write_text(text, encoding="utf-8")
