"""A corpus of malformed copies of data/: each breaks one rule, and the validator must say where.

Every variant is a copy of the real data directory with one small mutation. The test asserts
the file, row (CSV line, header = 1), column, value, rule and part of the message of the problem
the mutation must cause. Rows are found by key, so the expected line follows the data.
The variants that once crashed the validator or were reported at the wrong place are kept
as regression cases.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cli import helpers_cli
from filetools import SEEDS, needs_seeds, read_rows, write_rows

from helpers.dataset.validate import Problem, validate_dataset
from helpers.errors import DataError
from helpers.paths import PROJECT_DATA as DATA

# A mutation edits a copy of data/ in place and returns the CSV line it touched (None: no row).
Mutation = Callable[[Path], "int | None"]
Key = str | tuple[str, ...]


# --- mutations -------------------------------------------------------------------------------


def _line_of(rows: list[list[str]], key: Key) -> int:
    """Line number (header = 1) of the one row whose leading cells are ``key``."""
    key = (key,) if isinstance(key, str) else key
    lines = [i + 1 for i, row in enumerate(rows) if i and tuple(row[: len(key)]) == key]
    assert len(lines) == 1, f"key {key} matches lines {lines}"
    return lines[0]


def cell(file: str, key: Key, column: str, value: str) -> Mutation:
    """Set one cell of the row with this key."""

    def mutate(data: Path) -> int:
        rows = read_rows(data / file)
        line = _line_of(rows, key)
        rows[line - 1][rows[0].index(column)] = value
        write_rows(data / file, rows)
        return line

    return mutate


def duplicate(file: str, key: Key, **changes: str) -> Mutation:
    """Append a copy of the row with this key (optionally changed); return the new line."""

    def mutate(data: Path) -> int:
        rows = read_rows(data / file)
        copy = list(rows[_line_of(rows, key) - 1])
        for column, value in changes.items():
            copy[rows[0].index(column)] = value
        write_rows(data / file, [*rows, copy])
        return len(rows) + 1

    return mutate


def append(file: str, row: list[str]) -> Mutation:
    """Append a raw row, however many cells it has."""

    def mutate(data: Path) -> int:
        rows = read_rows(data / file)
        write_rows(data / file, [*rows, row])
        return len(rows) + 1

    return mutate


def blank_line(file: str, key: Key) -> Mutation:
    """Insert an empty line before the row with this key; return the empty line's number."""

    def mutate(data: Path) -> int:
        line = _line_of(read_rows(data / file), key)
        lines = (data / file).read_text(encoding="utf-8").splitlines(keepends=True)
        lines.insert(line - 1, "\n")
        (data / file).write_text("".join(lines), encoding="utf-8")
        return line

    return mutate


def drop_column(file: str, column: str) -> Mutation:
    def mutate(data: Path) -> None:
        rows = read_rows(data / file)
        index = rows[0].index(column)
        write_rows(data / file, [row[:index] + row[index + 1 :] for row in rows])

    return mutate


def add_column(file: str, column: str, value: str) -> Mutation:
    def mutate(data: Path) -> None:
        rows = read_rows(data / file)
        write_rows(data / file, [rows[0] + [column]] + [row + [value] for row in rows[1:]])

    return mutate


def then(first: Mutation, second: Mutation) -> Mutation:
    """Two mutations in turn; the line is the second's (where the problem shows)."""

    def mutate(data: Path) -> int | None:
        first(data)
        return second(data)

    return mutate


def rename_column(file: str, old: str, new: str) -> Mutation:
    def mutate(data: Path) -> None:
        rows = read_rows(data / file)
        rows[0][rows[0].index(old)] = new
        write_rows(data / file, rows)

    return mutate


def write_bytes(file: str, content: bytes | Callable[[bytes], bytes]) -> Mutation:
    """Replace a file's bytes (or transform them)."""

    def mutate(data: Path) -> None:
        path = data / file
        path.write_bytes(content(path.read_bytes()) if callable(content) else content)

    return mutate


def delete(file: str) -> Mutation:
    def mutate(data: Path) -> None:
        (data / file).unlink()

    return mutate


def descriptor(edit: Callable[[dict[str, Any]], Any]) -> Mutation:
    """Edit the parsed datapackage.json; ``edit`` changes it in place or returns a new value."""

    def mutate(data: Path) -> None:
        path = data / "datapackage.json"
        parsed = json.loads(path.read_text(encoding="utf-8"))
        result = edit(parsed)
        path.write_text(json.dumps(parsed if result is None else result), encoding="utf-8")

    return mutate


def _resource(parsed: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in parsed["resources"] if r["name"] == name)


