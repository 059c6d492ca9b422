"""Validate a data directory: the Table Schema of ``datapackage.json`` checked over whole
columns (``tabular``, ``foreign``), the codebook rules (``rules``), cross-table consistency and
(when the articles are at hand) the source checksums. Every problem is reported at once.

Each table is read once (``records``); the checks of the schema and of single rows run on that
read, and the typed tables for the rules across tables are made from it too.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.dataset.damage import damage_problems
from helpers.dataset.foreign import foreign_key_problems, typed_frames
from helpers.dataset.keys import positions
from helpers.dataset.lines import line_of_record, line_of_row
from helpers.dataset.problem import Problem, listed
from helpers.dataset.read import DIGITS, NOT_DIGITS, _failing_cells
from helpers.dataset.records import read_records
from helpers.dataset.resources import resource_problems
from helpers.dataset.rules import model_problems, row_problems
from helpers.dataset.schema import Schema
from helpers.dataset.tabular import Checked, Column, check_table
from helpers.dataset.vocabulary import CAMBODIA, PARTNER, TERMS, VISIT
from helpers.errors import DataError

FILE_LEVEL_ERRORS = {
    "missing-file",
    "source-error",
    "encoding-error",
    "missing-label",
    "extra-label",
    "blank-label",
    "duplicate-label",
    "incorrect-label",
    "delimiter",
    "open-quote",
}


def validate_dataset(data_dir: Path | str, seeds_dir: Path | str | None = None) -> list[Problem]:
    """All problems of a data directory (empty list when it is valid). Writes nothing."""
    data_dir = Path(data_dir)
    schema = Schema.of(data_dir)
    problems = resource_problems(schema, data_dir) + layout_problems(schema)
    if problems:
        return problems
    broken: set[str] = set()
    checked: dict[str, Checked] = {}
    for name in schema.tables:
        found, result = table_problems(data_dir, schema, name)
        if any(p.rule in FILE_LEVEL_ERRORS for p in found):
            broken.add(name)
        if result is not None:
            checked[name] = result
        problems += found
    problems += foreign_key_problems(checked, schema, broken)
    if seeds_dir is not None and "sources" not in broken:
        problems += checksum_problems(data_dir, schema, Path(seeds_dir))
    if not problems:  # typed checks need tables that passed every check above
        tables, problems = _read_typed(data_dir, schema, checked)
        for found in checked.values():
            found.columns.clear()  # the typed tables hold what the checks below need
        pa.default_memory_pool().release_unused()
        if tables:
            lines = {name: found.lines for name, found in checked.items()}
            problems += cross_table_problems(tables, schema, lines)
            problems += model_problems(tables, schema, lines)
            if seeds_dir is not None:
                problems += paragraph_problems(tables, schema, data_dir, Path(seeds_dir))
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))


def require_valid(data_dir: Path | str, seeds_dir: Path | str | None = None) -> None:
    """Raise DataError listing every problem, if there is any."""
    problems = validate_dataset(data_dir, seeds_dir)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise DataError(f"{data_dir}: {len(problems)} problem(s)\n{lines}")


def layout_problems(schema: Schema) -> list[Problem]:
    """The descriptor must keep the project's tables, columns, types, keys and vocabularies
    (their values may be extended), which the helpers rely on."""
    project = Schema.project()
    name = schema.path.name
    problems = []

    def add(table: str, message: str) -> None:
        problems.append(Problem(name, None, None, table, "layout", message))

    for table, expected in project.tables.items():
        found = schema.tables.get(table)
        if found is None:
            add(table, f"table {table!r} is missing")
            continue
        if found.field_names != expected.field_names:
            add(table, f"table {table!r} must have the columns {expected.field_names}")
            continue
        if found.primary_key != expected.primary_key:
            add(table, f"table {table!r} must have the primary key {list(expected.primary_key)}")
        keys = lambda t: sorted(json.dumps(fk, sort_keys=True) for fk in t.foreign_keys)  # noqa: E731
        if keys(found) != keys(expected):
            add(table, f"table {table!r} must declare the project's foreign keys")
        for ours, theirs in zip(expected.fields, found.fields, strict=True):
            if ours.type != theirs.type:
                add(table, f"column {table}.{ours.name} must be of type {ours.type!r}")
            if ours.enum is not None and theirs.enum is None:
                add(table, f"column {table}.{ours.name} must keep a controlled vocabulary")
    for term in TERMS:
        found = schema.tables.get(term.table)
        names = found.field_names if found else []
        if term.column in names and term.value not in (found.field(term.column).enum or []):
            add(term.table, f"column {term.table}.{term.column} must keep the value {term}")
    return problems


def table_problems(
    data_dir: Path, schema: Schema, name: str
) -> tuple[list[Problem], Checked | None]:
    """Structure, types, vocabularies, keys and codebook rules of one table (not foreign keys),
    and the table as checked (None if it could not be read)."""
    table = schema.tables[name]
    path = data_dir / table.path
    if not path.exists():
        return [Problem(path.name, None, None, None, "missing-file", "file does not exist")], None
    if not path.is_file():
        return [Problem(path.name, None, None, None, "missing-file", "is not a file")], None
    try:
        data = path.read_bytes()
    except OSError as exc:
        data, unreadable = b"", f"cannot be read: {exc}"
    else:
        unreadable = "file is empty"
    if not data:
        return [Problem(path.name, None, None, None, "source-error", unreadable)], None
    damage = damage_problems(path, table, data)
    if any(p.rule in FILE_LEVEL_ERRORS for p in damage):
        return damage, None
    damage = [  # damage names records; the line of the file is where a record starts
        p if p.row is None else replace(p, row=line_of_record(path, p.row)) for p in damage
    ]
    records = read_records(path, data)
    del data
    checked = check_table(path.name, table, records)
    del records
    pa.default_memory_pool().release_unused()  # give the file's parse back to the system
    rules = row_problems(name, path.name, checked.columns, checked.lines)
    return damage + checked.problems + rules, checked


def _read_typed(
    data_dir: Path, schema: Schema, checked: dict[str, Checked] | None = None
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """All tables with their dtypes, or the cells that cannot be read as their column's type
    (a stricter reading than the schema's: whole numbers only in the digits 0-9 and within
    64 bits, dates as pandas reads them). ``checked``: the tables as already checked."""
    if checked is None:
        checked = {}
        for name in schema.tables:
            _, found = table_problems(data_dir, schema, name)
            if found is not None:
                checked[name] = found
    problems = []
    for name, table in schema.tables.items():
        if name not in checked:
            continue
        found = checked[name]
        for f in table.fields:
            if f.name in found.columns:
                column = found.columns[f.name]
                problems += _unreadable(table.path, column, found.lines)
    if problems:
        return {}, problems
    return typed_frames(checked, schema), []


def _unreadable(path: str, column: Column, lines: np.ndarray) -> list[Problem]:
    """Cells of one column that the typed reading (``helpers.dataset.read``) refuses."""
    f = column.field
    if f is None or f.enum is not None or f.type not in ("integer", "date"):
        return []
    entries = column.dictionary
    given = ~column.missing
    if f.type == "integer":
        bad = given & ~pc.match_substring_regex(entries, f"^{DIGITS.pattern}$").to_numpy(
            zero_copy_only=False
        )
        if bad.any():
            return _at_rows(path, column, lines, bad, lambda value: NOT_DIGITS)
        values = column.values
        bad = np.array([v is not None and not -(2**63) <= v < 2**63 for v in values], bool)
    else:
        bad = np.zeros(len(entries), dtype=bool)
        for i, cell in enumerate(entries.to_pylist()):
            if given[i]:
                try:
                    pd.to_datetime(pd.Series([cell]), format="%Y-%m-%d")
                except (ValueError, TypeError, OverflowError):
                    bad[i] = True
    if not bad.any():
        return []

    def message(value: str) -> str:
        return _failing_cells(f, pd.Series([value], dtype=object), ValueError())[0][3]

    return _at_rows(path, column, lines, bad, message)


def _at_rows(path: str, column: Column, lines: np.ndarray, bad: np.ndarray, message) -> list:
    rows = np.flatnonzero(np.append(bad, False)[column.codes])
    texts: dict[str | None, str] = {}

    def make(row: int) -> Problem:
        value = column.cell(row)
        if value not in texts:
            texts[value] = message(value)
        return Problem(path, int(lines[row]), column.name, value, "type-error", texts[value])

    return listed(rows, make)


def cross_table_problems(
    t: dict[str, pd.DataFrame], schema: Schema, lines: dict[str, np.ndarray]
) -> list[Problem]:
    """Consistency across tables: sides, partners and visits agree with each other."""
    problems: list[Problem] = []
    partners = t["partners"].partner_id
    events, bodies, persons = t["events"], t["bodies"], t["persons"]

    def partner_of(frame: pd.DataFrame, column: str, table: pd.DataFrame, key: str) -> np.ndarray:
        """Row in partners.csv of the partner of the row of ``table`` that ``column`` names."""
        rows = positions(frame[column], table[key])
        return np.append(positions(table.partner_id, partners), -1)[rows]

    def add(table: str, bad: np.ndarray, column: str, message) -> None:
        frame, path = t[table], schema.tables[table].path

        def make(row: int) -> Problem:
            value = frame[column].iloc[row]
            shown = None if pd.isna(value) else str(value)
            return Problem(path, int(lines[table][row]), column, shown, "consistency", message(row))

        problems.extend(listed(np.flatnonzero(bad), make))

    def name(row: int) -> str | None:
        return None if row < 0 else str(partners.iloc[row])

    event_partner = positions(events.partner_id, partners)
    cambodian = partner_of(events, "cambodian_body_id", bodies, "body_id")
    add("events", cambodian >= 0, "cambodian_body_id",
        lambda i: "the Cambodian body must be a body with no partner_id")  # fmt: skip
    body = partner_of(events, "partner_body_id", bodies, "body_id")
    add("events", body != event_partner, "partner_body_id",
        lambda i: f"body belongs to {name(body[i])!r}, event partner is "
        f"{name(event_partner[i])!r}")  # fmt: skip
    parent = positions(events.parent_event_id, events.event_id)
    has_parent = parent >= 0
    at = np.maximum(parent, 0)
    own = has_parent & (parent == np.arange(len(events)))
    kind = events.event_type.astype(object).to_numpy()[at]
    not_visit = has_parent & ~own & (kind != VISIT.value)
    nested = has_parent & ~own & ~not_visit & events.parent_event_id.notna().to_numpy()[at]
    add("events", own, "parent_event_id", lambda i: "an event cannot be its own parent")
    add("events", not_visit, "parent_event_id",
        lambda i: f"parent event is a {kind[i]!r}, not a visit")  # fmt: skip
    add("events", nested, "parent_event_id",
        lambda i: "parent visit is itself part of another event; visits do not nest")  # fmt: skip
    add("events", has_parent & (event_partner[at] != event_partner), "parent_event_id",
        lambda i: "parent visit has another partner")  # fmt: skip
    people = t["participants"]
    home = partner_of(people, "person_id", persons, "person_id")
    where = np.append(event_partner, -1)[positions(people.event_id, events.event_id)]
    side = people.side.astype(object).to_numpy()
    person = people.person_id.astype(object).to_numpy()
    add("participants", (side == CAMBODIA.value) & (home >= 0), "side",
        lambda i: f"{person[i]} serves {name(home[i])!r}")  # fmt: skip
    add(
        "participants",
        (side == PARTNER.value) & (home != where),
        "side",
        lambda i: (
            f"{person[i]} serves {'Cambodia' if home[i] < 0 else repr(name(home[i]))}, "
            f"not the event's partner {name(where[i])!r}"
        ),
    )
    steps = t["instrument_steps"]
    instrument = partner_of(steps, "instrument_id", t["instruments"], "instrument_id")
    step_event = positions(steps.event_id, events.event_id)
    add(
        "instrument_steps",
        (step_event >= 0) & (np.append(event_partner, -1)[step_event] != instrument),
        "event_id",
        lambda i: (
            f"the step's event has another partner than the instrument's ({name(instrument[i])!r})"
        ),
    )
    return problems


def paragraph_count(text: str) -> int:
    """Paragraphs of an article: its non-empty lines."""
    return sum(1 for line in text.splitlines() if line.strip())


def seed_path(seeds_dir: Path, name: str) -> Path | None:
    """The article ``name`` in ``seeds_dir``, or None unless ``name`` is a plain file name whose
    resolved path (symlinks followed) is inside the seeds folder."""
    plain = bool(name) and name not in (".", "..") and Path(name).name == name and "\\" not in name
    path = seeds_dir / name
    if not plain or not path.resolve().is_relative_to(seeds_dir.resolve()):
        return None
    return path


def _outside_seeds(path: str, line: int | None, name: str, seeds_dir: Path) -> Problem:
    return Problem(
        path,
        line,
        "file_name",
        name,
        "source-file",
        f"not a plain file name inside the seeds folder {seeds_dir}; refused",
    )


def checksum_problems(data_dir: Path, schema: Schema, seeds_dir: Path) -> list[Problem]:
    """Each article in sources.csv exists in the seeds folder and has the recorded checksum.
    A file name that is not a plain name inside the seeds folder is refused, never opened."""
    table = schema.table("sources")
    with open(data_dir / table.path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    problems = []
    for row, src in enumerate(rows):
        line = line_of_row(data_dir / table.path, row)
        name, recorded = src.get("file_name") or "", src.get("sha256") or ""
        path = seed_path(seeds_dir, name)
        if name and path is None:
            problems.append(_outside_seeds(table.path, line, name, seeds_dir))
        elif path is None or not path.is_file():
            problems.append(
                Problem(
                    table.path,
                    line,
                    "file_name",
                    name or None,
                    "source-file",
                    f"no such file in {seeds_dir}",
                )
            )
        elif hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
            problems.append(
                Problem(
                    table.path,
                    line,
                    "sha256",
                    recorded or None,
                    "source-file",
                    f"checksum differs from {name}",
                )
            )
    return problems


def paragraph_problems(
    t: dict[str, pd.DataFrame], schema: Schema, data_dir: Path, seeds_dir: Path
) -> list[Problem]:
    """Every cited paragraph exists in its article (every row with a paragraph cites its source)."""
    lengths = {}
    problems = []
    sources_path = schema.table("sources").path
    for i, src in enumerate(t["sources"].itertuples()):
        path = seed_path(seeds_dir, str(src.file_name))
        if path is None:
            line = line_of_row(data_dir / sources_path, i)
            problems.append(_outside_seeds(sources_path, line, str(src.file_name), seeds_dir))
            continue
        lengths[src.source_id] = paragraph_count(path.read_text(encoding="utf-8", errors="replace"))
    for name, table in schema.tables.items():
        frame = t[name]
        if "paragraph" not in frame or "source_id" not in frame:
            continue
        codes, sources = pd.factorize(frame.source_id.astype(object))
        limits = np.array([lengths.get(s, np.inf) for s in sources] + [np.inf], dtype=float)
        limit = limits[codes]  # code -1 (no source): the last, no limit
        paragraph = frame.paragraph.to_numpy(dtype=float, na_value=-np.inf)
        for i in np.flatnonzero(paragraph > limit):
            problems.append(
                Problem(
                    table.path,
                    line_of_row(data_dir / table.path, int(i)),
                    "paragraph",
                    str(frame.paragraph.iloc[i]),
                    "source-file",
                    f"source {sources[codes[i]]} has {int(limit[i])} paragraphs",
                )
            )
    return problems
