"""Set questions over integer codes (non-negative int64, below 2**62, as ``tabular.combine``
makes them), answered without a hash table: codes that are dense enough (below 32 times their
number and 2**27, as codes of a vocabulary, of a table's keys or of two keys combined are) are
marked in a table of flags, one pass over the rows; others by one sort, which NumPy does with
SIMD instructions about ten times as fast as pandas hashes them. A check that finds nothing,
the common case of a valid table, costs that one pass or sort; only rows that fail are looked
up one by one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LIMIT = 2**62
FLAGS = 2**27  # the longest table of flags (128 MiB): beyond, clearing it costs more than a sort
SLACK = 1024  # a table of flags this long is always cheap enough


def _flags(*codes: np.ndarray) -> int | None:
    """The length of a table of flags for ``codes`` (every one non-negative and below 32 times
    their number and ``FLAGS``), or None: sort them instead."""
    n = sum(len(c) for c in codes)
    found = [c for c in codes if len(c)]
    if not found or min(int(c.min()) for c in found) < 0:
        return None
    high = max(int(c.max()) for c in found)
    return high + 1 if high < min(32 * n, FLAGS) + SLACK else None


def distinct(codes: np.ndarray) -> np.ndarray:
    """The distinct values of integer ``codes``, sorted, as ``np.unique(codes)`` gives them. Not
    ``np.unique``, which since NumPy 2.3 hashes integers, about ten times slower than sorting a
    million distinct ones (numpy/numpy#28375)."""
    codes = np.asarray(codes)
    if not len(codes):
        return codes.copy()
    size = _flags(codes)
    if size is not None:
        seen = np.zeros(size, dtype=bool)
        seen[codes] = True
        return np.flatnonzero(seen).astype(codes.dtype)
    found = np.sort(codes)
    return found[np.append(True, found[1:] != found[:-1])]


def has_repeats(codes: np.ndarray) -> bool:
    """Whether a code (>= 0; -1, no value, is left out) occurs on more than one row."""
    kept = codes[codes >= 0]
    size = _flags(kept)
    if size is not None:
        seen = np.zeros(size, dtype=bool)
        seen[kept] = True
        return int(np.count_nonzero(seen)) < len(kept)
    found = np.sort(kept)
    return bool(np.any(found[1:] == found[:-1]))


def all_in(values: np.ndarray, keys: np.ndarray) -> bool:
    """Whether every one of ``values`` is among ``keys`` (codes in ``0 .. LIMIT - 1``)."""
    if not len(values):
        return True
    if not len(keys):
        return False
    size = _flags(values, keys)
    if size is not None:
        return bool(_held(values, keys, size).all())
    # each code twice over, the lowest bit telling a key (0) from a value (1): sorted, a value
    # that some key equals comes after that key in its run of equal codes, so a run that starts
    # with a value is a code that no key holds
    tagged = np.concatenate([keys.astype(np.int64) << 1, (values.astype(np.int64) << 1) | 1])
    tagged.sort()
    code = tagged >> 1
    starts = np.flatnonzero(np.append(True, code[1:] != code[:-1]))
    return not bool(np.any(tagged[starts] & 1))


def _held(values: np.ndarray, keys: np.ndarray, size: int) -> np.ndarray:
    """Per value: whether it is among ``keys``, by a table of ``size`` flags."""
    held = np.zeros(size, dtype=bool)
    held[keys] = True
    return held[values]


def is_in(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per value: whether it is among ``keys`` (codes in ``0 .. LIMIT - 1``; others are looked
    up by hashing)."""
    size = _flags(values, keys) if len(keys) else None
    if size is not None:
        return _held(values, keys, size)
    usable = (
        (not len(values) or (values.min() >= 0 and values.max() < LIMIT))
        and (not len(keys) or (keys.min() >= 0 and keys.max() < LIMIT))
    )  # fmt: skip
    if usable and all_in(values, keys):
        return np.ones(len(values), dtype=bool)
    return pd.Series(values).isin(keys).to_numpy()
