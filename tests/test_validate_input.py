"""Malformed input the validator once accepted silently or reported without saying where:
spreadsheet damage (separators, encodings, unnamed columns, control characters), numbers that
Python reads but the tables must not hold, unsafe or non-default resource settings in the
descriptor, and codebook rules found missing. Same pattern as ``test_validate_corpus``: each
variant is a copy of data/ with one mutation, and the test names the problem it must cause.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from filetools import read_rows, write_rows
from test_validate_corpus import (
    OBSERVER_ROW,
    SEEDS,
    Case,
    Mutation,
    _cli,
    _line_of,
    _listing,
    _params,
    _resource,
    add_column,
    append,
    assert_reported,
    cell,
    descriptor,
    make_variant,
    rename_column,
    write_bytes,
)

from helpers.dataset.read import CellErrors, read_table
from helpers.dataset.schema import Schema
from helpers.dataset.validate import _read_typed, validate_dataset

# --- mutations -------------------------------------------------------------------------------


def both(*mutations: Mutation) -> Mutation:
    """Apply several mutations; return the line of the last one that names a line."""

    def mutate(data: Path) -> int | None:
        lines = [m(data) for m in mutations]
        return next((line for line in reversed(lines) if line is not None), None)

    return mutate


def resave(file: str, delimiter: str) -> Mutation:
    """Save the table with another field separator (as a spreadsheet in many locales does)."""

    def mutate(data: Path) -> int:
        write_rows(data / file, read_rows(data / file), delimiter=delimiter)
        return 1

    return mutate


def reencode(file: str, key: str, column: str, value: str, encoding: str) -> Mutation:
    """Set one cell to a value, then save the whole file in another encoding; return the line."""

    def mutate(data: Path) -> int:
        line = cell(file, key, column, value)(data)
        path = data / file
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
        return line

    return mutate


def trailing_comma(file: str, header_only: bool = False) -> Mutation:
    """A comma at the end of the header (and of every line), as some exports add."""

    def mutate(data: Path) -> int:
        path = data / file
        header, *rest = path.read_text(encoding="utf-8").split("\n")
        rest = rest if header_only else [line + "," if line else line for line in rest]
        path.write_text("\n".join([header + ",", *rest]), encoding="utf-8")
        return 1

    return mutate


def file_level(mutate: Mutation) -> Mutation:
    """The mutation, reported for the whole file (row None)."""

    def wrapped(data: Path) -> None:
        mutate(data)

    return wrapped


def open_quote(file: str, key: str, column: str) -> Mutation:
    """Open a quote at the start of one cell and never close it."""

    def mutate(data: Path) -> None:
        rows = read_rows(data / file)
        line = _line_of(rows, key)
        index = rows[0].index(column)
        rows[line - 1][index] = "\x01" + rows[line - 1][index]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        (data / file).write_text(buffer.getvalue().replace("\x01", '"'), encoding="utf-8")

    return mutate


def set_resource(table: str, key: str, value: Any) -> Mutation:
    return descriptor(lambda d: _resource(d, table).__setitem__(key, value))


def folder_instead(file: str) -> Mutation:
    """Replace a table by a folder of the same name."""

    def mutate(data: Path) -> None:
        (data / file).unlink()
        (data / file).mkdir()

    return mutate


def symlink_outside(file: str) -> Mutation:
    """Replace a table by a symbolic link to a copy of it outside the data folder."""

    def mutate(data: Path) -> None:
        outside = data.parent / f"outside-{file}"
        (data / file).rename(outside)
        os.symlink(outside, data / file)

    return mutate


# --- the cases -------------------------------------------------------------------------------

NOT_UTF8 = "the file must be saved as UTF-8"
DEFAULTS = "dialect/encoding must be the defaults: comma, UTF-8"
OUTSIDE = "is not a file inside the data folder"
DIGITS = "not a whole number written with the digits 0-9"
CONTROL = "control character"
RULE = "codebook-rule"

# fmt: off
CASES = [
    # 1. a separator other than the comma: one problem on the header, naming the separator
    Case("semicolon-separated", resave("partners.csv", ";"),
         "partners.csv", None, "delimiter",
         "fields are separated by ';' — save as comma-separated"),
    Case("semicolon-separated-events", resave("events.csv", ";"),
         "events.csv", None, "delimiter", "fields are separated by ';'"),
    Case("tab-separated", resave("themes.csv", "\t"),
         "themes.csv", None, "delimiter", "fields are separated by '\\t'"),
    # 2. not UTF-8: the first bad byte, named, on the file's line (the corpus pins row None)
    Case("cp1252", file_level(reencode("reports.csv", ("E006", "S002"), "place_as_stated",
                                       "Café – Hanoi", "cp1252")),
         "reports.csv", None, "encoding-error", "can't decode byte 0xe9 on line 7, character"),
    Case("utf-16", file_level(write_bytes("themes.csv", lambda b: b.decode().encode("utf-16"))),
         "themes.csv", None, "encoding-error",
         "can't decode byte 0xff on line 1, character 1 (the file is UTF-16"),
    # 7. control characters in a cell: refused where they are, shown escaped
    Case("nul-in-cell", cell("events.csv", "E003", "summary", "Talks\x00 in Beijing"),
         "events.csv", "summary", "control-character", "'\\x00' (U+0000)",
         "Talks\x00 in Beijing"),
    Case("escape-in-cell", cell("event_themes.csv", OBSERVER_ROW, "evidence", "\x1b[0mquoted"),
         "event_themes.csv", "evidence", "control-character", CONTROL, "\x1b[0mquoted"),
    Case("form-feed-in-key", cell("partners.csv", "TLS", "name", "Timor-Leste\x0c"),
         "partners.csv", "name", "control-character", "(U+000C)", "Timor-Leste\x0c"),
    Case("vertical-tab-in-date-statement",
         cell("instrument_steps.csv", ("I002", "signed"), "date_as_stated", "Friday\x0b"),
         "instrument_steps.csv", "date_as_stated", "control-character", CONTROL, "Friday\x0b"),
    # 3. integers Python reads but the tables must not hold: each cell named
    Case("integer-with-underscore", cell("reports.csv", ("E003", "S001"), "paragraph", "1_0"),
         "reports.csv", "paragraph", "type-error", DIGITS, "1_0"),
    Case("arabic-indic-digits", cell("reports.csv", ("E003", "S001"), "paragraph", "١٢"),
         "reports.csv", "paragraph", "type-error", DIGITS, "١٢"),
    Case("fullwidth-digits", cell("instrument_steps.csv", ("I002", "signed"), "paragraph", "１２"),
         "instrument_steps.csv", "paragraph", "type-error", DIGITS, "１２"),
    Case("integer-with-space",
         cell("participants.csv", ("E001", "S000", "sar-sokha"), "paragraph", " 7"),
         "participants.csv", "paragraph", "type-error", DIGITS, " 7"),
    Case("arabic-indic-digits-with-seeds", cell("reports.csv", ("E006", "S002"), "paragraph", "٣"),
         "reports.csv", "paragraph", "type-error", DIGITS, "٣", seeds=True),
    # a quote never closed: pandas stopped the typed read naming no line
    Case("quote-never-closed", open_quote("partners.csv", "TLS", "name"),
         "partners.csv", "name", "open-quote",
         "a quote opened on line 3, in column 'name', is never closed",
         "Timor-Leste\nVNM,Vietnam\n"),
    # 4. a column without a name: its position
    Case("unnamed-last-column", file_level(add_column("partners.csv", "", "")),
         "partners.csv", None, "extra-label", "column 3 has no name"),
    Case("unnamed-column-with-values", file_level(add_column("events.csv", "", "x")),
         "events.csv", None, "extra-label", "column 18 has no name"),
    Case("trailing-comma-on-every-line", file_level(trailing_comma("themes.csv")),
         "themes.csv", None, "extra-label",
         f"column {len(Schema.project().table('themes').fields) + 1} has no name"),
    Case("trailing-comma-on-the-header", file_level(trailing_comma("partners.csv", True)),
         "partners.csv", None, "extra-label",
         "column 3 has no name (a blank header cell, or a comma at the end of the header)"),
    Case("trailing-comma-on-the-header-rows",
         both(trailing_comma("partners.csv", True), cell("partners.csv", "TLS", "name", "East")),
         "partners.csv", None, "missing-cell", "(column 3 has no name)"),
    Case("blank-header-names-position", rename_column("partners.csv", "name", ""),
         "partners.csv", "name", "blank-label",
         "blank label: column 2 has no name (the schema expects 'name')"),
    # 8. a weekday-only date statement coded as an exact day that was not inferred
    Case("weekday-coded-as-stated-day",
         both(cell("reports.csv", ("E006", "S002"), "date_as_stated", "Tuesday"),
              cell("reports.csv", ("E006", "S002"), "date_inferred", "false")),
         "reports.csv", "date_inferred", RULE,
         "date_as_stated 'Tuesday' names only a weekday: the exact day was inferred, so "
         "date_inferred must be true (with a reason)", "false"),
    Case("on-weekday-coded-as-stated-day",
         both(cell("instrument_steps.csv", ("I005", "reviewed"), "date_as_stated", "on Monday"),
              cell("instrument_steps.csv", ("I005", "reviewed"), "date_inferred", "false")),
         "instrument_steps.csv", "date_inferred", RULE, "'on Monday' names only a weekday",
         "false"),
    Case("weekday-night-coded-as-stated-day",
         both(cell("reports.csv", ("E010", "S003"), "date_as_stated", "saturday  night"),
              cell("reports.csv", ("E010", "S003"), "date_inferred", "false")),
         "reports.csv", "date_inferred", RULE, "names only a weekday", "false"),
    # 5. resource paths out of the data folder: refused on datapackage.json, nothing read
    Case("path-to-parent-folder", set_resource("themes", "path", "../themes.csv"),
         "datapackage.json", None, "resource",
         "resource 'themes': path '../themes.csv' " + OUTSIDE, "../themes.csv"),
    Case("path-through-parent-folder", set_resource("themes", "path", "sub/../../x.csv"),
         "datapackage.json", None, "resource", OUTSIDE, "sub/../../x.csv"),
    Case("absolute-path", set_resource("events", "path", "/etc/passwd"),
         "datapackage.json", None, "resource",
         "resource 'events': path '/etc/passwd' " + OUTSIDE, "/etc/passwd"),
    Case("home-path", set_resource("events", "path", "~/events.csv"),
         "datapackage.json", None, "resource", OUTSIDE, "~/events.csv"),
    Case("file-url-path", set_resource("events", "path", "file:///etc/passwd"),
         "datapackage.json", None, "resource", OUTSIDE, "file:///etc/passwd"),
    Case("remote-path", set_resource("events", "path", "https://example.org/events.csv"),
         "datapackage.json", None, "resource", OUTSIDE, "https://example.org/events.csv"),
    Case("path-is-a-folder", folder_instead("themes.csv"),
         "themes.csv", None, "missing-file", "is not a file"),
    Case("symlink-outside", symlink_outside("themes.csv"),
         "datapackage.json", None, "resource",
         "resource 'themes': path 'themes.csv' " + OUTSIDE + " (it is a link to", "themes.csv"),
    # 6. a dialect or encoding the helpers do not read: refused, not half honoured
    Case("dialect-semicolon", set_resource("partners", "dialect", {"delimiter": ";"}),
         "datapackage.json", None, "resource",
         "resource 'partners': dialect {\"delimiter\": \";\"}: " + DEFAULTS,
         '{"delimiter": ";"}'),
    Case("dialect-v5-semicolon", set_resource("events", "dialect", {"csv": {"delimiter": ";"}}),
         "datapackage.json", None, "resource", DEFAULTS, '{"csv": {"delimiter": ";"}}'),
    Case("dialect-no-header", set_resource("events", "dialect", {"header": False}),
         "datapackage.json", None, "resource", DEFAULTS, '{"header": false}'),
    Case("dialect-not-an-object", set_resource("events", "dialect", ";"),
         "datapackage.json", None, "resource", DEFAULTS, '";"'),
    Case("encoding-latin-1", set_resource("partners", "encoding", "latin-1"),
         "datapackage.json", None, "resource",
         "resource 'partners': encoding 'latin-1': " + DEFAULTS, "latin-1"),
    Case("encoding-cp1252-on-cp1252-file",
         both(set_resource("events", "encoding", "cp1252"),
              file_level(reencode("events.csv", "E006", "summary", "Café", "cp1252"))),
         "datapackage.json", None, "resource", DEFAULTS, "cp1252"),
    Case("gzip-compression", set_resource("events", "compression", "gz"),
         "datapackage.json", None, "resource", "the tables must be plain CSV files", "gz"),
]
# fmt: on


@pytest.mark.parametrize("case", _params(CASES))
def test_malformed_input_is_reported(case: Case, tmp_path: Path) -> None:
    assert_reported(case, tmp_path)


@pytest.mark.parametrize(
    ("mutate", "file", "rule"),
    [
        pytest.param(resave("events.csv", ";"), "events.csv", "delimiter", id="semicolon"),
        pytest.param(
            open_quote("partners.csv", "TLS", "name"),
            "partners.csv",
            "open-quote",
            id="quote-never-closed",
        ),  # fmt: skip
    ],
)
def test_damaged_file_is_one_problem(
    mutate: Mutation, file: str, rule: str, tmp_path: Path
) -> None:
    """Nothing else is reported about the file, nor about keys that refer to it."""
    data, _ = make_variant(tmp_path, mutate)
    problems = validate_dataset(data)
    assert [(p.file, p.rule) for p in problems] == [(file, rule)], _listing(problems)


def test_non_utf8_byte_is_named_on_its_line_and_column(tmp_path: Path) -> None:
    """The line of the byte in the file (a cell over two lines before it moves it down one),
    its character on the line, the byte, its column and the cell; no byte offset as a line."""
    data, _ = make_variant(tmp_path)
    path = data / "events.csv"
    rows = read_rows(path)
    rows[3][rows[0].index("summary")] += "\nsecond line"
    rows[6][rows[0].index("summary")] = "Café"
    write_rows(path, rows, "cp1252")
    problems = validate_dataset(data)
    assert len(problems) == 1, _listing(problems)
    message = problems[0].message
    character = len(path.read_bytes().split(b"\n")[7].split(b"\xe9")[0]) + 1
    assert f"byte 0xe9 on line 8, character {character}" in message, message
    assert "in column 'summary', value 'Caf\\xe9'" in message, message
    assert "'é' in Windows-1252" in message and NOT_UTF8 in message, message


def test_control_character_after_a_cell_over_two_lines_names_its_line(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path)
    path = data / "events.csv"
    rows = read_rows(path)
    rows[1][rows[0].index("summary")] += "\nsecond line"
    rows[4][rows[0].index("summary")] = "bell\x07"
    write_rows(path, rows)
    problems = validate_dataset(data)
    assert [(p.row, p.column, p.value, p.rule) for p in problems] == [
        (6, "summary", "bell\x07", "control-character")
    ], _listing(problems)


def test_tab_newline_and_carriage_return_in_a_cell_are_accepted(tmp_path: Path) -> None:
    data, _ = make_variant(
        tmp_path, cell("events.csv", "E003", "summary", "one\ttwo\r\nthree\nfour")
    )
    assert validate_dataset(data) == []


def test_cli_shows_a_control_character_escaped(tmp_path: Path) -> None:
    data, line = make_variant(tmp_path, cell("events.csv", "E003", "summary", "a\x00b"))
    result = _cli(str(data), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "\x00" not in result.stderr
    assert f"events.csv, row {line}, column 'summary', value 'a\\x00b'" in result.stderr


@pytest.mark.parametrize(
    "dialect",
    [
        {"csv": {"delimiter": ","}},
        {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "lineTerminator": "\n"},
        {"header": True, "headerRows": [1]},
    ],
)
def test_default_dialect_and_encoding_are_accepted(dialect: dict[str, Any], tmp_path: Path) -> None:
    data, _ = make_variant(
        tmp_path,
        both(
            set_resource("events", "dialect", dialect), set_resource("events", "encoding", "UTF-8")
        ),
    )
    assert validate_dataset(data) == []


def test_path_refusal_reads_nothing_outside(tmp_path: Path) -> None:
    """Only the refusal is reported: nothing outside the folder was read or validated."""
    data, _ = make_variant(tmp_path, set_resource("themes", "path", "../themes.csv"))
    (tmp_path / "themes.csv").write_text("nonsense\n", encoding="utf-8")
    problems = validate_dataset(data)
    assert [(p.file, p.rule) for p in problems] == [("datapackage.json", "resource")], _listing(
        problems
    )


# --- lines of the problems found after the Frictionless checks -----------------------------


def _two_line_cell_then(data: Path, file: str, key_column: str, key: str, column: str,
                        value: str) -> int:  # fmt: skip
    """Make the first data row's last text cell span two lines, then set one cell of the row
    with this key; return the line of the file on which that row starts."""
    path = data / file
    rows = read_rows(path)
    rows[1][-1] += "\nsecond line"
    index = next(i for i, row in enumerate(rows) if i and row[rows[0].index(key_column)] == key)
    rows[index][rows[0].index(column)] = value
    write_rows(path, rows)
    return index + 2  # the header is line 1, and one row above spans two lines


def test_consistency_problem_after_a_cell_over_two_lines_names_its_line(tmp_path: Path) -> None:
    """The cross-table checks name lines already; they were mapped a second time."""
    data, _ = make_variant(tmp_path)
    line = _two_line_cell_then(data, "events.csv", "event_id", "E004", "parent_event_id", "E003")
    problems = validate_dataset(data)
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (line, "parent_event_id", "consistency")
    ], _listing(problems)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="source articles not present")
def test_checksum_problem_after_a_cell_over_two_lines_names_its_line(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path)
    line = _two_line_cell_then(data, "sources.csv", "source_id", "S003", "sha256", "0" * 64)
    problems = validate_dataset(data, SEEDS)
    assert [(p.row, p.column, p.rule) for p in problems] == [(line, "sha256", "source-file")], (
        _listing(problems)
    )


# --- the typed read names the cells it cannot convert ----------------------------------------


def test_every_cell_with_other_digits_is_named(tmp_path: Path) -> None:
    data, _ = make_variant(
        tmp_path,
        both(
            cell("reports.csv", ("E002", "S001"), "paragraph", "1_0"),
            cell("reports.csv", ("E005", "S002"), "paragraph", "٥"),
        ),
    )
    problems = validate_dataset(data)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("reports.csv", 3, "paragraph", "1_0"),
        ("reports.csv", 6, "paragraph", "٥"),
    ], _listing(problems)


@pytest.mark.parametrize(
    ("column", "value"),
    [("publication_date", "2024-02-30"), ("publication_date", "26/01/2024")],
)
def test_typed_read_names_row_and_column_of_a_cell_it_cannot_convert(
    column: str, value: str, tmp_path: Path
) -> None:
    """Whatever the Frictionless checks let through, the typed read names the cell."""
    data, line = make_variant(tmp_path, cell("sources.csv", "S003", column, value))
    schema = Schema.of(data)
    with pytest.raises(CellErrors) as raised:
        read_table(data, schema.table("sources"))
    assert [(r, c, v) for r, c, v, _ in raised.value.cells] == [(line - 2, column, value)]
    _, problems = _read_typed(data, schema)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("sources.csv", line, column, value, "type-error")
    ], _listing(problems)
    assert problems[0].message.startswith("cannot be read as date")


@pytest.mark.parametrize(
    ("stated", "precision", "inferred"),
    [
        ("Tuesday", "day", "true"),  # inferred, as the rule asks
        ("Tuesday", "year", "false"),  # not coded as an exact day
        ("Tuesday, March 4", "day", "false"),  # the day is stated
        ("March 4", "day", "false"),
    ],
)
def test_weekday_rule_accepts(stated: str, precision: str, inferred: str, tmp_path: Path) -> None:
    date = {"day": "2023-03-04", "year": "2023"}[precision]
    data, _ = make_variant(
        tmp_path,
        both(
            cell("reports.csv", ("E006", "S002"), "date_as_stated", stated),
            *(
                cell(file, key, column, value)
                for file, key in (("reports.csv", ("E006", "S002")), ("events.csv", "E006"))
                for column, value in (
                    ("start_date", date),
                    ("date_precision", precision),
                    ("date_inferred", inferred),
                )
            ),
        ),
    )
    assert validate_dataset(data) == []


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(resave("events.csv", ";"), id="semicolon"),
        pytest.param(reencode("events.csv", "E006", "summary", "Café", "cp1252"), id="cp1252"),
        pytest.param(
            cell("reports.csv", ("E003", "S001"), "paragraph", "١٢"), id="arabic-indic-digits"
        ),
        pytest.param(add_column("events.csv", "", ""), id="unnamed-column"),
        pytest.param(set_resource("themes", "path", "../x.csv"), id="path-outside"),
        pytest.param(set_resource("themes", "dialect", {"delimiter": ";"}), id="dialect"),
        pytest.param(set_resource("themes", "encoding", "cp1252"), id="encoding"),
        pytest.param(cell("events.csv", "E003", "summary", "a\x00b"), id="nul"),
    ],
)
def test_cli_lists_the_problem_without_a_traceback(mutate: Mutation, tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path, mutate)
    result = _cli(str(data), "--seeds", str(SEEDS), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "INVALID" in result.stderr, result.stderr


def test_extra_cell_is_not_called_an_unnamed_column(tmp_path: Path) -> None:
    data, _ = make_variant(tmp_path, append("partners.csv", ["FRA", "France", "x"]))
    problems = [p for p in validate_dataset(data) if p.rule == "extra-cell"]
    assert problems and all("has no name" not in p.message for p in problems), _listing(problems)
