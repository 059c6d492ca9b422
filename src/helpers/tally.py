"""Grouped counts on integer codes: rows, sums and distinct values per group.

pandas' ``groupby().nunique()`` and ``drop_duplicates`` hash every column of every row; here each
column is first turned into integer codes (a categorical's own codes, a small integer's value,
or a factorised column), the codes are combined into one integer per row, and the counting is
done with NumPy. Results are the same; a million rows take a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_LIMIT = 2**62  # combined codes stay below this, far from int64 overflow
_DENSE = 2**22  # up to this many possible key combinations, groups are numbered by a table


def codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Integer code of each value (-1 if missing) and how many codes there are."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories)
    if pd.api.types.is_integer_dtype(dtype) and column.notna().any():
        # small integers (years, codes) are their own codes, shifted to start at 0
        missing = column.isna().to_numpy()
        values = column.to_numpy(dtype=np.int64, na_value=0)
        low, high = values[~missing].min(), values[~missing].max()
        if high - low < 2**31:
            return np.where(missing, -1, values - low), int(high - low) + 1
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


def tally(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    count: str | None = None,
    sums: tuple[str, ...] = (),
    distinct: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per combination of ``keys`` found in ``frame`` (in no particular order), with

    - ``count``: the number of rows,
    - each column of ``sums``: its sum (0/1 flags give counts of flagged rows),
    - each ``name: column`` of ``distinct``: the number of distinct non-missing values.
    """
    group, first = groups(frame, keys)
    n = len(first)
    out = frame[keys].iloc[first].reset_index(drop=True)
    if count:
        out[count] = np.bincount(group, minlength=n)
    for column in sums:
        weights = frame[column].to_numpy(dtype=np.int64)
        out[column] = np.bincount(group, weights=weights, minlength=n).astype(np.int64)
    for name, column in (distinct or {}).items():
        found, size = codes(frame[column])
        present = found >= 0
        pairs = np.sort(group[present] * max(size, 1) + found[present])
        pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
        out[name] = np.bincount(pairs // max(size, 1), minlength=n)
    return out
