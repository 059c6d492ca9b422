"""Add the rows of filled coding templates to a data folder's tables, all or nothing.

The rows are appended to a copy of the data folder, which is validated; only when the copy is
valid are the changed tables (and the regenerated codebook) moved into place. A problem is
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
        for addition in additions:
            path = schema.table(addition.table).path
            texts[data_dir / path] = _appended(staging / path, addition)
            (staging / path).write_text(texts[data_dir / path], encoding="utf-8")
        problems = validate_dataset(staging)
        if problems:
            raise InvalidAddition(_on_templates(problems, staging, schema, additions))
        if (staging / CODEBOOK_NAME).is_file():
            texts[data_dir / CODEBOOK_NAME] = render(staging)
        write_all_atomic({path: _writer(text) for path, text in texts.items()})
    return {a.table: len(a.rows) for a in additions}


def _appended(path: Path, addition: Addition) -> str:
    """The table's text with the rows appended, its own bytes unchanged."""
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(addition.rows)
    return text + buffer.getvalue()


def _on_templates(
    problems: list[Problem], staging: Path, schema: Schema, additions: list[Addition]
) -> list[Problem | str]:
    """Problems in an appended row are reported on the template's file and line."""
    by_file = {Path(schema.table(a.table).path).name: a for a in additions}
    out: list[Problem | str] = []
    for problem in problems:
        addition = by_file.get(problem.file)
        if addition is None or problem.row is None:
            out.append(problem)
            continue
        starts = record_starts(staging / problem.file)
        first_added = len(starts) - len(addition.rows)  # records before the appended ones
        record = starts.index(problem.row) + 1 if problem.row in starts else None
        if record is None or record <= first_added:
            out.append(problem)
            continue
        template_record = addition.template_records[record - first_added - 1]
        line = line_of_record(addition.template, template_record)
        out.append(replace(problem, file=str(addition.template), row=line))
    return out


def _writer(text: str):
    return lambda tmp: tmp.write_text(text, encoding="utf-8")
