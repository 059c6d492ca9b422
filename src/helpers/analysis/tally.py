"""Grouped counts on integer codes: rows, sums and distinct values per group.

pandas' ``groupby().nunique()`` and ``drop_duplicates`` hash every column of every row; here each
column is first turned into integer codes (a categorical's own codes, a small integer's value,
or a factorised column), the codes are combined into one integer per row, and the counting is
done with NumPy. Results are the same; a million rows take a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.dataset.keys import codes, groups


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
        if present.all():  # keys are seldom missing: no copy of the rows without them
            pairs = found * max(n, 1)
            pairs += group
        else:
            pairs = found[present] * max(n, 1) + group[present]
        # value-major pairs, sorted to find the distinct ones: NumPy's default sort of integers
        # (vectorised, SIMD where the processor has it) is several times faster than a stable
        # one, which equal integers do not need
        pairs.sort()
        first = np.ones(len(pairs), dtype=bool)
        np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
        out[name] = np.bincount(pairs[first] % max(n, 1), minlength=n)
    return out


def joined(frame: pd.DataFrame, keys: list[str], column: str, sep: str) -> dict[tuple, str]:
    """Per combination of ``keys``: the distinct non-missing values of ``column``, sorted and
    joined with ``sep``."""
    pairs = frame[[*keys, column]].dropna(subset=[column])
    group, first = groups(pairs, [*keys, column])
    distinct = pairs.iloc[first]
    joined: dict[tuple, list[str]] = {}
    for *key, value in zip(*(distinct[c].astype(str) for c in [*keys, column]), strict=True):
        joined.setdefault(tuple(key), []).append(value)
    return {key: sep.join(sorted(found)) for key, found in joined.items()}