def drop_field(table: str, column: str) -> Callable[[dict[str, Any]], None]:
    def edit(parsed: dict[str, Any]) -> None:
        schema = _resource(parsed, table)["schema"]
        schema["fields"] = [f for f in schema["fields"] if f["name"] != column]

    return edit


def drop_key(table: str, key: str) -> Callable[[dict[str, Any]], None]:
    def edit(parsed: dict[str, Any]) -> None:
        del _resource(parsed, table)[key]

    return edit


def latin1(text: bytes) -> bytes:
    """The same table with an accent on its first data row, encoded as latin-1."""
    header, first, rest = text.decode("utf-8").split("\n", 2)
    return f"{header}\n{first}é\n{rest}".encode("latin-1")


def open_last_quote(text: bytes) -> bytes:
    """Open a quote before the last cell of the file and never close it."""
    cut = text.rindex(b",") + 1
    return text[:cut] + b'"' + text[cut:]


def make_variant(tmp_path: Path, mutate: Mutation | None = None) -> tuple[Path, int | None]:
    """Copy data/ to ``tmp_path/data`` and apply one mutation."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data, (mutate(data) if mutate else None)


# --- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One malformed variant and the problem it must cause (at the line ``mutate`` returns)."""

    id: str
    mutate: Mutation
    file: str
    column: str | None
    rule: str
    message: str
    value: str | None = None
    seeds: bool = False
    bug: str | None = None  # a known validator bug: the case is expected to fail


ENUM, PATTERN, REQUIRED = 'constraint "enum"', 'constraint "pattern"', 'constraint "required"'
RULE, FK, CONSISTENCY = "codebook-rule", "foreign-key", "consistency"
SHA = "9e33134290ebbf8b127194655453ba6afcdd69ca0b8803d680876d1c0b8e5ac3"
OBSERVER_ROW = ("E001", "S000", "transnational_crime", "observer")
OFFICIAL_ROW = ("I001", "S000", "information_sharing", "official")
LATIN1_ROW = "E001,S000,cybercrime,official,both,Café,3,é\n".encode("latin-1")
E001_REPORT, E003_ZHAO, SIGNED_I002 = (
    ("E001", "S000"),
    ("E003", "S001", "zhao-kezhi"),
    ("I002", "signed"),
)
STEP_AFTER_SIGNATURE = [
    "I002",
    "proposed",
    "S001",
    "9",
    "E003",
    "MoU",
    "",
    "2020",
    "year",
    "true",
    "x",
]

