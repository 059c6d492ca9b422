"""Validate a data directory: Frictionless checks, the codebook rules, cross-table consistency
and (when the articles are at hand) the source checksums. Every problem is reported at once."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from frictionless import Checklist, Package, Resource

from helpers.rules import checks_for
from helpers.schema import DataError, Schema

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
}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data: where it is and which rule it breaks.

    ``row`` is the line number in the CSV file (the header is line 1).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row else "")
        where += f", column {self.column!r}" if self.column else ""
        value = f", value {self.value!r}" if self.value is not None else ""
        return f"{where}{value}: {self.message} [{self.rule}]"


def validate_dataset(data_dir: Path | str, seeds_dir: Path | str | None = None) -> list[Problem]:
    """All problems of a data directory (empty list when it is valid). Writes nothing."""
    data_dir = Path(data_dir)
    schema = Schema.of(data_dir)
    problems = layout_problems(schema)
    if problems:
        return problems
    broken: set[str] = set()
    for name in schema.tables:
        found = table_problems(data_dir, schema, name)
        if any(p.rule in FILE_LEVEL_ERRORS for p in found):
            broken.add(name)
        problems += found
    problems += foreign_key_problems(data_dir, broken)
    if not problems:
        problems += cross_table_problems(data_dir, schema)
    if seeds_dir is not None and not broken:
        problems += source_file_problems(data_dir, schema, Path(seeds_dir))
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))


def require_valid(data_dir: Path | str, seeds_dir: Path | str | None = None) -> None:
    """Raise DataError listing every problem, if there is any."""
    problems = validate_dataset(data_dir, seeds_dir)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise DataError(f"{data_dir}: {len(problems)} problem(s)\n{lines}")


def layout_problems(schema: Schema) -> list[Problem]:
    """The descriptor must keep the project's tables and columns, which the helpers rely on."""
    expected = Schema.project().layout()
    found = schema.layout()
    name = schema.path.name
    problems = []
    for table, columns in expected.items():
        if table not in found:
            problems.append(
                Problem(name, None, None, table, "layout", f"table {table!r} is missing")
            )
        elif found[table] != columns:
            problems.append(
                Problem(
                    name,
                    None,
                    None,
                    table,
                    "layout",
                    f"table {table!r} must have the columns {columns}",
                )
            )
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
    if path.stat().st_size == 0:
        return [Problem(path.name, None, None, None, "source-error", "file is empty")]
    resource = _standalone_resource(data_dir, schema, name)
    report = resource.validate(checklist=Checklist(checks=checks_for(name)))
    key = schema.tables[name].primary_key
    return [_problem(path.name, e, key) for task in report.tasks for e in task.errors]


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


def _problem(file: str, error, primary_key: tuple[str, ...] = ()) -> Problem:
    row = getattr(error, "row_number", None)
    column = getattr(error, "field_name", None) or None
    value = getattr(error, "cell", None)
    if error.type == "foreign-key":
        column = ", ".join(error.field_names)
        value = ", ".join(str(c) for c in error.field_cells)
        target = error.reference_name or Path(file).stem
        message = f"{value!r} is not a {'/'.join(error.reference_field_names)} of table {target!r}"
    elif error.type == "primary-key":
        column = ", ".join(primary_key) or None
        message = f"duplicate key: {error.note.replace('position', 'line')}"
    elif error.type == "type-error":
        declared = error.note.split('"')[1].split("/")[0]
        message = f"not a valid {declared} value"
    elif error.type == "constraint-error":
        message = f"breaks the schema's {error.note}"
    elif error.type in ("missing-label", "extra-label", "blank-label", "duplicate-label"):
        column = getattr(error, "label", None) or column
        message = error.title.lower()
        value = None
    elif error.type in ("extra-cell", "missing-cell", "blank-row"):
        message = f"{error.title.lower()}: the row does not have one value per column"
    elif error.type == "codebook-rule" or not error.note:
        message = error.note or error.message
    else:
        message = f"{error.title.lower()}: {error.note}"
    return Problem(
        Path(file).name, row, column, value if value != "" else None, error.type, message
    )


def cross_table_problems(data_dir: Path, schema: Schema) -> list[Problem]:
    """Consistency across tables: sides, partners and visits agree with each other."""
    from helpers.load import read_table

    t = {name: read_table(data_dir, table) for name, table in schema.tables.items()}
    problems: list[Problem] = []
    body_partner = t["bodies"].set_index("body_id")["partner_id"]
    person_partner = t["persons"].set_index("person_id")["partner_id"]
    events = t["events"].set_index("event_id")

    def add(table: str, index: int, column: str, value, message: str) -> None:
        problems.append(
            Problem(
                schema.tables[table].path,
                index + 2,
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
        if not pd.isna(ev.parent_event_id):
            parent = events.loc[ev.parent_event_id]
            if parent.event_type != "visit":
                add(
                    "events",
                    i,
                    "parent_event_id",
                    ev.parent_event_id,
                    f"parent event is a {parent.event_type!r}, not a visit",
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
        if p.side == "cambodia" and not pd.isna(home):
            add("participants", i, "side", p.side, f"{p.person_id} serves {home!r}")
        if p.side == "partner" and home != event_partner:
            add(
                "participants",
                i,
                "side",
                p.side,
                f"{p.person_id} does not serve the event's partner {event_partner!r}",
            )
    for i, a in t["agreements"].iterrows():
        if not pd.isna(a.event_id) and events.loc[a.event_id, "partner_id"] != a.partner_id:
            add(
                "agreements",
                i,
                "partner_id",
                a.partner_id,
                "the agreement's event has another partner",
            )
    return problems


def paragraph_count(text: str) -> int:
    """Paragraphs of an article: its non-empty lines."""
    return sum(1 for line in text.splitlines() if line.strip())


def source_file_problems(data_dir: Path, schema: Schema, seeds_dir: Path) -> list[Problem]:
    """Each cited article exists, has the recorded checksum, and has the cited paragraphs."""
    from helpers.load import read_table

    sources = read_table(data_dir, schema.table("sources"))
    problems, paragraphs = [], {}
    for i, src in sources.iterrows():
        path = seeds_dir / src.file_name
        if not path.is_file():
            problems.append(
                Problem(
                    "sources.csv",
                    i + 2,
                    "file_name",
                    src.file_name,
                    "source-file",
                    f"no such file in {seeds_dir}",
                )
            )
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != src.sha256:
            problems.append(
                Problem(
                    "sources.csv",
                    i + 2,
                    "sha256",
                    src.sha256,
                    "source-file",
                    f"checksum differs from {path.name}",
                )
            )
        paragraphs[src.source_id] = paragraph_count(data.decode("utf-8", errors="replace"))
    for table in schema.tables.values():
        if {"source_id", "paragraph"} <= set(table.field_names):
            frame = read_table(data_dir, table)
            for i, row in frame.iterrows():
                limit = paragraphs.get(row.source_id)
                if limit is not None and row.paragraph > limit:
                    problems.append(
                        Problem(
                            table.path,
                            i + 2,
                            "paragraph",
                            str(row.paragraph),
                            "source-file",
                            f"source {row.source_id} has {limit} paragraphs",
                        )
                    )
    return problems
