"""Damage that spreadsheets and editors do to a CSV file, found before its cells are checked:
fields separated by something other than a comma, text that is not UTF-8, a quote never
closed, control characters in cells. A table reader would report the first two as dozens of
unrelated problems or with a byte offset for a line, and accept the others.

The whole file is read once; rows are only walked when a fast whole-file test has found
something. Rows in the problems are record numbers (the header is record 1); the validator
turns them into lines of the file.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from helpers.dataset.lines import line_of_record
from helpers.dataset.problem import Problem
from helpers.dataset.schema import Table

SEPARATORS = (";", "\t", "|")
# C0 control characters, except tab, line feed and carriage return
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# every byte but those: in UTF-8 the control bytes are only ever these characters
NOT_CONTROL = bytes(b for b in range(256) if not CONTROL.match(chr(b)))
NOT_UTF8 = "the file must be saved as UTF-8"
EXCERPT = 30  # characters of a long cell shown either side of the damage


def damage_problems(path: Path, table: Table, data: bytes | None = None) -> list[Problem]:
    """Problems of the file's bytes (``data``, read from ``path`` unless given) and text; a
    separator, encoding or open-quote problem is the only one reported (nothing else in the
    file can be read reliably)."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return [Problem(path.name, None, None, None, "source-error", f"cannot be read: {exc}")]
    try:
        _check_utf8(data)
    except UnicodeDecodeError as exc:
        return [_encoding_problem(path, data, exc)]
    end = data.find(b"\n")
    separator = _separator(data[: end if end >= 0 else len(data)].decode(), set(table.field_names))
    if separator:
        message = f"fields are separated by {separator!r} — save as comma-separated"
        return [Problem(path.name, 1, None, None, "delimiter", message)]
    if data.count(b'"') % 2:
        problems = _open_quote_problems(path, data.decode("utf-8"))
        if problems:
            return problems
    return _control_problems(path, data.decode("utf-8")) if _has_control(data) else []


def _check_utf8(data: bytes) -> None:
    """Raise UnicodeDecodeError unless ``data`` is UTF-8 (checked without making a str)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        data.decode("utf-8")  # raises, naming the first byte that is not UTF-8


def _has_control(data: bytes) -> bool:
    """Whether a control character (other than tab, newline, carriage return) is in ``data``."""
    return bool(data.translate(None, NOT_CONTROL))


def _records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


def _separator(text: str, expected: set[str]) -> str | None:
    """Another separator than the comma, if the header reads as more of the expected column
    names with it."""
    header = text.removeprefix("\ufeff").split("\n", 1)[0].rstrip("\r")
    found = len(set(next(csv.reader([header]), [])) & expected)
    for separator in SEPARATORS:
        names = next(csv.reader([header], delimiter=separator), [])
        if len(names) > 1 and len(set(names) & expected) > found:
            return separator
    return None


def _excerpt(value: str, at: int) -> str:
    if len(value) <= 2 * EXCERPT:
        return value
    start, end = max(at - EXCERPT, 0), at + EXCERPT
    return ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")


def _encoding_problem(path: Path, data: bytes, exc: UnicodeDecodeError) -> Problem:
    """The first byte that is not UTF-8, on its line and character, in its column."""
    start = exc.start
    line = data.count(b"\n", 0, start) + 1
    character = len(data[data.rfind(b"\n", 0, start) + 1 : start].decode("utf-8", "replace")) + 1
    byte = data[start : start + 1]
    try:
        guess = f" ({byte.decode('cp1252')!r} in Windows-1252, as many spreadsheets save)"
    except UnicodeDecodeError:
        guess = ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = " (the file is UTF-16, as 'Unicode text' is saved)"
    message = f"can't decode byte 0x{byte.hex()} on line {line}, character {character}{guess}"
    records = _records(data.decode("utf-8", "surrogateescape"))
    for record in records:
        for index, value in enumerate(record):
            bad = next((i for i, c in enumerate(value) if "\udc80" <= c <= "\udcff"), None)
            if bad is not None:
                name = records[0][index] if index < len(records[0]) else f"column {index + 1}"
                shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                shown = _excerpt(shown, bad)
                message += f", in column {name!r}, value '{shown}'"
                break
        else:
            continue
        break
    return Problem(path.name, None, None, None, "encoding-error", f"{message}: {NOT_UTF8}")


def _open_quote_problems(path: Path, text: str) -> list[Problem]:
    """A quote opened and never closed: the cell runs to the end of the file (Frictionless
    accepts it; pandas stops with an error naming no line)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    parsed = 0
    try:
        for _ in reader:
            parsed += 1
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return []
        records = _records(text)
        header, last = records[0], records[-1]
        index = len(last) - 1
        column = header[index] if index < len(header) else f"column {index + 1}"
        # as for the other faults of the whole file, row None; the line is in the message
        line = line_of_record(path, parsed + 1)
        message = (
            f"a quote opened on line {line}, in column {column!r}, is never closed: "
            "the rest of the file is read as part of the cell"
        )
        return [Problem(path.name, None, column, _excerpt(last[index], 0), "open-quote", message)]
    return []


def _control_problems(path: Path, text: str) -> list[Problem]:
    """Each cell holding a control character (only tab, newline and carriage return may)."""
    records = _records(text)
    header = records[0] if records else []
    problems = []
    for number, record in enumerate(records, start=1):
        for index, value in enumerate(record):
            found = CONTROL.search(value)
            if found:
                column = header[index] if index < len(header) else f"column {index + 1}"
                char = found.group()
                problems.append(
                    Problem(
                        path.name,
                        number,
                        column,
                        value,
                        "control-character",
                        f"contains the control character {char!r} (U+{ord(char):04X}); only "
                        "tab, newline and carriage return may appear in a cell",
                    )
                )
    return problems