# One variant per line pair: id and mutation, then file, column, rule, message fragment, value.
# fmt: off
CASES = [
    # structure of the tables
    Case("missing-column", drop_column("events.csv", "reconciliation_note"),
         "events.csv", "reconciliation_note", "missing-label", "missing label"),
    Case("missing-middle-column", drop_column("events.csv", "mode"),
         "events.csv", "mode", "incorrect-label", 'Label "visiting_side"'),
    Case("extra-column", add_column("partners.csv", "capital", "x"),
         "partners.csv", "capital", "extra-label", "extra label"),
    Case("renamed-column", rename_column("themes.csv", "kind", "type"),
         "themes.csv", "kind", "incorrect-label", 'Label "type"'),
    Case("duplicate-header", rename_column("partners.csv", "name", "partner_id"),
         "partners.csv", "partner_id", "duplicate-label", "duplicate label"),
    Case("blank-header", rename_column("partners.csv", "name", ""),
         "partners.csv", "name", "blank-label", "blank label"),
    Case("ragged-row-short", append("partners.csv", ["FRA"]),
         "partners.csv", "name", "missing-cell", "does not have one value per column"),
    Case("ragged-row-long", append("partners.csv", ["FRA", "France", "x"]),
         "partners.csv", None, "extra-cell", "does not have one value per column", "x"),
    Case("blank-row", blank_line("partners.csv", "TLS"),
         "partners.csv", None, "blank-row", "blank row"),
    Case("empty-file", write_bytes("partners.csv", b""),
         "partners.csv", None, "source-error", "file is empty"),
    Case("missing-file", delete("themes.csv"),
         "themes.csv", None, "missing-file", "does not exist"),
    Case("latin-1", write_bytes("partners.csv", latin1),
         "partners.csv", None, "encoding-error", "can't decode"),
    Case("latin-1-last-row", write_bytes("event_themes.csv", lambda b: b + LATIN1_ROW),
         "event_themes.csv", None, "encoding-error", "can't decode"),
    Case("descriptor-drops-column", descriptor(drop_field("events", "summary")),
         "datapackage.json", None, "layout", "'events' must have the columns", "events"),
    Case("descriptor-drops-table",
         descriptor(lambda d: d["resources"].remove(_resource(d, "themes"))),
         "datapackage.json", None, "layout", "table 'themes' is missing", "themes"),
    # keys
    Case("duplicate-key", duplicate("partners.csv", "CHN"),
         "partners.csv", "partner_id", "primary-key", "the same as in the row at line", "CHN"),
    Case("duplicate-unique-name", duplicate("partners.csv", "CHN", partner_id="FRA"),
         "partners.csv", "name", "unique-error", "unique error", "China"),
    Case("duplicate-composite-key",
         duplicate("participants.csv", E003_ZHAO, title_as_stated="Minister"),
         "participants.csv", "event_id, source_id, person_id", "primary-key", "duplicate key",
         "E003, S001, zhao-kezhi"),
    Case("duplicate-theme-key",
         duplicate("event_themes.csv", OBSERVER_ROW, paragraph="11"),
         "event_themes.csv", "event_id, source_id, theme_id, voice", "primary-key",
         "duplicate key", "E001, S000, transnational_crime, observer"),
    Case("dangling-source", cell("reports.csv", E001_REPORT, "source_id", "S999"),
         "reports.csv", "source_id", FK, "'S999' is not among the values of sources.source_id",
         "S999"),
    Case("dangling-parent-event", cell("events.csv", "E003", "parent_event_id", "E099"),
         "events.csv", "parent_event_id", FK, "not among the values of events.event_id", "E099"),
    Case("dangling-partner-body", cell("events.csv", "E003", "partner_body_id", "CHN-XXX"),
         "events.csv", "partner_body_id", FK, "not among the values of bodies.body_id", "CHN-XXX"),
    Case("dangling-person", cell("participants.csv", E003_ZHAO, "person_id", "nobody"),
         "participants.csv", "person_id", FK, "not among the values of persons.person_id",
         "nobody"),
    Case("dangling-step-event", cell("instrument_steps.csv", SIGNED_I002, "event_id", "E099"),
         "instrument_steps.csv", "event_id", FK, "not among the values of events.event_id", "E099"),
    Case("dangling-theme", cell("event_themes.csv", OBSERVER_ROW, "theme_id", "piracy"),
         "event_themes.csv", "theme_id", FK, "not among the values of themes.theme_id", "piracy"),
    Case("dangling-instrument",
         cell("instrument_themes.csv", OFFICIAL_ROW, "instrument_id", "I099"),
         "instrument_themes.csv", "instrument_id", FK,
         "not among the values of instruments.instrument_id", "I099"),
    Case("dangling-body-partner", cell("bodies.csv", "TLS-EMB", "partner_id", "FRA"),
         "bodies.csv", "partner_id", FK, "not among the values of partners.partner_id", "FRA"),
    Case("dangling-person-partner", cell("persons.csv", "to-lam", "partner_id", "FRA"),
         "persons.csv", "partner_id", FK, "not among the values of partners.partner_id", "FRA"),
    # vocabularies and patterns
    Case("unknown-event-type", cell("events.csv", "E002", "event_type", "summit"),
         "events.csv", "event_type", "constraint-error", ENUM, "summit"),
    Case("event-type-trailing-space", cell("events.csv", "E002", "event_type", "visit "),
         "events.csv", "event_type", "constraint-error", ENUM, "visit "),
    Case("unknown-mode", cell("events.csv", "E002", "mode", "hybrid"),
         "events.csv", "mode", "constraint-error", ENUM, "hybrid"),
    Case("unknown-voice",
         cell("event_themes.csv", ("E001", "S000", "organised_crime"), "voice", "rumour"),
         "event_themes.csv", "voice", "constraint-error", ENUM, "rumour"),
    Case("unknown-theme-kind", cell("themes.csv", "cybercrime", "kind", "terrorism"),
         "themes.csv", "kind", "constraint-error", ENUM, "terrorism"),
    Case("unknown-step", cell("instrument_steps.csv", SIGNED_I002, "step", "ratified"),
         "instrument_steps.csv", "step", "constraint-error", ENUM, "ratified"),
    Case("unknown-participant-side",
         cell("participants.csv", E003_ZHAO, "side", "observer"),
         "participants.csv", "side", "constraint-error", ENUM, "observer"),
    Case("bad-event-id", cell("events.csv", "E012", "event_id", "E12"),
         "events.csv", "event_id", "constraint-error", PATTERN, "E12"),
    Case("bad-instrument-id", cell("instruments.csv", "I006", "instrument_id", "I-6"),
         "instruments.csv", "instrument_id", "constraint-error", PATTERN, "I-6"),
    Case("bad-person-id", cell("persons.csv", "hun-sen", "person_id", "Hun_Sen"),
         "persons.csv", "person_id", "constraint-error", PATTERN, "Hun_Sen"),
    Case("bad-sha256", cell("sources.csv", "S000", "sha256", SHA.upper()),
         "sources.csv", "sha256", "constraint-error", PATTERN, SHA.upper()),
    Case("short-sha256", cell("sources.csv", "S000", "sha256", SHA[:63]),
         "sources.csv", "sha256", "constraint-error", PATTERN, SHA[:63]),
    Case("bad-date-pattern", cell("events.csv", "E006", "start_date", "2023/03/04"),
         "events.csv", "start_date", "constraint-error", PATTERN, "2023/03/04"),
    # types and required cells
    Case("non-integer-paragraph", cell("reports.csv", E001_REPORT, "paragraph", "two"),
         "reports.csv", "paragraph", "type-error", "not a valid integer", "two"),
    Case("decimal-paragraph", cell("instrument_steps.csv", SIGNED_I002, "paragraph", "9.5"),
         "instrument_steps.csv", "paragraph", "type-error", "not a valid integer", "9.5"),
    Case("zero-paragraph",
         cell("participants.csv", ("E001", "S000", "sar-sokha"), "paragraph", "0"),
         "participants.csv", "paragraph", "constraint-error", 'constraint "minimum"', "0"),
    Case("bad-boolean", cell("events.csv", "E001", "date_inferred", "yes"),
         "events.csv", "date_inferred", "type-error", "not a valid boolean", "yes"),
    Case("empty-boolean", cell("instrument_steps.csv", ("I001", "proposed"), "date_inferred", ""),
         "instrument_steps.csv", "date_inferred", "constraint-error", REQUIRED),
    Case("bad-publication-date", cell("sources.csv", "S003", "publication_date", "26/01/2024"),
         "sources.csv", "publication_date", "type-error", "not a valid date", "26/01/2024"),
    Case("empty-source-id", cell("reports.csv", E001_REPORT, "source_id", ""),
         "reports.csv", "source_id", "constraint-error", REQUIRED),
    Case("empty-summary", cell("events.csv", "E004", "summary", ""),
         "events.csv", "summary", "constraint-error", REQUIRED),
    Case("empty-evidence", cell("event_themes.csv", OBSERVER_ROW, "evidence", ""),
         "event_themes.csv", "evidence", "constraint-error", REQUIRED),
    # codebook rules: dates
    Case("impossible-date", cell("events.csv", "E006", "start_date", "2023-02-30"),
         "events.csv", "start_date", RULE, "is not a real calendar date", "2023-02-30"),
    Case("impossible-month", cell("events.csv", "E008", "start_date", "2023-13"),
         "events.csv", "start_date", RULE, "is not a real calendar date", "2023-13"),
    Case("impossible-step-date",
         cell("instrument_steps.csv", ("I005", "reviewed"), "date", "2024-02-30"),
         "instrument_steps.csv", "date", RULE, "is not a real calendar date", "2024-02-30"),
    Case("day-precision-without-day", cell("events.csv", "E006", "start_date", "2023-03"),
         "events.csv", "start_date", RULE, "does not have day precision", "2023-03"),
    Case("end-date-precision", cell("events.csv", "E005", "end_date", "2023-03"),
         "events.csv", "end_date", RULE, "does not have day precision", "2023-03"),
    Case("precision-without-date", cell("events.csv", "E001", "date_precision", "year"),
         "events.csv", "date_precision", RULE, "but start_date is empty", "year"),
    Case("step-precision-without-date",
         cell("instrument_steps.csv", ("I001", "proposed"), "date_precision", "day"),
         "instrument_steps.csv", "date_precision", RULE,
         "date_precision is 'day' but date is empty",
         "day"),
    Case("date-without-precision", cell("events.csv", "E006", "date_precision", ""),
         "events.csv", "date_precision", RULE, "start_date is given but date_precision is empty"),
    Case("inferred-without-reason", cell("events.csv", "E006", "date_inference_reason", ""),
         "events.csv", "date_inference_reason", RULE, "date_inferred is true but no reason"),
    Case("step-inferred-without-reason",
         cell("instrument_steps.csv", SIGNED_I002, "date_inference_reason", ""),
         "instrument_steps.csv", "date_inference_reason", RULE,
         "date_inferred is true but no reason"),
    Case("stated-date-without-date-or-reason",
         cell("reports.csv", E001_REPORT, "date_inference_reason", ""),
         "reports.csv", "date_inference_reason", RULE,
         "date_as_stated is 'February 19' but start_date is empty and no reason says why"),
    Case("step-stated-date-without-date-or-reason",
         cell("instrument_steps.csv", ("I001", "proposed"), "date_inference_reason", ""),
         "instrument_steps.csv", "date_inference_reason", RULE, "but date is empty and no reason"),
    Case("end-before-start", cell("events.csv", "E005", "end_date", "2023-03-01"),
         "events.csv", "end_date", RULE, "end_date '2023-03-01' is before start_date '2023-03-03'",
         "2023-03-01"),
    Case("end-without-start", cell("events.csv", "E001", "end_date", "2023"),
         "events.csv", "end_date", RULE, "end_date is given but start_date is empty", "2023"),
    # codebook rules: sides and voices
    Case("visiting-equals-hosting", cell("events.csv", "E002", "hosting_side", "cambodia"),
         "events.csv", "hosting_side", RULE, "are both 'cambodia'", "cambodia"),
    Case("virtual-with-visiting-side", cell("events.csv", "E012", "visiting_side", "partner"),
         "events.csv", "visiting_side", RULE, "a virtual meeting has no visiting or hosting side",
         "partner"),
    Case("virtual-with-hosting-side", cell("events.csv", "E012", "hosting_side", "cambodia"),
         "events.csv", "hosting_side", RULE, "a virtual meeting has no visiting or hosting side",
         "cambodia"),
    Case("observer-voice-not-raised-by-observer",
         cell("event_themes.csv", OBSERVER_ROW, "raised_by", "cambodia"),
         "event_themes.csv", "raised_by", RULE, "voice is 'observer' but raised_by is 'cambodia'",
         "cambodia"),
    Case("official-voice-raised-by-observer",
         cell("instrument_themes.csv", OFFICIAL_ROW, "raised_by", "observer"),
         "instrument_themes.csv", "raised_by", RULE, "voice is 'official' but raised_by is",
         "observer"),
    # cross-table consistency
    Case("partner-body-of-another-partner",
         cell("events.csv", "E003", "partner_body_id", "VNM-MPS"),
         "events.csv", "partner_body_id", CONSISTENCY,
         "body belongs to 'VNM', event partner is 'CHN'", "VNM-MPS"),
    Case("cambodian-body-of-a-partner", cell("events.csv", "E003", "cambodian_body_id", "CHN-CPC"),
         "events.csv", "cambodian_body_id", CONSISTENCY, "must be a body with no partner_id",
         "CHN-CPC"),
    Case("foreigner-on-cambodian-side",
         cell("participants.csv", E003_ZHAO, "side", "cambodia"),
         "participants.csv", "side", CONSISTENCY, "zhao-kezhi serves 'CHN'", "cambodia"),
    Case("cambodian-on-partner-side",
         cell("participants.csv", ("E003", "S001", "sar-kheng"), "side", "partner"),
         "participants.csv", "side", CONSISTENCY, "serves Cambodia, not the event's partner 'CHN'",
         "partner"),
    Case("person-of-another-partner",
         cell("participants.csv", E003_ZHAO, "person_id", "pham-minh-chinh"),
         "participants.csv", "side", CONSISTENCY,
         "pham-minh-chinh serves 'VNM', not the event's partner", "partner"),
    Case("parent-event-not-a-visit", cell("events.csv", "E004", "parent_event_id", "E003"),
         "events.csv", "parent_event_id", CONSISTENCY, "parent event is a 'talks', not a visit",
         "E003"),
    Case("parent-visit-of-another-partner", cell("events.csv", "E010", "parent_event_id", "E002"),
         "events.csv", "parent_event_id", CONSISTENCY, "parent visit has another partner", "E002"),
    Case("step-event-of-another-partner",
         cell("instrument_steps.csv", SIGNED_I002, "event_id", "E005"),
         "instrument_steps.csv", "event_id", CONSISTENCY, "the step's event has another partner",
         "E005"),
    # the report model: events, their reports and the evidence; instruments and their steps
    Case("event-without-report", duplicate("events.csv", "E001", event_id="E013"),
         "events.csv", "event_id", RULE, "no report cites this event", "E013"),
    Case("report-of-missing-event", duplicate("reports.csv", E001_REPORT, event_id="E099"),
         "reports.csv", "event_id", FK, "not among the values of events.event_id", "E099"),
    Case("participant-whose-source-has-no-report",
         cell("participants.csv", E003_ZHAO, "source_id", "S000"),
         "participants.csv", "event_id, source_id", FK,
         "is not among the values of reports.event_id/source_id", "E003, S000"),
    Case("theme-whose-source-has-no-report",
         cell("event_themes.csv", OBSERVER_ROW, "source_id", "S001"),
         "event_themes.csv", "event_id, source_id", FK,
         "is not among the values of reports.event_id/source_id", "E001, S001"),
    Case("step-without-source", cell("instrument_steps.csv", SIGNED_I002, "source_id", ""),
         "instrument_steps.csv", "source_id", "constraint-error", REQUIRED),
    Case("step-at-an-event-its-source-does-not-report",
         cell("instrument_steps.csv", SIGNED_I002, "source_id", "S002"),
         "instrument_steps.csv", "event_id", RULE, "source S002 has no report of this event",
         "E003"),
    Case("instrument-theme-whose-source-reports-no-step",
         cell("instrument_themes.csv", OFFICIAL_ROW, "source_id", "S001"),
         "instrument_themes.csv", "source_id", RULE, "this source reports no step of instrument",
         "S001"),
    Case("instrument-without-step", append("instruments.csv", ["I099", "VNM", "mou", "x", "y"]),
         "instruments.csv", "instrument_id", RULE, "no step of this instrument is coded", "I099"),
    Case("signature-before-proposal",
         then(append("instrument_steps.csv", STEP_AFTER_SIGNATURE),
              cell("instrument_steps.csv", SIGNED_I002, "date", "2019")),
         "instrument_steps.csv", "date", RULE, "step signed is dated before an earlier step",
         "2019"),
    Case("reconciled-place-no-report-states", cell("events.csv", "E009", "place", "Hanoi"),
         "events.csv", "place", RULE, "no report of this event states this value", "Hanoi"),
    Case("reconciled-place-left-empty", cell("events.csv", "E002", "place", ""),
         "events.csv", "place", RULE, "a report states a value"),
    Case("reconciled-date-not-by-the-rule",
         then(duplicate("reports.csv", ("E010", "S003"), source_id="S004",
                        start_date="2024-01-22"),
              cell("events.csv", "E010", "reconciliation_note", "S004 dates it a day earlier.")),
         "events.csv", "start_date", RULE, "picks the date of source S004", "2024-01-23"),
    Case("disagreement-without-note",
         then(duplicate("reports.csv", ("E009", "S003"), source_id="S004",
                        place_as_stated="Phnom Penh"),
              cell("events.csv", "E009", "reconciliation_note", "")),
         "events.csv", "reconciliation_note", RULE, "the reports of this event disagree"),
    # source articles (need the seeds folder)
    Case("unknown-source-file", cell("sources.csv", "S002", "file_name", "999_missing.txt"),
         "sources.csv", "file_name", "source-file", "no such file", "999_missing.txt", seeds=True),
    Case("wrong-checksum", cell("sources.csv", "S000", "sha256", "0" * 64),
         "sources.csv", "sha256", "source-file", "checksum differs from", "0" * 64, seeds=True),
    Case("report-paragraph-beyond-article", cell("reports.csv", E001_REPORT, "paragraph", "99"),
         "reports.csv", "paragraph", "source-file", "source S000 has", "99", seeds=True),
    Case("theme-paragraph-beyond-article",
         cell("event_themes.csv", OBSERVER_ROW, "paragraph", "500"),
         "event_themes.csv", "paragraph", "source-file", "source S000 has", "500", seeds=True),
    Case("step-paragraph-beyond-article",
         cell("instrument_steps.csv", SIGNED_I002, "paragraph", "99"),
         "instrument_steps.csv", "paragraph", "source-file", "source S001 has", "99", seeds=True),
    # found by this corpus and fixed in the validator
    Case("duplicate-key-names-the-key", duplicate("partners.csv", "VNM"),
         "partners.csv", "partner_id", "primary-key", "duplicate key", "VNM"),
    Case("short-row-required-cell-value", append("partners.csv", ["FRA"]),
         "partners.csv", "name", "constraint-error", REQUIRED),
    Case("boolean-spelled-TRUE", cell("events.csv", "E002", "date_inferred", "TRUE"),
         "events.csv", "date_inferred", "type-error", "not a valid boolean", "TRUE"),
    Case("event-is-its-own-parent", cell("events.csv", "E002", "parent_event_id", "E002"),
         "events.csv", "parent_event_id", CONSISTENCY, "cannot be its own parent", "E002"),
    Case("participant-paragraph-beyond-article",
         cell("participants.csv", ("E001", "S000", "sar-sokha"), "paragraph", "99"),
         "participants.csv", "paragraph", "source-file", "has", "99", seeds=True),
]
# fmt: on


