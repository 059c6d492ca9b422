"""The line of a CSV file on which a record starts: the one definition of "row N" in every
message. The header is line 1; a quoted cell that spans several lines moves every later record
down, so lines are counted in the file, not computed from the record number."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

HEADER_LINE = 1


@lru_cache(maxsize=64)
def _starts(path: Path, mtime_ns: int, size: int) -> tuple[int, ...]:
    starts, previous = [], 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            for _ in reader:
                starts.append(previous + 1)
                previous = reader.line_num
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()
    return tuple(starts)


def record_starts(path: Path | str) -> tuple[int, ...]:
    """Line on which each record starts, the header's first (line 1); () if unreadable."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _starts(path, stat.st_mtime_ns, stat.st_size)


def line_of_record(path: Path | str, record: int) -> int:
    """Line of the file on which record ``record`` starts, the header being record 1 (as the
    Frictionless checks count); the record number itself if the file cannot be read that far."""
    starts = record_starts(path)
    return starts[record - 1] if 1 <= record <= len(starts) else record


def line_of_row(path: Path | str, row: int) -> int:
    """Line of the file on which data row ``row`` (0-based, as pandas numbers a table read from
    the file) starts."""
    return line_of_record(path, row + 1 + HEADER_LINE)


def row_lines(path: Path | str, rows: int) -> list[int]:
    """``line_of_row`` of every data row from 0 to ``rows - 1``, the file read once."""
    starts = record_starts(path)
    return [
        starts[row + HEADER_LINE] if row + HEADER_LINE < len(starts) else row + 1 + HEADER_LINE
        for row in range(rows)
    ]
