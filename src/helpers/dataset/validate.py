"""Validate a data directory: Frictionless checks, the codebook rules, cross-table consistency
and (when the articles are at hand) the source checksums. Every problem is reported at once."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
from frictionless import Checklist, Package, Resource

from helpers.dataset.damage import damage_problems
from helpers.dataset.lines import line_of_record, line_of_row, record_starts
from helpers.dataset.problem import Problem
from helpers.dataset.read import CellErrors, read_table
from helpers.dataset.resources import resource_problems
from helpers.dataset.rules import checks_for, model_problems
from helpers.dataset.schema import Schema
from helpers.dataset.vocabulary import CAMBODIA, PARTNER, TERMS, VISIT
from helpers.errors import DataError

FILE_LEVEL_ERRORS = {
    "missing-file",
    "source-error",
    "scheme-error",
    "encoding-error",
    "format-error",
    "hash-count",
    "byte-count",
    "missing-label",
    "extra-label",
    "blank-label",
    "duplicate-label",
    "incorrect-label",
    "blank-header",
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
    for name in schema.tables:
        found = table_problems(data_dir, schema, name)
        if any(p.rule in FILE_LEVEL_ERRORS for p in found):
            broken.add(name)
        problems += found
    problems += foreign_key_problems(data_dir, broken)
    # the checks above number records; those below name lines of the file (line_of_row)
    problems = _on_physical_lines(problems, data_dir)
    if seeds_dir is not None and "sources" not in broken:
        problems += checksum_problems(data_dir, schema, Path(seeds_dir))
    if not problems:  # typed checks need tables that passed every check above
        tables, problems = _read_typed(data_dir, schema)
        if tables:
            problems += cross_table_problems(tables, schema, data_dir)
            problems += model_problems(tables, schema, data_dir)
            if seeds_dir is not None:
                problems += paragraph_problems(tables, schema, data_dir, Path(seeds_dir))
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))


def _on_physical_lines(problems: list[Problem], data_dir: Path) -> list[Problem]:
    """Problems with ``row`` as the line of the file where the record starts: the checks count
    records (header = 1), which differs from lines once a quoted cell spans several lines."""
    out = []
    for problem in problems:
        if problem.row is not None:
            path = data_dir / problem.file
            if 1 <= problem.row <= len(record_starts(path)):
                message = problem.message
                if problem.rule == "primary-key":  # names the first copy's record, too
                    message = re.sub(
                        r"line (\d+)",
                        lambda m, path=path: f"line {line_of_record(path, int(m.group(1)))}",
                        message,
                    )
                problem = replace(problem, row=line_of_record(path, problem.row), message=message)
        out.append(problem)
    return out


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


def _package(data_dir: Path) -> Package:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Package(str(data_dir / "datapackage.json"))


def _standalone_resource(data_dir: Path, schema: Schema, name: str) -> Resource:
    """One table on its own, without foreign keys (they are checked separately)."""
    descriptor = next(r for r in schema.descriptor["resources"] if r["name"] == name)
    descriptor = {**descriptor, "schema": {**descriptor["schema"], "foreignKeys": []}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Resource(descriptor, basepath=str(data_dir))


def table_problems(data_dir: Path, schema: Schema, name: str) -> list[Problem]:
    """Structure, types, vocabularies, keys and codebook rules of one table (not foreign keys)."""
    path = data_dir / schema.tables[name].path
    if not path.exists():
        return [Problem(path.name, None, None, None, "missing-file", "file does not exist")]
    if not path.is_file():
        return [Problem(path.name, None, None, None, "missing-file", "is not a file")]
    if path.stat().st_size == 0:
        return [Problem(path.name, None, None, None, "source-error", "file is empty")]
    table = schema.tables[name]
    damage = damage_problems(path, table)
    if any(p.rule in FILE_LEVEL_ERRORS for p in damage):
        return damage
    resource = _standalone_resource(data_dir, schema, name)
    report = resource.validate(checklist=Checklist(checks=checks_for(name)))
    return damage + [
        _problem(path.name, e, table.primary_key, table.fields)
        for task in report.tasks
        for e in task.errors
    ]


def foreign_key_problems(data_dir: Path, broken: set[str]) -> list[Problem]:
    """Dangling references, between tables that could be read."""
    package = _package(data_dir)
    problems = []
    for resource in package.resources:
        if resource.name in broken:
            continue
        keys = [
            fk
            for fk in resource.schema.foreign_keys
            if (fk["reference"]["resource"] or resource.name) not in broken
        ]
        resource.schema.foreign_keys = keys
        if not keys:
            continue
        report = resource.validate(checklist=Checklist(pick_errors=["foreign-key"]))
        problems += [_problem(resource.path, e) for t in report.tasks for e in t.errors]
    return problems


def _read_typed(data_dir: Path, schema: Schema) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """All tables with their dtypes, or the problems that stop a table from being read."""
    tables, problems = {}, []
    for name, table in schema.tables.items():
        try:
            tables[name] = read_table(data_dir, table)
        except CellErrors as exc:
            path = data_dir / table.path
            problems += [
                Problem(
                    table.path,
                    None if row is None else line_of_row(path, row),
                    column,
                    value,
                    "type-error",
                    message,
                )
                for row, column, value, message in exc.cells
            ]
        except (ValueError, TypeError, OverflowError, pd.errors.ParserError) as exc:
            problems.append(
                Problem(
                    table.path, None, None, None, "parse-error", f"cannot be read as a table: {exc}"
                )
            )
    return ({} if problems else tables), problems


def _problem(file: str, error, primary_key: tuple[str, ...] = (), fields=()) -> Problem:
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or None
    value = getattr(error, "cell", None)
    if error.type == "foreign-key":
        column = ", ".join(error.field_names)
        value = ", ".join(str(c) for c in error.field_cells)
        target = error.reference_name or Path(file).stem
        ref = "/".join(error.reference_field_names)
        message = f"{value!r} is not among the values of {target}.{ref}"
    elif error.type == "primary-key":
        column = ", ".join(primary_key) or None
        names = [f.name for f in fields]
        cells = list(error.cells) + [""] * len(names)
        value = ", ".join(cells[names.index(k)] for k in primary_key if k in names)
        message = f"duplicate key: {error.note.replace('position', 'line')}"
    elif error.type == "type-error":
        declared = error.note.split('"')[1].split("/")[0]
        message = f"not a valid {declared} value"
    elif error.type == "constraint-error":
        message = f"breaks the schema's {error.note}"
        value = None if "required" in error.note else value
    elif error.type in ("extra-label", "blank-label") and not getattr(error, "label", None):
        message = f"column {error.field_number} has no name"  # a blank header cell
        if column:
            message = f"{error.title.lower()}: {message} (the schema expects {column!r})"
        else:
            message += " (a blank header cell, or a comma at the end of the header)"
        value = None
    elif error.type in ("missing-label", "extra-label", "blank-label", "duplicate-label"):
        column = getattr(error, "label", None) or column
        message = error.title.lower()
        value = None
    elif error.type in ("extra-cell", "missing-cell", "blank-row"):
        value = None if error.type == "missing-cell" else value
        message = f"{error.title.lower()}: the row does not have one value per column"
        if error.type == "missing-cell" and not column:
            message += f" (column {error.field_number} has no name)"
    elif error.type == "codebook-rule" or not error.note:
        message = error.note or error.message
    else:
        message = f"{error.title.lower()}: {error.note.replace('position', 'line')}"
    return Problem(
        Path(file).name, row, column, value if value != "" else None, error.type, message
    )


def cross_table_problems(
    t: dict[str, pd.DataFrame], schema: Schema, data_dir: Path
) -> list[Problem]:
    """Consistency across tables: sides, partners and visits agree with each other."""
    problems: list[Problem] = []
    body_partner = t["bodies"].set_index("body_id")["partner_id"]
    person_partner = t["persons"].set_index("person_id")["partner_id"]
    events = t["events"].set_index("event_id")

    def add(table: str, index: int, column: str, value, message: str) -> None:
        path = schema.tables[table].path
        problems.append(
            Problem(
                path,
                line_of_row(data_dir / path, index),
                column,
                None if pd.isna(value) else str(value),
                "consistency",
                message,
            )
        )

    for i, ev in t["events"].iterrows():
        if not pd.isna(body_partner[ev.cambodian_body_id]):
            add(
                "events",
                i,
                "cambodian_body_id",
                ev.cambodian_body_id,
                "the Cambodian body must be a body with no partner_id",
            )
        if body_partner[ev.partner_body_id] != ev.partner_id:
            add(
                "events",
                i,
                "partner_body_id",
                ev.partner_body_id,
                f"body belongs to {body_partner[ev.partner_body_id]!r}, event partner is "
                f"{ev.partner_id!r}",
            )
        if pd.isna(ev.parent_event_id):
            continue
        parent = events.loc[ev.parent_event_id]
        if ev.parent_event_id == ev.event_id:
            add(
                "events",
                i,
                "parent_event_id",
                ev.parent_event_id,
                "an event cannot be its own parent",
            )
        elif parent.event_type != VISIT.value:
            add(
                "events",
                i,
                "parent_event_id",
                ev.parent_event_id,
                f"parent event is a {parent.event_type!r}, not a visit",
            )
        elif not pd.isna(parent.parent_event_id):
            add(
                "events",
                i,
                "parent_event_id",
                ev.parent_event_id,
                "parent visit is itself part of another event; visits do not nest",
            )
        if parent.partner_id != ev.partner_id:
            add(
                "events",
                i,
                "parent_event_id",
                ev.parent_event_id,
                "parent visit has another partner",
            )
    for i, p in t["participants"].iterrows():
        home = person_partner[p.person_id]
        event_partner = events.loc[p.event_id, "partner_id"]
        if p.side == CAMBODIA.value and not pd.isna(home):
            add("participants", i, "side", p.side, f"{p.person_id} serves {home!r}")
        if p.side == PARTNER.value and (pd.isna(home) or home != event_partner):
            serves = "Cambodia" if pd.isna(home) else repr(home)
            add(
                "participants",
                i,
                "side",
                p.side,
                f"{p.person_id} serves {serves}, not the event's partner {event_partner!r}",
            )
    instrument_partner = t["instruments"].set_index("instrument_id")["partner_id"]
    for i, step in t["instrument_steps"].iterrows():
        partner = instrument_partner[step.instrument_id]
        if not pd.isna(step.event_id) and events.loc[step.event_id, "partner_id"] != partner:
            add(
                "instrument_steps",
                i,
                "event_id",
                step.event_id,
                f"the step's event has another partner than the instrument's ({partner!r})",
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
        for i, (source, paragraph) in enumerate(zip(frame.source_id, frame.paragraph, strict=True)):
            limit = lengths.get(source)
            if limit is not None and paragraph > limit:
                problems.append(
                    Problem(
                        table.path,
                        line_of_row(data_dir / table.path, i),
                        "paragraph",
                        str(paragraph),
                        "source-file",
                        f"source {source} has {limit} paragraphs",
                    )
                )
    return problems