def _params(cases: list[Case]) -> list[Any]:
    params = []
    for case in cases:
        marks = [needs_seeds] if case.seeds else []
        if case.bug:
            marks.append(pytest.mark.xfail(strict=True, reason=case.bug))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _listing(problems: list[Problem]) -> str:
    return "\n".join(f"  {p!r}" for p in problems) or "  (no problems)"


def test_corpus_is_large_and_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids)
    assert len([case for case in CASES if not case.bug]) >= 30


@pytest.mark.parametrize("case", _params(CASES))
def test_malformed_variant_is_reported(case: Case, tmp_path: Path) -> None:
    assert_reported(case, tmp_path)


def assert_reported(case: Case, tmp_path: Path) -> None:
    """The variant of ``case`` is invalid, and the problem it names is among those reported."""
    data, line = make_variant(tmp_path, case.mutate)
    problems = validate_dataset(data, SEEDS if case.seeds else None)
    assert problems, "the malformed variant validated"
    where = [
        p
        for p in problems
        if (p.file, p.row, p.column, p.rule) == (case.file, line, case.column, case.rule)
    ]
    assert where, (
        f"expected {case.rule} at {case.file}, row {line}, column {case.column!r}; "
        f"got:\n{_listing(problems)}"
    )
    assert any(case.message in p.message and p.value == case.value for p in where), (
        f"expected value {case.value!r} and message containing {case.message!r}; "
        f"got:\n{_listing(where)}"
    )


