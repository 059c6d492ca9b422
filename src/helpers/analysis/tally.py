"""Grouped counts on integer codes: rows, sums and distinct values per group.

pandas' ``groupby().nunique()`` and ``drop_duplicates`` hash every column of every row; here each
column is first turned into integer codes (a categorical's own codes, read as stored, a small
integer's value, or a factorised column), the keys' codes are combined into one integer per row
(itself the group's number when there are few combinations), and the counting is done with
NumPy: distinct values by one in-place sort of one integer per row packing the group and the
codes, so that a group's distinct values (and a nested column's, such as the events within
occasions) are runs of equal leading bits. Results are the same; a million rows take a fraction
of a second, with as few copies of the rows as the counting needs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.dataset.keys import codes

_BITS = 63  # a packed key (group, then each code + 1) stays a non-negative int64
_LIMIT = 2**62  # combined key codes stay below this, far from int64 overflow
_DENSE = 2**22  # up to this many possible key combinations, groups are found through a table


def tally(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    count: str | None = None,
    sums: tuple[str, ...] = (),
    distinct: dict[str, str] | None = None,
    within: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per combination of ``keys`` found in ``frame`` (in the order of the keys' codes
    when there are few combinations, else of first appearance), with

    - ``count``: the number of rows,
    - each column of ``sums``: its sum (0/1 flags give counts of flagged rows),
    - each ``name: column`` of ``distinct``: the number of distinct non-missing values.

    ``within`` maps a distinct column to another distinct column that it nests in (each value of
    the first, such as an event, lies in one value of the second, its occasion): both are then
    counted in one sort. The caller vouches for the nesting; a value of the inner column is
    counted once per value of the outer one it is found with.
    """
    distinct = distinct or {}
    within = within or {}
    columns = set(distinct.values())
    if len(set(within.values())) < len(within):
        raise ValueError(f"within: one inner column per outer column, not {within!r}")
    for inner, outer in within.items():
        if inner not in columns or outer not in columns or outer in within:
            raise ValueError(f"within: {inner!r} in {outer!r} is not a pair of distinct columns")
    group, span, present, first = _numbered([_narrow_codes(frame[k]) for k in keys], len(frame))
    out = frame[keys].iloc[first].reset_index(drop=True)
    if count:
        out[count] = np.bincount(group, minlength=span)[present]
    for column in sums:
        weights = frame[column].to_numpy(dtype=np.int64)
        counted = np.bincount(group, weights=weights, minlength=span)[present]
        out[column] = counted.astype(np.int64)
    found: dict[str, np.ndarray] = {}
    inner_of = {outer: inner for inner, outer in within.items()}
    for column in dict.fromkeys(distinct.values()):
        if column not in found:
            outer = within.get(column, column)
            chain = [outer, inner_of[outer]] if outer in inner_of else [outer]
            counted = distinct_counts(group, span, [_narrow_codes(frame[c]) for c in chain])
            found.update((c, n[present]) for c, n in zip(chain, counted, strict=True))
    for name, column in distinct.items():
        out[name] = found[column]
    return out


