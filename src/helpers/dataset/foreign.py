"""Foreign keys over whole columns: each distinct value of the referencing column is looked up
once among the referenced table's values (pyarrow's hash lookup), composite keys as combined
integer codes. The same lookup shares one set of categories between a key and the columns that
point at it in the typed tables (``helpers.dataset.keys``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.membership import is_in
from helpers.dataset.problem import Problem, listed
from helpers.dataset.schema import Schema
from helpers.dataset.tabular import Checked, Column, combine

NO_MATCH = -2  # a value that the referenced column does not hold


def _in_order(child: Column, parent: Column) -> bool:
    """Whether the distinct cells of ``child`` are the first ones of ``parent``, in its order
    (a table written in the order of the rows it refers to): no lookup needed."""
    n = len(child.dictionary)
    return n <= len(parent.dictionary) and parent.dictionary.slice(0, n).equals(child.dictionary)


def _positions(pairs: list[tuple[Column, Column]]) -> dict[tuple[int, int], np.ndarray]:
    """For pairs (referring, referenced) of text columns: the position among the referenced
    column's distinct cells of each distinct cell of the referring one (-1: not there). The
    referenced columns with the same distinct cells (a key and its copies in other tables) are
    one; its cells and those of every column that refers to it are hashed once, in one pass."""
    found: dict[tuple[int, int], np.ndarray] = {}
    groups: list[tuple[pa.Array, list[tuple[Column, Column]]]] = []
    for child, parent in pairs:
        if child.typed is not None or parent.typed is not None:
            continue
        if _in_order(child, parent):
            found[id(child), id(parent)] = np.arange(len(child.dictionary), dtype=np.int64)
            continue
        cells = parent.dictionary
        for dictionary, members in groups:
            if dictionary is cells or (len(dictionary) == len(cells) and dictionary.equals(cells)):
                members.append((child, parent))
                break
        else:
            groups.append((cells, [(child, parent)]))
    for dictionary, members in groups:
        children = list({id(child): child for child, _ in members}.values())
        parts = [dictionary, *(child.dictionary for child in children)]
        at = pc.dictionary_encode(pa.concat_arrays(parts)).indices.to_numpy().astype(np.int64)
        where, start = {}, len(dictionary)
        for child in children:
            part = at[start : start + len(child.dictionary)]
            where[id(child)] = np.where(part < len(dictionary), part, -1)
            start += len(child.dictionary)
        for child, parent in members:
            found[id(child), id(parent)] = where[id(child)]
    return found


def _entry_codes(child: Column, parent: Column, found: np.ndarray | None = None) -> np.ndarray:
    """Per distinct cell of ``child``: the typed code in ``parent`` of the same value (-1: no
    value, NO_MATCH: a value ``parent`` does not hold). ``found``: the cells' positions among
    the cells of ``parent`` (``_positions``), if known."""
    if child.typed is None and parent.typed is None:
        if found is None and _in_order(child, parent):
            found = np.arange(len(child.dictionary), dtype=np.int64)
        elif found is None:
            found = pc.index_in(child.dictionary, value_set=parent.dictionary)
            found = pc.fill_null(found, -1).to_numpy().astype(np.int64)
        ok = np.append(parent.valid, False)[found]
        codes = np.where(ok, found, NO_MATCH)
    else:
        parent_codes, _ = parent.entry_codes
        lookup = {v: c for v, c in zip(parent.values, parent_codes, strict=True) if c >= 0}
        codes = np.array([lookup.get(v, NO_MATCH) for v in child.values], dtype=np.int64)
    return np.where(child.valid, codes, -1)


def _row_codes(
    child: Column, parent: Column, found: dict[tuple[int, int], np.ndarray] | None = None
) -> np.ndarray:
    """Per row of ``child``: the typed code in ``parent`` of its value (see ``_entry_codes``),
    worked out once per pair of columns."""
    if id(parent) not in child.found_in:
        entries = _entry_codes(child, parent, (found or {}).get((id(child), id(parent))))
        # code -1 (no cell) picks the -1 appended at the end
        child.found_in[id(parent)] = np.append(entries, -1).astype(np.int32)[child.codes]
    return child.found_in[id(parent)]


def _referring(
    checked: dict[str, Checked], schema: Schema, broken: set[str]
) -> list[tuple[str, dict, Checked, Checked]]:
    """Each foreign key to check: its table, its declaration, its table and the referenced
    table as checked."""
    keys = []
    for name, table in schema.tables.items():
        if name in broken or name not in checked:
            continue
        for fk in table.foreign_keys:
            target = fk["reference"].get("resource") or name
            if target in broken or target not in checked:
                continue
            if set(fk["fields"]) <= set(checked[name].columns):
                keys.append((name, fk, checked[name], checked[target]))
    return keys


def foreign_key_problems(
    checked: dict[str, Checked], schema: Schema, broken: set[str]
) -> list[Problem]:
    """Values of a foreign key that the referenced table does not hold, between tables whose
    header could be read (a key whose cells are all empty refers to nothing)."""
    keys = _referring(checked, schema, broken)
    pairs = [
        (child.columns[column], parent.columns[ref])
        for _, fk, child, parent in keys
        for column, ref in zip(fk["fields"], fk["reference"]["fields"], strict=True)
        if ref in parent.columns
    ]
    found = _positions(pairs)
    problems = []
    for name, fk, child, parent in keys:
        problems += _key_problems(
            Path(schema.tables[name].path).name, name, fk, child, parent, found
        )
    return problems


def _key_problems(
    file: str,
    name: str,
    fk: dict,
    child: Checked,
    parent: Checked,
    found: dict[tuple[int, int], np.ndarray],
) -> list[Problem]:
    """The rows of one table whose foreign key ``fk`` the referenced table does not hold."""
    fields, reference = list(fk["fields"]), fk["reference"]
    target = reference.get("resource") or name
    ref_fields = list(reference["fields"])
    codes, sizes = [], []
    for column, ref in zip(fields, ref_fields, strict=True):
        if ref not in parent.columns:  # the referenced table lacks it: no value there
            codes.append(np.where(child.columns[column].present, NO_MATCH, -1))
            sizes.append(0)
            continue
        codes.append(_row_codes(child.columns[column], parent.columns[ref], found))
        sizes.append(parent.columns[ref].typed_codes[1])
    empty = np.logical_and.reduce([c == -1 for c in codes])
    missing = np.logical_or.reduce([c == NO_MATCH for c in codes])
    if len(fields) > 1:
        held = [parent.columns[r].typed_codes if r in parent.columns else None for r in ref_fields]
        if all(h is not None for h in held):
            keys = combine(list(held))
            some = ~np.logical_and.reduce([h[0] < 0 for h in held])
            mine = combine([(np.maximum(c, -1), s) for c, s in zip(codes, sizes, strict=True)])
            asked = ~missing & ~empty  # the other rows are reported or refer to nothing
            held_here = np.ones(len(mine), dtype=bool)
            held_here[asked] = is_in(mine[asked], keys[some])
            missing |= ~held_here
    column = ", ".join(fields)
    where = f"{target}.{'/'.join(ref_fields)}"

    def make(row: int) -> Problem:
        value = ", ".join(
            "" if (v := child.columns[c].value(row)) is None else str(v) for c in fields
        )
        return Problem(file, int(child.lines[row]), column, value or None, "foreign-key",
                       f"{value!r} is not among the values of {where}")  # fmt: skip

    return listed(np.flatnonzero(missing & ~empty), make)


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
                remap.astype(np.int32)[np.maximum(codes, -1)],  # -1, NO_MATCH: the -1 at the end
                dtype=key.dtype,
            )
        )
    return {name: pd.DataFrame(columns, copy=False) for name, columns in data.items()}