# --- variants the validator must report rather than crash on ---------------------------------


def crash(
    name: str,
    mutate: Mutation,
    file: str,
    raises: type[Exception],
    reason: str,
    seeds: bool = False,
) -> Any:
    """A variant on which the validator once raised ``raises`` (``reason``) instead of
    reporting a problem; it must now report one."""
    return pytest.param(mutate, file, seeds, id=name, marks=[needs_seeds] if seeds else [])


# fmt: off
CRASHES = [
    crash("non-integer-paragraph-with-seeds", cell("reports.csv", E001_REPORT, "paragraph", "two"),
          "reports.csv", ValueError, seeds=True,
          reason="with seeds, source_file_problems reads tables that failed their type checks: "
                 "pd.to_numeric('two') raises ValueError"),
    crash("empty-paragraph-with-seeds", cell("reports.csv", E001_REPORT, "paragraph", ""),
          "reports.csv", TypeError, seeds=True,
          reason="with seeds, an empty events.paragraph reaches `row.paragraph > limit`: "
                 "TypeError 'boolean value of NA is ambiguous'"),
    crash("impossible-publication-date-with-seeds",
          cell("sources.csv", "S003", "publication_date", "2024-02-30"),
          "sources.csv", ValueError, seeds=True,
          reason="with seeds, read_table(sources) runs pd.to_datetime on the invalid date "
                 "and raises ValueError"),
    crash("ragged-long-row-with-seeds",
          append("events.csv", ["E013", "TLS", "meeting"] + [""] * 14 + ["x"]),
          "events.csv", ValueError, seeds=True,
          reason="with seeds, pandas reads a table with an extra cell by shifting its columns "
                 "(the first becomes the index), and read_table raises ValueError"),
    crash("huge-paragraph", cell("reports.csv", E001_REPORT, "paragraph", "99999999999999999999"),
          "reports.csv", OverflowError,
          reason="Frictionless accepts any integer, then cross_table_problems' read_table "
                 "raises OverflowError converting it to Int64"),
    crash("unterminated-quote-in-last-row", write_bytes("event_themes.csv", open_last_quote),
          "event_themes.csv", pd.errors.ParserError,
          reason="Frictionless accepts a quote left open at the end of the file, then "
                 "cross_table_problems' pandas reader raises ParserError"),
]
# fmt: on


