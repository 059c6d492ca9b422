"""Foreign keys over whole columns: each distinct value of the referencing column is looked up
once among the referenced table's values (pyarrow's hash lookup), composite keys as combined
integer codes. The same lookup shares one set of categories between a key and the columns that
point at it in the typed tables (``helpers.dataset.keys``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.membership import is_in
from helpers.dataset.problem import Problem, listed
from helpers.dataset.schema import Schema
from helpers.dataset.tabular import Checked, Column, combine

NO_MATCH = -2  # a value that the referenced column does not hold


def _entry_codes(child: Column, parent: Column) -> np.ndarray:
    """Per distinct cell of ``child``: the typed code in ``parent`` of the same value (-1: no
    value, NO_MATCH: a value ``parent`` does not hold)."""
    if child.typed is None and parent.typed is None:
        n = len(child.dictionary)
        if n <= len(parent.dictionary) and parent.dictionary.slice(0, n).equals(child.dictionary):
            found = np.arange(n, dtype=np.int64)  # written in the order of the referenced rows
        else:
            found = pc.index_in(child.dictionary, value_set=parent.dictionary)
            found = pc.fill_null(found, -1).to_numpy().astype(np.int64)
        ok = np.append(parent.valid, False)[found]
        codes = np.where(ok, found, NO_MATCH)
    else:
        parent_codes, _ = parent.entry_codes
        lookup = {v: c for v, c in zip(parent.values, parent_codes, strict=True) if c >= 0}
        codes = np.array([lookup.get(v, NO_MATCH) for v in child.values], dtype=np.int64)
    return np.where(child.valid, codes, -1)


def _row_codes(child: Column, parent: Column) -> np.ndarray:
    """Per row of ``child``: the typed code in ``parent`` of its value (see ``_entry_codes``),
    worked out once per pair of columns."""
    if id(parent) not in child.found_in:
        entries = _entry_codes(child, parent)
        # code -1 (no cell) picks the -1 appended at the end
        child.found_in[id(parent)] = np.append(entries, -1).astype(np.int32)[child.codes]
    return child.found_in[id(parent)]


def foreign_key_problems(
    checked: dict[str, Checked], schema: Schema, broken: set[str]
) -> list[Problem]:
    """Values of a foreign key that the referenced table does not hold, between tables whose
    header could be read (a key whose cells are all empty refers to nothing)."""
    problems = []
    for name, table in schema.tables.items():
        if name in broken or name not in checked:
            continue
        child = checked[name]
        for fk in table.foreign_keys:
            fields, reference = list(fk["fields"]), fk["reference"]
            target = reference.get("resource") or name
            if target in broken or target not in checked or not set(fields) <= set(child.columns):
                continue
            parent = checked[target]
            ref_fields = list(reference["fields"])
            codes, sizes = [], []
            for column, ref in zip(fields, ref_fields, strict=True):
                if ref not in parent.columns:  # the referenced table lacks it: no value there
                    codes.append(np.where(child.columns[column].present, NO_MATCH, -1))
                    sizes.append(0)
                    continue
                codes.append(_row_codes(child.columns[column], parent.columns[ref]))
                sizes.append(parent.columns[ref].typed_codes[1])
            empty = np.logical_and.reduce([c == -1 for c in codes])
            missing = np.logical_or.reduce([c == NO_MATCH for c in codes])
            if len(fields) > 1:
                held = [parent.columns[r].typed_codes if r in parent.columns else None
                        for r in ref_fields]  # fmt: skip
                if all(h is not None for h in held):
                    keys = combine(list(held))
                    some = ~np.logical_and.reduce([h[0] < 0 for h in held])
                    mine = combine(
                        [(np.maximum(c, -1), s) for c, s in zip(codes, sizes, strict=True)]
                    )
                    asked = ~missing & ~empty  # the other rows are reported or refer to nothing
                    held_here = np.ones(len(mine), dtype=bool)
                    held_here[asked] = is_in(mine[asked], keys[some])
                    missing |= ~held_here
            bad = np.flatnonzero(missing & ~empty)
            file = Path(table.path).name
            column = ", ".join(fields)
            where = f"{target}.{'/'.join(ref_fields)}"

            def make(
                row: int,
                fields: list[str] = fields,
                child: Checked = child,
                column: str = column,
                where: str = where,
                file: str = file,
            ) -> Problem:
                value = ", ".join(
                    "" if (v := child.columns[c].value(row)) is None else str(v) for c in fields
                )
                return Problem(file, int(child.lines[row]), column, value or None, "foreign-key",
                               f"{value!r} is not among the values of {where}")  # fmt: skip

            problems += listed(bad, make)
    return problems


def typed_frames(checked: dict[str, Checked], schema: Schema) -> dict[str, pd.DataFrame]:
    """Every table typed as ``helpers.dataset.read.read_dataset`` gives it: single-column keys
    as categoricals shared with the columns that refer to them, partial dates as categoricals,
    other text as strings. Each checked column is let go once it is typed (but the keys)."""
    links = []  # (table, column, referenced table, its key column)
    for name, table in schema.tables.items():
        for fk in table.foreign_keys:
            (column, *more), reference = list(fk["fields"]), fk["reference"]
            target = reference.get("resource") or name
            (ref, *_) = reference["fields"]
            if not more and schema.tables[target].primary_key == (ref,):
                links.append((name, column, target, ref))
    keep = {(a, b) for a, b, _, _ in links} | {(c, d) for _, _, c, d in links}
    shared = {(a, b): (c, d) for a, b, c, d in links if c in checked and a in checked}
    data: dict[str, dict[str, pd.Series | None]] = {}
    for name, found in checked.items():
        table = schema.tables[name]
        dates = DATE_GROUPS[name].dates if name in DATE_GROUPS else ()
        keys = {*table.primary_key[:1], *dates} if len(table.primary_key) == 1 else {*dates}
        data[name] = {}
        for column in list(found.columns):
            if (name, column) in shared:  # typed below, with the categories of its key
                data[name][column] = None
                continue
            categorical = column in keys or (name, column) in keep
            data[name][column] = found.columns[column].series(categorical)
            if (name, column) not in keep:
                del found.columns[column]
    for (name, column), (target, ref) in shared.items():
        child = checked[name].columns[column]
        parent = checked[target].columns.get(ref)
        key = data[target].get(ref)
        if (
            parent is None
            or key is None
            or parent.typed is not None
            or not isinstance(key.dtype, pd.CategoricalDtype)
        ):
            data[name][column] = child.series(True)
            continue
        codes = _row_codes(child, parent)
        remap = np.append(np.cumsum(parent.valid) - 1, -1)
        data[name][column] = pd.Series(
            pd.Categorical.from_codes(
                np.where(codes >= 0, remap[np.maximum(codes, -1)], -1).astype(np.int32),
                dtype=key.dtype,
            )
        )
    return {name: pd.DataFrame(columns, copy=False) for name, columns in data.items()}
