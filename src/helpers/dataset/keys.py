"""Integer codes: key columns as shared categoricals, so that joins are array lookups, not
string hashing, and the codes of any column for counting and grouping.

The schema declares each table's primary key and the foreign keys that point at it. When a
dataset is loaded, a single-column primary key becomes a categorical whose categories are its
own values, and every foreign key pointing at it becomes a categorical with the *same*
categories. A key's integer code then names the same entity in every table, and
``positions`` finds rows by array indexing. Values read the same as strings do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.dataset.lines import line_of_row
from helpers.dataset.schema import Schema, Table
from helpers.errors import DataError


def encode_keys(tables: dict[str, pd.DataFrame], schema: Schema) -> dict[str, pd.DataFrame]:
    """The tables with single-column primary and foreign keys as shared categoricals.

    A foreign-key value that is not among the referenced keys is an error (file, row, column,
    value), never silently turned into a missing value.
    """
    out = {name: frame.copy(deep=False) for name, frame in tables.items()}
    dtypes: dict[tuple[str, str], pd.CategoricalDtype] = {}
    for name, table in schema.tables.items():
        if len(table.primary_key) != 1 or table.primary_key[0] not in out.get(name, {}):
            continue
        (key,) = table.primary_key
        ids = out[name][key]
        bad = ids.isna().to_numpy() | ids.duplicated().to_numpy()
        _refuse(schema, table.path, key, ids, bad, "keys must be unique and not empty")
        dtype = pd.CategoricalDtype(_text(ids))
        out[name][key] = pd.Categorical.from_codes(np.arange(len(ids)), dtype=dtype)
        dtypes[name, key] = dtype
    for name, table in schema.tables.items():
        for fk in table.foreign_keys:
            (column, *more), reference = fk["fields"], fk["reference"]
            target = (reference.get("resource") or name, reference["fields"][0])
            if more or column not in out.get(name, {}) or target not in dtypes:
                continue
            raw, dtype = out[name][column], dtypes[target]
            found = _indexer(dtype.categories, raw)
            present = raw.notna().to_numpy()
            _refuse(
                schema,
                table.path,
                column,
                raw,
                present & (found < 0),
                "not a key of {}.{}".format(*target),
            )
            out[name][column] = pd.Categorical.from_codes(np.where(present, found, -1), dtype=dtype)
    return out


def key_columns(schema: Schema, table: Table) -> list[str]:
    """The columns of ``table`` that ``encode_keys`` encodes, every declared column read: its
    single-column primary key and the single-column foreign keys to such a key."""
    single = {
        name: t.primary_key[0]
        for name, t in schema.tables.items()
        if len(t.primary_key) == 1 and t.primary_key[0] in t.field_names
    }
    columns = [single[table.name]] if table.name in single else []
    for fk in table.foreign_keys:
        (column, *more), reference = fk["fields"], fk["reference"]
        target = reference.get("resource") or table.name
        known = single.get(target) == reference["fields"][0]
        if not more and known and column in table.field_names:
            columns.append(column)
    return columns


def _text(ids: pd.Series) -> pd.Index:
    """Values without a missing one as an Index of strings (a categorical's decoded by code)."""
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.dtype == "string":
        return ids.cat.categories.take(ids.cat.codes.to_numpy())
    return pd.Index(ids.to_numpy(dtype=object), dtype="string")


def _indexer(keys: pd.Index, raw: pd.Series) -> np.ndarray:
    """Position of each value of ``raw`` in ``keys`` (-1: absent or missing); a categorical's
    categories are looked up once each."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        found = keys.get_indexer(raw.cat.categories.astype("string"))
        return np.append(found, -1)[raw.cat.codes.to_numpy()]
    return keys.get_indexer(raw.astype("string"))


def _refuse(
    schema: Schema, path: str, column: str, found: pd.Series, bad: np.ndarray, message: str
) -> None:
    """Raise a DataError naming the first bad row (file, line, column, value), if there is one."""
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        line = line_of_row(schema.path.parent / path, row)
        raise DataError(
            f"{path}, row {line}, column {column}, value {found.iloc[row]!r}: {message}"
        )


def _shared(keys: pd.Series, index: pd.Series) -> bool:
    """Both columns are categoricals over the very same categories."""
    categorical = pd.CategoricalDtype
    if not (isinstance(keys.dtype, categorical) and isinstance(index.dtype, categorical)):
        return False
    a, b = keys.cat.categories, index.cat.categories
    return a is b or (len(a) == len(b) and a.equals(b))


def positions(keys: pd.Series, index: pd.Series) -> np.ndarray:
    """Row number in ``index`` (a column of unique keys) of each value of ``keys``; -1 where the
    value is missing or absent. Shared categoricals are matched by code, anything else by value."""
    if _shared(keys, index):
        at = index.cat.codes.to_numpy()
        lookup = np.full(len(index.cat.categories) + 1, -1, dtype=np.int64)
        lookup[at] = np.arange(len(at))
        lookup[-1] = -1  # code -1 (missing) stays -1
        return lookup[keys.cat.codes.to_numpy()]
    found = pd.Index(index.astype("string")).get_indexer(keys.astype("string"))
    return np.where(keys.isna().to_numpy(), -1, found)


_LIMIT = 2**62  # combined codes stay below this, far from int64 overflow
_DENSE = 2**22  # up to this many possible key combinations, groups are numbered by a table


def codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Integer code of each value (-1 if missing) and how many codes there are."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories)
    if pd.api.types.is_integer_dtype(dtype) and column.notna().any():
        # small integers (years, codes) are their own codes, shifted to start at 0
        low, high = int(column.min()), int(column.max())
        if high - low < 2**31:  # a missing value becomes low - 1, so its code is -1
            values = column.to_numpy(dtype=np.int64, na_value=low - 1)
            return values - low, high - low + 1
    found, uniques = pd.factorize(column)
    return found.astype(np.int64), len(uniques)


def values(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Code of each value (-1 if missing) and the distinct values the codes point at."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), pd.Series(column.cat.categories)
    found, uniques = pd.factorize(column.to_numpy(dtype=object, na_value=None))
    return found.astype(np.int64), pd.Series(uniques, dtype=object)


def groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row (missing is a value of its own) and each group's first row."""
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for key in keys:
        found, size = codes(frame[key])
        if span * (size + 1) >= _LIMIT:  # re-number the groups so far to make room
            combined, uniques = pd.factorize(combined)
            span = max(len(uniques), 1)
        combined = combined * (size + 1) + found + 1
        span *= size + 1
    if span <= _DENSE:  # number the combinations present through a table: no hashing
        present = np.zeros(span, dtype=bool)
        present[combined] = True
        group = (np.cumsum(present) - 1)[combined]
        n = int(present.sum())
    else:
        group, uniques = pd.factorize(combined)
        n = len(uniques)
    first = np.empty(n, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)
    return group.astype(np.int64), first


def take(column: pd.Series, rows: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Values of ``column`` at row positions (-1 gives a missing value), keeping the dtype."""
    return column.array.take(rows, allow_fill=True)


def codes_at(found: np.ndarray, rows: np.ndarray) -> pd.arrays.IntegerArray:
    """``found[rows]``, missing where a row is -1 (nothing found): never the last element."""
    return pd.arrays.IntegerArray(np.append(found, 0)[rows], rows < 0)


def shared_codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of two columns' values in one numbering (-1: missing), and how many codes: equal
    values get equal codes. Categoricals are numbered by their categories, not row by row."""
    categorical = pd.CategoricalDtype
    if isinstance(a.dtype, categorical) and isinstance(b.dtype, categorical):
        ca = a.cat.codes.to_numpy().astype(np.int64)
        cb = b.cat.codes.to_numpy().astype(np.int64)
        if _shared(a, b):
            return ca, cb, len(a.cat.categories)
        cats = pd.Index(a.cat.categories.astype(object)).append(
            pd.Index(b.cat.categories.astype(object))
        )
        joint, uniques = pd.factorize(cats)
        left, right = joint[: len(a.cat.categories)], joint[len(a.cat.categories) :]
        return np.append(left, -1)[ca], np.append(right, -1)[cb], len(uniques)
    same = a.dtype == b.dtype and not isinstance(a.dtype, categorical)
    pair = [a, b] if same else [a.astype(object), b.astype(object)]
    values = pd.concat(pair, ignore_index=True)
    found, uniques = pd.factorize(values)
    found = found.astype(np.int64)
    return found[: len(a)], found[len(a) :], len(uniques)


def pair_codes(first: np.ndarray, second: np.ndarray, n_second: int) -> np.ndarray:
    """One int64 code per row for a pair of codes (-1, missing, is a value of its own)."""
    return (first.astype(np.int64) + 1) * (n_second + 1) + (second.astype(np.int64) + 1)