@pytest.mark.parametrize(("mutate", "file", "seeds"), CRASHES)
def test_malformed_variant_does_not_crash(
    mutate: Mutation, file: str, seeds: bool, tmp_path: Path
) -> None:
    data, line = make_variant(tmp_path, mutate)
    problems = validate_dataset(data, SEEDS if seeds else None)
    assert any(p.file == file and p.row in (line, None) for p in problems), _listing(problems)


# --- unusable directories: DataError, exit code 2 -------------------------------------------

UNUSABLE = [
    pytest.param(delete("datapackage.json"), "no data package descriptor", id="descriptor-missing"),
    pytest.param(
        write_bytes("datapackage.json", b'{"resources": ['),
        "not valid JSON",
        id="descriptor-not-json",
    ),
    pytest.param(
        write_bytes("datapackage.json", lambda b: b.replace(b'"name"', b'"n\xe4me"', 1)),
        "not valid JSON",
        id="descriptor-not-utf8",
    ),
    pytest.param(write_bytes("datapackage.json", b""), "not valid JSON", id="descriptor-empty"),
    pytest.param(
        descriptor(lambda d: d["resources"]),
        "datapackage.json",
        id="descriptor-is-a-list",
    ),
    pytest.param(
        descriptor(drop_key("themes", "path")),
        "path",
        id="resource-without-path",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), UNUSABLE)
