"""Read a CSV file once, as text cells by position, with the line of the file on which each
record starts (the header is line 1).

A well-formed file (every record as wide as the header, no blank line) is parsed by pyarrow's
multithreaded reader into one string array per column. Anything else (a short or long row, a
blank line, a header that spans lines) is parsed with Python's ``csv`` module, as Frictionless
parses it, so that every record, however damaged, is seen as Frictionless sees it. A missing
cell (a short row) is null; an empty cell is the empty string.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.dataset.lines import record_starts

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Records:
    """The records of one CSV file: header labels and the data rows' cells by position."""

    labels: list[str]
    columns: list[pa.Array | pa.ChunkedArray]  # per position, as wide as the widest row

    lines: np.ndarray  # line of the file on which each data row starts
    widths: np.ndarray | None  # cells in each data row; None: every row as wide as the header

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def width(self) -> np.ndarray:
        """Cells in each data row."""
        if self.widths is None:
            return np.full(self.n_rows, len(self.labels), dtype=np.int64)
        return self.widths

    def column(self, position: int) -> pa.Array | pa.ChunkedArray:
        """Cells at ``position`` (0-based), null where a row has none."""
        if position < len(self.columns):
            return self.columns[position]
        return pa.nulls(self.n_rows, pa.string())

    def release(self, positions: range) -> None:
        """Drop the cells at ``positions`` (read into codes), to give their memory back."""
        for position in positions:
            if position < len(self.columns):
                self.columns[position] = pa.nulls(0, pa.string())


def read_records(path: Path, data: bytes) -> Records:
    """The records of ``data``, the bytes of the UTF-8 file ``path`` (checked to decode)."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    return _fast(path, body) or _slow(body.decode("utf-8"))


def _header(body: bytes) -> list[str] | None:
    """The header's labels, if the header is a line of its own (no quoted line break)."""
    end = body.find(b"\n")
    first = body[: end if end >= 0 else len(body)].removesuffix(b"\r")
    if first.count(b'"') % 2 or b"\r" in first:
        return None
    return next(csv.reader([first.decode("utf-8")]), None)


def _fast(path: Path, body: bytes) -> Records | None:
    """Parse with pyarrow, or None if the file needs the exact reader (see module docstring)."""
    labels = _header(body)
    if not labels:
        return None
    returns = body.count(b"\r")
    if returns and returns != body.count(b"\r\n"):  # a lone carriage return ends a line too
        return None
    invalid: list[object] = []

    def refuse(row: object) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(labels))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=refuse
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if invalid:
        return None
    n_rows = table.num_rows
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if lines == n_rows + 1:  # every record on a line of its own
        starts = np.arange(2, n_rows + 2, dtype=np.int32)
    else:  # quoted cells span lines: count them as the csv module does
        found = record_starts(path)
        if len(found) != n_rows + 1:
            return None
        starts = np.asarray(found[1:], dtype=np.int32)
    columns = [table.column(i) for i in range(len(names))]
    return Records(labels, columns, starts, None)


def _slow(text: str) -> Records:
    """Parse with Python's csv module, every record as it is."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, previous = [], [], 0
    for row in reader:
        rows.append(row)
        starts.append(previous + 1)
        previous = reader.line_num
    labels, data = (rows[0], rows[1:]) if rows else ([], [])
    widths = np.array([len(r) for r in data], dtype=np.int64)
    width = int(widths.max()) if len(data) else 0
    columns = [
        pa.array([r[i] if i < len(r) else None for r in data], pa.string())
        for i in range(max(width, len(labels)))
    ]
    return Records(labels, columns, np.asarray(starts[1:], dtype=np.int32), widths)
