"""The checks of a Frictionless Table Schema over whole columns: header labels, row widths and
blank rows, types (string, integer, boolean, date), constraints (required, pattern, enum,
lengths, bounds), unique columns and the primary key. Messages and places are those the
Frictionless library gives row by row (``helpers.dataset.validate`` words them).

Each column is dictionary-encoded once: a cell's type and constraints are worked out once per
distinct value, with the library's own rules (Python's ``int``, ``strptime``, ``re``), and a
row only costs an array lookup of its code.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.dataset.membership import has_repeats
from helpers.dataset.problem import Problem, listed
from helpers.dataset.records import Records
from helpers.dataset.schema import Field, Table

# constraints each type supports, in the library's order
SUPPORTED = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "boolean": ("required", "enum"),
    "date": ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"),
    "any": ("required", "enum"),
}
BOUNDS = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
}
NOT_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")
ROW_WIDTH = "the row does not have one value per column"


def _reader(f: Field | None) -> Callable[[str], Any]:
    """The typed value of a (non-missing) cell, None if it is not of the field's type."""
    kind = "any" if f is None else f.type
    if kind == "integer":
        bare = f.descriptor.get("bareNumber", True)

        def integer(cell: Any) -> int | None:
            if isinstance(cell, bool):
                return None
            if isinstance(cell, int):
                return cell
            text = cell.strip() if bare else NOT_BARE.sub("", cell.strip())
            try:
                return int(text)
            except ValueError:
                return None

        return integer
    if kind == "boolean":
        mapping = {**dict.fromkeys(f.true_values, True), **dict.fromkeys(f.false_values, False)}
        return lambda cell: mapping.get(cell) if isinstance(cell, str) else None
    if kind == "date":
        pattern = "%Y-%m-%d" if f.format == "default" else f.format

        def date(cell: Any) -> dt.date | None:
            try:
                return dt.datetime.strptime(cell, pattern).date()
            except (ValueError, TypeError):
                return None

        return date
    return lambda cell: cell


def _checks(f: Field | None, read: Callable[[str], Any]) -> dict[str, Callable[[Any], bool]]:
    """The value constraints of a field (all but ``required``), each a test of a typed value."""
    if f is None:
        return {}
    checks: dict[str, Callable[[Any], bool]] = {}
    for name in SUPPORTED.get(f.type, ()):
        constraint = f.constraints.get(name)
        if constraint is None or name == "required":
            continue
        if name == "minLength":
            checks[name] = lambda v, c=constraint: len(v) >= c
        elif name == "maxLength":
            checks[name] = lambda v, c=constraint: len(v) <= c
        elif name in BOUNDS:
            bound, compare = read(constraint), BOUNDS[name]
            checks[name] = lambda v, c=bound, op=compare: v == v and bool(op(v, c))
        elif name == "pattern":
            checks[name] = re.compile(f"^{constraint}$").match  # as the library compiles it
        elif name == "enum":
            allowed = [read(x) for x in constraint]
            checks[name] = lambda v, c=allowed: v in c
    return checks


# a pattern written only with these reads the same in RE2 (pyarrow) as in Python's re
RE2_SAFE = re.compile(r"(?:[A-Za-z0-9 \[\]{}()^$|?*+.,:/_-]|\\[.\-\[\](){}*+?^$|\\/])*")


def _pattern_broken(pattern: str, cells: pa.Array) -> np.ndarray:
    """Per cell: whether it breaks ``pattern`` as ``re.match("^pattern$")`` judges it, over the
    whole array in pyarrow's RE2 where the pattern reads the same there (Python's ``$`` also
    matches before a final line break: such cells, and other patterns, go through ``re``)."""
    anchored = f"^{pattern}$"
    if not RE2_SAFE.fullmatch(pattern):
        match = re.compile(anchored).match
        return np.array([not match(c) for c in cells.to_pylist()], dtype=bool)
    broken = ~pc.match_substring_regex(cells, anchored).to_numpy(zero_copy_only=False)
    newline = pc.ends_with(cells, "\n").to_numpy(zero_copy_only=False)
    if newline.any():
        match = re.compile(anchored).match
        texts = cells.filter(pa.array(newline)).to_pylist()
        broken[np.flatnonzero(newline)] = [not match(c) for c in texts]
    return broken.astype(bool)