def test_unusable_descriptor_raises_data_error(
    mutate: Mutation, message: str, tmp_path: Path
) -> None:
    data, _ = make_variant(tmp_path, mutate)
    with pytest.raises(DataError, match=message):
        validate_dataset(data)


def test_missing_directory_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        validate_dataset(tmp_path / "nowhere")


# --- the real data ---------------------------------------------------------------------------


def test_real_data_is_valid() -> None:
    assert validate_dataset(DATA) == []


@needs_seeds
def test_real_data_is_valid_with_the_seeds() -> None:
    assert validate_dataset(DATA, SEEDS) == []


def test_rewriting_the_tables_keeps_them_valid(tmp_path: Path) -> None:
    """The mutation helpers' csv round trip alone changes nothing the validator sees."""
    data, _ = make_variant(tmp_path)
    for path in sorted(data.glob("*.csv")):
        write_rows(path, read_rows(path))
    assert validate_dataset(data) == []


# --- validation writes nothing ---------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    return {
        p.relative_to(root).as_posix(): (
            p.read_bytes() if p.is_file() else None,
            p.stat().st_mtime_ns,
        )
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(None, id="valid"),
        pytest.param(cell("events.csv", "E002", "event_type", "summit"), id="bad-cell"),
        pytest.param(cell("events.csv", "E004", "parent_event_id", "E003"), id="cross-table"),
        pytest.param(write_bytes("partners.csv", latin1), id="latin-1"),
        pytest.param(delete("themes.csv"), id="missing-file"),
    ],
)
def test_validation_writes_nothing(mutate: Mutation | None, tmp_path: Path) -> None:
    make_variant(tmp_path, mutate)
    seeds = SEEDS if SEEDS.is_dir() else None
    before = _snapshot(tmp_path), _snapshot(seeds) if seeds else None
    validate_dataset(tmp_path / "data", seeds)
    after = _snapshot(tmp_path), _snapshot(seeds) if seeds else None
    assert after == before