def _narrow_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """``codes(column)``, but a categorical's codes as they are stored (int8 to int32), not
    copied to int64: the counting reads them without a copy of the rows."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array.codes, len(column.cat.categories)  # a view of the codes
    return codes(column)


def _numbered(
    key_codes: list[tuple[np.ndarray, int]], rows: int
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """The keys' codes (each -1 where missing, a value of its own) combined into one number per
    row, below ``span``; the numbers found, in order (``present``), and each one's first row.

    With few possible combinations the number is the combined code itself (counts are then
    ``np.bincount(group, minlength=span)[present]``); with many they are numbered by hashing,
    in order of first appearance (``present`` is then every number below ``span``)."""
    combined, span = _combined_codes(key_codes, rows)
    if span > _DENSE:
        combined, uniques = pd.factorize(combined)
        span = len(uniques)
    first = np.full(span, rows, dtype=np.int64)
    order = np.arange(rows - 1, -1, -1, dtype=np.int32 if rows < 2**31 else np.int64)
    first[combined[::-1]] = order  # the last write to each number is its first row
    present = np.flatnonzero(first < rows)
    return combined, span, present, first[present]


def _combined_codes(key_codes: list[tuple[np.ndarray, int]], rows: int) -> tuple[np.ndarray, int]:
    """The keys' codes (each -1 where missing, a value of its own) as one number per row, in
    mixed radix (in the order of the codes), below the returned span; combinations are
    re-numbered (by hashing, in order of first appearance) where the span would pass 2**62."""
    combined, span, shift = np.zeros(rows, dtype=np.int64), 1, 0
    for found, size in key_codes:
        if span * (size + 1) >= _LIMIT:  # re-number the combinations so far to make room
            combined, uniques = pd.factorize(combined + shift)
            span, shift = max(len(uniques), 1), 0
        combined *= size + 1
        combined += found
        shift = shift * (size + 1) + 1  # each code + 1 (missing is 0), added once at the end
        span *= size + 1
    combined += shift
    return combined, span


def histogram(
    frame: pd.DataFrame, keys: list[str], unit: list[str], column: str, *, name: str, count: str
) -> pd.DataFrame:
    """Per combination of ``keys`` and number ``name``: how many units (combinations of the
    ``unit`` columns found with those keys) have that many distinct non-missing values of
    ``column`` (``count``). The same as a ``tally`` of the units' distinct values, tallied
    again by that number, in one sort of the rows and no hashing of the many units."""
    if frame.empty:
        return frame[keys].iloc[:0].assign(**{name: np.int64(0), count: np.int64(0)})
    group, span, present, first = _numbered([_narrow_codes(frame[k]) for k in keys], len(frame))
    units, n_units = _combined_codes([_narrow_codes(frame[c]) for c in unit], len(frame))
    found, size = _narrow_codes(frame[column])
    widths = [max(span - 1, 0).bit_length(), max(n_units - 1, 0).bit_length(), size.bit_length()]
    if sum(widths) > _BITS:  # too wide to pack: the units numbered first
        units, uniques = pd.factorize(units)
        widths[1] = max(len(uniques) - 1, 0).bit_length()
    key = np.left_shift(group, widths[1], dtype=np.int64)  # sorted in place below
    key += units
    key <<= widths[2]
    key += found
    key += 1  # a value's code + 1: 0 is missing
    key.sort()
    new = np.empty(len(key), dtype=bool)  # the first row of each unit and value
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    if len(found) and found.min() < 0:  # a missing value is not counted
        new &= (key & ((1 << widths[2]) - 1)) != 0
    unit_key = key >> widths[2]
    unit_start = np.flatnonzero(np.concatenate([[True], unit_key[1:] != unit_key[:-1]]))
    values = np.add.reduceat(new, unit_start, dtype=np.int64)
    unit_group = unit_key[unit_start] >> widths[1]
    most = int(values.max()) + 1
    counted = np.bincount(unit_group * most + values, minlength=span * most)
    cell = np.flatnonzero(counted)  # in order of the keys, then of the number of values
    at_group = np.full(span, -1, dtype=np.int64)
    at_group[present] = first
    out = frame[keys].iloc[at_group[cell // most]].reset_index(drop=True)
    out[name] = cell % most
    out[count] = counted[cell]
    return out


def distinct_counts(
    group: np.ndarray, n: int, chain: list[tuple[np.ndarray, int]]
) -> list[np.ndarray]:
    """Per group (``group``: each row's number, 0 to ``n`` - 1) and per column of ``chain``
    (codes, -1 where missing, and how many codes): how many distinct combinations of that
    column and the ones before it are found, leaving out those where that column is missing
    (a missing value of an earlier column is a value of its own). The rows are sorted once, on
    one integer per row packing the group and the codes, so that each column's combinations
    are runs of equal leading bits; when it would not fit in 63 bits, each column's
    combinations are numbered first and counted apart."""
    widths = [int(size).bit_length() for _, size in chain]  # codes + 1: 0 is missing
    total = sum(widths)
    if max(n - 1, 0).bit_length() + total > _BITS:
        return [_distinct_apart(group, n, chain[: k + 1]) for k in range(len(chain))]
    key = np.left_shift(group, widths[0], dtype=np.int64)  # a new array, sorted in place below
    shift = 0  # each code + 1 (missing is 0), added once at the end
    for k, ((found, _), width) in enumerate(zip(chain, widths, strict=True)):
        if k:
            key <<= width
        key += found
        shift = (shift << width) + 1
    key += shift
    # NumPy's default sort of integers (vectorised, SIMD where the processor has it) is several
    # times faster than a stable one, which equal integers do not need
    key.sort()
    counted = []
    below = total  # bits of the columns after the current one
    for (found, _), width in zip(chain, widths, strict=True):
        below -= width
        prefix = key >> below if below else key
        first = np.empty(len(prefix), dtype=bool)
        first[:1] = True
        np.not_equal(prefix[1:], prefix[:-1], out=first[1:])
        if len(found) and found.min() < 0:  # runs of a missing value are not counted
            first &= (prefix & ((1 << width) - 1)) != 0
        starts = prefix[first]  # one per distinct combination: its group is its leading bits
        starts >>= total - below
        counted.append(np.bincount(starts, minlength=n))
    return counted


def _distinct_apart(group: np.ndarray, n: int, chain: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """``distinct_counts`` of the last column of ``chain`` alone, its combinations with the
    columns before it numbered by hashing (for codes too wide to pack)."""
    combined, span = np.zeros(len(group), dtype=np.int64), 1
    for found, size in chain:
        if span * (size + 1) >= 2**_BITS:  # re-number the combinations so far to make room
            combined, uniques = pd.factorize(combined)
            span = max(len(uniques), 1)
        combined = combined * (size + 1) + found + 1
        span *= size + 1
    numbered, uniques = pd.factorize(combined)
    numbered = np.where(chain[-1][0] < 0, -1, numbered)  # the last column missing: not counted
    return distinct_counts(group, n, [(numbered.astype(np.int64), len(uniques))])[0]


def joined(frame: pd.DataFrame, keys: list[str], column: str, sep: str) -> dict[tuple, str]:
    """Per combination of ``keys``: the distinct non-missing values of ``column``, sorted and
    joined with ``sep``."""
    found = [_narrow_codes(frame[c]) for c in [*keys, column]]
    *_, first = _numbered(found, len(frame))  # missing values too: no copy of the rows
    distinct = frame[[*keys, column]].iloc[first]
    distinct = distinct[distinct[column].notna().to_numpy()]
    joined: dict[tuple, list[str]] = {}
    for *key, value in zip(*(distinct[c].astype(str) for c in [*keys, column]), strict=True):
        joined.setdefault(tuple(key), []).append(value)
    return {key: sep.join(sorted(found)) for key, found in joined.items()}


def as_text(column: pd.Series) -> pd.Series:
    """``column.astype("string")``; a categorical's categories are converted, not its rows."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("string")
    text = column.cat.categories.astype("string").array
    found = column.cat.codes.to_numpy()
    return pd.Series(text.take(found, allow_fill=True), index=column.index, name=column.name)