def note(f: Field, name: str) -> str:
    """The library's note on a broken constraint."""
    return f'constraint "{name}" is "{f.constraints[name]}"'


def _encode(cells: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Code of each cell (-1: no cell) and the distinct cells (one dictionary for all chunks;
    cells read as dictionaries already, see ``records``, must share it)."""
    encoded = cells if pa.types.is_dictionary(cells.type) else pc.dictionary_encode(cells)
    if isinstance(encoded, pa.ChunkedArray):
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int32), pa.array([], pa.string())
        dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
        dtype = _code_type(len(dictionary))
        codes = np.concatenate(
            [pc.fill_null(c.indices, -1).to_numpy().astype(dtype) for c in encoded.chunks]
        )
        return codes, dictionary
    dtype = _code_type(len(encoded.dictionary))
    return pc.fill_null(encoded.indices, -1).to_numpy().astype(dtype), encoded.dictionary


def _code_type(n: int) -> type:
    """The smallest signed integer type for codes -1 .. n (a column's memory is its codes)."""
    return np.int8 if n < 2**7 - 1 else np.int16 if n < 2**15 - 1 else np.int32


@dataclass
class Column:
    """One column of a table as the schema reads it: each row's code into ``dictionary`` (its
    distinct cells; -1: no cell), and per distinct cell whether it means no value, whether it
    is not of the column's type, its typed value and the constraints it breaks."""

    name: str
    field: Field | None  # None: a column the schema does not declare
    number: int  # position in the file, from 1
    codes: np.ndarray
    dictionary: pa.Array
    missing: np.ndarray  # per distinct cell
    wrong_type: np.ndarray  # per distinct cell
    broken: dict[str, np.ndarray] = field(default_factory=dict)  # constraint -> per distinct cell
    typed: list[Any] | None = None  # typed value per distinct cell (None: the cell itself)
    found_in: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # by foreign keys

    @classmethod
    def of(cls, name: str, f: Field | None, number: int, cells: pa.Array, missing_values) -> Column:
        codes, dictionary = _encode(cells)
        missing = pc.is_in(dictionary, value_set=pa.array(list(missing_values), pa.string()))
        missing = missing.to_numpy(zero_copy_only=False).astype(bool)
        column = cls(name, f, number, codes, dictionary, missing, np.zeros(len(dictionary), bool))
        read = _reader(f)
        checks = _checks(f, read)
        if f is None or (f.type == "string" and f.format == "default" and not checks):
            return column
        if f.type == "string" and f.format == "default" and list(checks) == ["pattern"]:
            column.broken["pattern"] = _pattern_broken(f.constraints["pattern"], dictionary)
            column.broken["pattern"] &= ~missing
            return column
        entries = dictionary.to_pylist()
        typed = [None if gone else read(cell) for cell, gone in zip(entries, missing, strict=True)]
        column.wrong_type = np.array(
            [v is None and not gone for v, gone in zip(typed, missing, strict=True)], dtype=bool
        )
        for name_, check in checks.items():
            column.broken[name_] = np.array([v is not None and not check(v) for v in typed], bool)
        if f.type != "string":
            column.typed = typed
        return column

    @cached_property
    def valid(self) -> np.ndarray:
        """Per distinct cell: it holds a value of the column's type."""
        return ~(self.missing | self.wrong_type)

    @cached_property
    def present(self) -> np.ndarray:
        """Per row: the cell holds a value of the column's type (row[name] is not None)."""
        return (self.codes >= 0) & np.append(self.valid, False)[self.codes]

    @cached_property
    def values(self) -> list[Any]:
        """Typed value per distinct cell (None where there is none)."""
        typed = self.typed if self.typed is not None else self.dictionary.to_pylist()
        return [v if ok else None for v, ok in zip(typed, self.valid, strict=True)]

    def per_row(self, per_entry: np.ndarray, default: Any) -> np.ndarray:
        """A value per distinct cell, looked up for every row (``default``: no value)."""
        return np.append(per_entry, np.array([default], dtype=per_entry.dtype))[
            np.where(self.present, self.codes, len(per_entry))
        ]

    def map(self, function: Callable[[Any], Any], default: Any, dtype: Any = object) -> np.ndarray:
        """``function`` of each row's typed value, worked out once per distinct value."""
        entries = np.array([function(v) if v is not None else default for v in self.values], dtype)
        return self.per_row(entries, default)

    def value(self, row: int) -> Any:
        """The typed value of one row (None: no value)."""
        return self.values[self.codes[row]] if self.present[row] else None

    def cell(self, row: int) -> str | None:
        """The cell of one row as the file spells it (None: the row has no such cell)."""
        code = self.codes[row]
        return None if code < 0 else self.dictionary[int(code)].as_py()

    @cached_property
    def entry_codes(self) -> tuple[np.ndarray, int]:
        """Per distinct cell, a code that equal typed values share (-1: no value), and how
        many codes there are."""
        if self.typed is None:
            return np.where(self.valid, np.arange(len(self.dictionary)), -1), len(self.dictionary)
        found, uniques = pd.factorize(pd.Series(self.values, dtype=object))
        return found.astype(np.int64), len(uniques)

    @cached_property
    def distinct(self) -> int:
        """How many distinct typed values the rows hold (every distinct cell is on a row)."""
        return int(self.valid.sum()) if self.typed is None else self.entry_codes[1]

    @cached_property
    def typed_codes(self) -> tuple[np.ndarray, int]:
        """Per row, the code of its typed value (-1: no value), and how many codes there are."""
        entries, n = self.entry_codes
        lookup = np.append(entries, -1)  # code -1 (no cell) picks the -1 at the end
        return lookup.astype(np.int32 if n < 2**31 else np.int64)[self.codes], n

    def series(self, categorical: bool = True) -> pd.Series:
        """The column as ``helpers.dataset.read`` types it: vocabularies as categoricals, other
        text as categoricals of its distinct values (``categorical``) or as strings."""
        f = self.field
        kind = "string" if f is None else f.type
        codes = np.where(self.present, self.codes, -1)
        if kind == "integer":
            values = np.array([0 if v is None else v for v in self.values], dtype=np.int64)
            return pd.Series(pd.arrays.IntegerArray(*_take(values, codes)))
        if kind == "boolean":
            values = np.array([bool(v) for v in self.values], dtype=bool)
            return pd.Series(pd.arrays.BooleanArray(*_take(values, codes)))
        if kind == "date":
            values = pd.to_datetime(pd.Series(self.values, dtype=object)).to_numpy()
            return pd.Series(np.append(values, np.datetime64("NaT"))[codes])
        if f is not None and f.enum is not None:
            categories = pd.Index(pd.array(self.dictionary, dtype="string[pyarrow]"))
            lookup = np.append(pd.Index(f.enum).get_indexer(categories), -1)
            return pd.Series(pd.Categorical.from_codes(lookup[codes], categories=f.enum))
        if not categorical and 2 * len(self.dictionary) > len(codes):  # text that seldom repeats
            taken = self.dictionary.take(pa.array(np.maximum(codes, 0), mask=codes < 0))
            return pd.Series(pd.array(taken, dtype="string[pyarrow]"))
        keep = self.valid
        remap = np.cumsum(keep) - 1
        categories = pd.Index(pd.array(self.dictionary.filter(pa.array(keep)), "string[pyarrow]"))
        return pd.Series(
            pd.Categorical.from_codes(
                np.append(remap, -1).astype(np.int32)[codes],  # -1: the -1 at the end
                categories,
            )
        )


def _take(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    safe = np.where(codes >= 0, codes, 0)
    taken = values[safe] if len(values) else np.zeros(len(codes), values.dtype)
    return taken, codes < 0


@dataclass
class Checked:
    """One table after the schema checks: its problems and its columns by name."""

    problems: list[Problem]
    columns: dict[str, Column]
    lines: np.ndarray


def expected_fields(table: Table, labels: list[str]) -> list[tuple[str, Field | None]]:
    """The columns the rows are read as: each label pairs with the field at its position; a
    label beyond the schema is a column of its own; fields beyond the labels are left out."""
    if not labels:
        return [(f.name, f) for f in table.fields]
    fields = [table.fields[i] if i < len(table.fields) else None for i in range(len(labels))]
    names, used = [], set()
    for f, label in zip(fields, labels, strict=True):
        base = f.name if f is not None else label
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}{suffix}", suffix + 1
        names.append(name)
        used.add(name)
    return list(zip(names, fields, strict=True))


def check_table(file: str, table: Table, records: Records) -> Checked:
    """Every Table Schema problem of one table (not its foreign keys)."""
    problems = header_problems(file, table, records.labels)
    expected = expected_fields(table, records.labels)
    lines = records.lines
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # pyarrow's kernels free the GIL
        read = [
            pool.submit(Column.of, name, f, i + 1, records.column(i), table.missing_values)
            for i, (name, f) in enumerate(expected)
        ]
        columns = {column.name: column for column in (r.result() for r in read)}
    records.release(range(len(expected)))
    width = records.width()
    blank = np.ones(records.n_rows, dtype=bool)
    for column in columns.values():
        blank &= ~column.present & ~np.append(column.wrong_type, False)[column.codes]
    if not columns:
        blank[:] = False

    def add(rows: np.ndarray, make: Callable[[int], Problem]) -> None:
        problems.extend(listed(rows[~blank[rows]], make))  # a blank row is one problem

    for column in columns.values():
        _cell_problems(file, column, lines, width, add)
    for position in range(len(expected), len(records.columns)):
        cells = records.columns[position]
        add(
            np.flatnonzero(width > position),
            lambda r, cells=cells: Problem(file, int(lines[r]), None, cells[r].as_py() or None,
                                           "extra-cell", f"extra cell: {ROW_WIDTH}"),
        )  # fmt: skip
    problems += listed(
        np.flatnonzero(blank),
        lambda r: Problem(file, int(lines[r]), None, None, "blank-row", f"blank row: {ROW_WIDTH}"),
    )
    problems += unique_problems(file, table, columns, lines)
    return Checked(problems, columns, lines)


def _cell_problems(file: str, column: Column, lines: np.ndarray, width: np.ndarray, add) -> None:
    f, name = column.field, column.name
    short = width < column.number
    where = name or None
    if short.any():
        text = f"missing cell: {ROW_WIDTH}"
        if not name:
            text += f" (column {column.number} has no name)"
        add(np.flatnonzero(short), lambda r: Problem(file, int(lines[r]), where, None,
                                                     "missing-cell", text))  # fmt: skip
    if f is None:
        return
    codes = column.codes
    wrong = np.append(column.wrong_type, False)[codes]
    if wrong.any():
        declared = f"{f.type}"
        add(
            np.flatnonzero(wrong),
            lambda r: Problem(file, int(lines[r]), name, column.cell(r) or None, "type-error",
                              f"not a valid {declared} value"),
        )  # fmt: skip
    if f.required:
        absent = ~column.present & ~wrong
        message = f"breaks the schema's {note(f, 'required')}"
        add(
            np.flatnonzero(absent),
            lambda r: Problem(file, int(lines[r]), name, None, "constraint-error", message),
        )
    for constraint, broken in column.broken.items():
        bad = column.present & np.append(broken, False)[codes]
        if bad.any():
            message = f"breaks the schema's {note(f, constraint)}"
            add(
                np.flatnonzero(bad),
                lambda r, m=message: Problem(file, int(lines[r]), name, column.cell(r) or None,
                                             "constraint-error", m),
            )  # fmt: skip


def header_problems(file: str, table: Table, labels: list[str]) -> list[Problem]:
    """The header against the schema's fields, by position."""
    if not labels:
        return []
    fields = table.fields
    problems = []

    def add(column: str | None, rule: str, message: str) -> None:
        problems.append(Problem(file, None, column or None, None, rule, message))

    for number in range(len(fields) + 1, len(labels) + 1):
        label = labels[number - 1]
        if label:
            add(label, "extra-label", "extra label")
        else:
            message = f"column {number} has no name"
            add(None, "extra-label", message + " (a blank header cell, or a comma at the end "
                "of the header)")  # fmt: skip
    for f in fields[len(labels) :]:
        add(f.name, "missing-label", "missing label")
    for number, (f, label) in enumerate(zip(fields, labels, strict=False), start=1):
        if not label:
            add(
                f.name,
                "blank-label",
                f"blank label: column {number} has no name (the schema expects {f.name!r})",
            )
        elif label in labels[: number - 1]:
            add(label, "duplicate-label", "duplicate label")
        elif label != f.name:
            add(
                f.name,
                "incorrect-label",
                f'Label "{label}" in field {f.name} at position "{number}" does not match the '
                "field name in the schema",
            )
    return problems


def _previous(codes: np.ndarray, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose code (>= 0) appeared on an earlier row, and the latest such earlier row
    (``n``: how many codes there are, if known, so that "no repeat" is a count)."""
    if (n is not None and np.count_nonzero(codes >= 0) == n) or (
        n is None and not has_repeats(codes)
    ):  # the common case: as many rows with a value as distinct values
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = np.flatnonzero(codes >= 0)
    order = rows[np.argsort(codes[rows], kind="stable")]
    same = codes[order][1:] == codes[order][:-1]
    later, earlier = order[1:][same], order[:-1][same]
    by_row = np.argsort(later, kind="stable")
    return later[by_row], earlier[by_row]


def combine(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One int64 code per row for several columns' codes (-1, no value, is a value too)."""
    combined = np.zeros(len(parts[0][0]) if parts else 0, dtype=np.int64)
    span = 1
    for found, size in parts:
        if span * (size + 1) >= 2**62:
            combined, uniques = pd.factorize(combined)
            combined, span = combined.astype(np.int64), max(len(uniques), 1)
        combined *= size + 1  # in place: no copy of the rows per column
        combined += found
        combined += 1
        span *= size + 1
    return combined


def unique_problems(
    file: str, table: Table, columns: dict[str, Column], lines: np.ndarray
) -> list[Problem]:
    """Repeated values of unique columns and repeated primary keys (each naming the line of the
    latest earlier copy)."""
    problems = []
    for column in columns.values():
        f = column.field
        if f is None or not f.constraints.get("unique"):
            continue
        codes, _ = column.typed_codes
        rows, before = _previous(codes, column.distinct)
        earlier = dict(zip(rows.tolist(), before.tolist(), strict=True))

        def make(r: int, c: Column = column, earlier: dict[int, int] = earlier) -> Problem:
            message = f"unique error: the same as in the row at line {lines[earlier[r]]}"
            return Problem(file, int(lines[r]), c.name, str(c.value(r)) or None, "unique-error",
                           message)  # fmt: skip

        problems += listed(rows, make)
    key = list(table.primary_key)
    if not key or not set(key) <= set(columns):
        return problems
    parts = [columns[k].typed_codes for k in key]
    combined = combine(parts)
    empty = np.logical_and.reduce([codes < 0 for codes, _ in parts])
    names = table.field_names
    positions = {k: names.index(k) for k in key}
    by_position = {c.number - 1: c for c in columns.values()}

    def value(row: int) -> str | None:
        cells = [by_position[positions[k]].cell(row) if positions[k] in by_position else None
                 for k in key]  # fmt: skip
        text = ", ".join(c or "" for c in cells)
        return text or None

    column = ", ".join(key)
    problems += listed(
        np.flatnonzero(empty),
        lambda r: Problem(file, int(lines[r]), column, value(r), "primary-key",
                          'duplicate key: cells composing the primary keys are all "None"'),
    )  # fmt: skip
    rows, before = _previous(np.where(empty, -1, combined))
    earlier = dict(zip(rows.tolist(), before.tolist(), strict=True))
    problems += listed(
        rows,
        lambda r: Problem(file, int(lines[r]), column, value(r), "primary-key",
                          f"duplicate key: the same as in the row at line {lines[earlier[r]]}"),
    )  # fmt: skip
    return problems