# --- command line ----------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return helpers_cli("validate", *args, cwd=cwd)


def test_cli_exits_1_and_names_the_problem(tmp_path: Path) -> None:
    data, line = make_variant(tmp_path, cell("events.csv", "E002", "event_type", "summit"))
    result = _cli(str(data), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = [text for text in result.stderr.splitlines() if "summit" in text]
    assert len(lines) == 1, result.stderr
    assert "events.csv" in lines[0]
    assert f"row {line}" in lines[0]
    assert "'event_type'" in lines[0]
    assert "'summit'" in lines[0]
    assert "INVALID" in result.stderr


def test_cli_accepts_a_good_copy(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path)
    result = _cli(str(data), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_cli_exits_2_on_an_unusable_directory(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path, delete("datapackage.json"))
    result = _cli(str(data), cwd=tmp_path)
    assert result.returncode == 2
    assert "datapackage.json" in result.stderr


def test_rows_are_lines_of_the_file_when_a_cell_spans_lines(tmp_path: Path) -> None:
    """A quoted cell over two lines shifts every later record down a line; a problem after it
    names the line in the file, not the record's number."""
    data, _ = make_variant(tmp_path)
    path = data / "event_themes.csv"
    rows = read_rows(path)
    evidence, voice = rows[0].index("evidence"), rows[0].index("voice")
    rows[1][evidence] += "\nand a second line"
    rows[3][voice] = "nonsense"
    write_rows(path, rows)
    problems = validate_dataset(data)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("event_themes.csv", 5, "voice", "nonsense")
    ], _listing(problems)


def test_duplicate_key_message_names_the_line_of_the_first_copy(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path)
    path = data / "event_themes.csv"
    rows = read_rows(path)
    evidence = rows[0].index("evidence")
    rows[1][evidence] += "\nsecond line\nthird line"
    rows.insert(5, list(rows[4]))  # record 5 (line 7) repeated as record 6 (line 8)
    write_rows(path, rows)
    problems = [p for p in validate_dataset(data) if p.rule == "primary-key"]
    assert [(p.file, p.row) for p in problems] == [("event_themes.csv", 8)], _listing(problems)
    assert "line 7" in problems[0].message, problems[0].message
