"""Key columns as shared categoricals, so that joins are array lookups, not string hashing.

The schema declares each table's primary key and the foreign keys that point at it. When a
dataset is loaded, a single-column primary key becomes a categorical whose categories are its
own values, and every foreign key pointing at it becomes a categorical with the *same*
categories. A key's integer code then names the same entity in every table, and
``positions`` finds rows by array indexing. Values read the same as strings do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.schema import DataError, Schema


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
        values = out[name][key]
        bad = values.isna().to_numpy() | values.duplicated().to_numpy()
        _refuse(table.path, key, values, bad, "keys must be unique and not empty")
        dtype = pd.CategoricalDtype(pd.Index(values.to_numpy(dtype=object), dtype="string"))
        out[name][key] = pd.Categorical.from_codes(np.arange(len(values)), dtype=dtype)
        dtypes[name, key] = dtype
    for name, table in schema.tables.items():
        for fk in table.foreign_keys:
            (column, *more), reference = fk["fields"], fk["reference"]
            target = (reference.get("resource") or name, reference["fields"][0])
            if more or column not in out.get(name, {}) or target not in dtypes:
                continue
            raw, dtype = out[name][column], dtypes[target]
            found = dtype.categories.get_indexer(raw.astype("string"))
            present = raw.notna().to_numpy()
            _refuse(
                table.path, column, raw, present & (found < 0), "not a key of {}.{}".format(*target)
            )
            out[name][column] = pd.Categorical.from_codes(np.where(present, found, -1), dtype=dtype)
    return out


def _refuse(path: str, column: str, values: pd.Series, bad: np.ndarray, message: str) -> None:
    """Raise a DataError naming the first bad row (file, row, column, value), if there is one."""
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{path}, row {row + 2}, column {column}, value {values.iloc[row]!r}: {message}"
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
