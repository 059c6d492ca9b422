"""Read a CSV file once, as text cells by position, with the line of the file on which each
record starts (the header is line 1).

A well-formed file (every record as wide as the header, no blank line) is parsed by pyarrow's
multithreaded reader straight into one dictionary-encoded column per position (each distinct
cell stored once, one dictionary for all blocks); the line on which each record starts is
worked out from the line breaks inside its cells, counted once per distinct cell. Anything
else (a short or long row, a blank line, a header that spans lines) is parsed with Python's
``csv`` module, as Frictionless parses it, so that every record, however damaged, is seen as
Frictionless sees it. A missing cell (a short row) is null; an empty cell is the empty string.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

BOM = b"\xef\xbb\xbf"
TEXT = pa.dictionary(pa.int32(), pa.string())  # how the fast reader types every column


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
    return read_well_formed(path, data) or _slow(_body(data).decode("utf-8"))


def read_well_formed(path: Path, data: bytes) -> Records | None:
    """The records of ``data`` by the fast reader, or None if the file is not well formed (a
    short or long row, a lone carriage return, a header that spans lines). A blank line reads
    as a row of empty cells; the UTF-8 of the cells is not checked."""
    return _fast(path, _body(data))


def _body(data: bytes) -> bytes:
    """The file's bytes after its byte order mark, if it has one."""
    return data[len(BOM) :] if data.startswith(BOM) else data


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
    if body.find(b"\r") >= 0 and body.count(b"\r") != body.count(b"\r\n"):
        return None  # a lone carriage return ends a line too
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
                column_types=dict.fromkeys(names, TEXT),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        ).unify_dictionaries()
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if invalid:
        return None
    columns = [table.column(i) for i in range(len(names))]
    del table
    return Records(labels, columns, _starts(columns), None)


def _starts(columns: list[pa.ChunkedArray]) -> np.ndarray:
    """Line on which each record starts: the header is line 1 and each record one line more
    than the line breaks inside its cells (quoted cells; a lone carriage return, which the
    caller refuses, would be one too)."""
    n_rows = len(columns[0]) if columns else 0
    breaks = np.zeros(n_rows, dtype=np.int64)
    for column in columns:
        if column.num_chunks == 0:
            continue
        inside = pc.count_substring(column.chunk(0).dictionary, "\n").to_numpy(zero_copy_only=False)
        if inside.any():
            codes = np.concatenate([chunk.indices.to_numpy() for chunk in column.chunks])
            breaks += inside[codes]
    starts = np.arange(2, n_rows + 2, dtype=np.int64)
    starts[1:] += np.cumsum(breaks)[:-1]
    return starts.astype(np.int32) if not n_rows or starts[-1] < 2**31 else starts


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
