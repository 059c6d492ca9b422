"""Set questions over integer codes (non-negative int64, below 2**62, as ``tabular.combine``
makes them), answered by one sort instead of a hash table: NumPy sorts integers with SIMD
instructions about ten times as fast as pandas hashes them. A check that finds nothing, the
common case of a valid table, costs that one sort; only rows that fail are looked up one by one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LIMIT = 2**62


def distinct(codes: np.ndarray) -> np.ndarray:
    """The distinct values of integer ``codes``, sorted, as ``np.unique(codes)`` gives them: by
    marking each in a table when they are non-negative and below a few times their number (as
    codes of a vocabulary or of a table's keys are), else by one sort. Not ``np.unique``, which
    since NumPy 2.3 hashes integers, about ten times slower than sorting a million distinct
    ones (numpy/numpy#28375)."""
    codes = np.asarray(codes)
    if not len(codes):
        return codes.copy()
    low, high = int(codes.min()), int(codes.max())
    if low >= 0 and high < 4 * len(codes) + 1024:
        seen = np.zeros(high + 1, dtype=bool)
        seen[codes] = True
        return np.flatnonzero(seen).astype(codes.dtype)
    found = np.sort(codes)
    return found[np.append(True, found[1:] != found[:-1])]


def has_repeats(codes: np.ndarray) -> bool:
    """Whether a code (>= 0; -1, no value, is left out) occurs on more than one row."""
    found = np.sort(codes[codes >= 0])
    return bool(np.any(found[1:] == found[:-1]))


def all_in(values: np.ndarray, keys: np.ndarray) -> bool:
    """Whether every one of ``values`` is among ``keys`` (codes in ``0 .. LIMIT - 1``)."""
    if not len(values):
        return True
    if not len(keys):
        return False
    # each code twice over, the lowest bit telling a key (0) from a value (1): sorted, a value
    # that some key equals comes after that key in its run of equal codes, so a run that starts
    # with a value is a code that no key holds
    tagged = np.concatenate([keys.astype(np.int64) << 1, (values.astype(np.int64) << 1) | 1])
    tagged.sort()
    code = tagged >> 1
    starts = np.flatnonzero(np.append(True, code[1:] != code[:-1]))
    return not bool(np.any(tagged[starts] & 1))


def is_in(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Per value: whether it is among ``keys`` (codes in ``0 .. LIMIT - 1``; others are looked
    up by hashing)."""
    usable = (
        (not len(values) or (values.min() >= 0 and values.max() < LIMIT))
        and (not len(keys) or (keys.min() >= 0 and keys.max() < LIMIT))
    )  # fmt: skip
    if usable and all_in(values, keys):
        return np.ones(len(values), dtype=bool)
    return pd.Series(values).isin(keys).to_numpy()
