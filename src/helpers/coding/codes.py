"""Columns of two codings as integer codes on one shared set of categories: each distinct value
is written as text once and numbered by the rank of its text among the texts of both codings,
so that codes are equal where the texts are and sort as Python sorts the texts. Text is made
again only for the rows shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Text = Callable[[pd.Index], np.ndarray]  # distinct values -> their text (object array of str)


def key_text(values: pd.Index) -> np.ndarray:
    """A key's distinct values as text (``str`` of each)."""
    return np.asarray(values.astype(str), dtype=object)


def value_text(values: pd.Index) -> np.ndarray:
    """A coded value's distinct values as the coders wrote them (pandas' ``string``)."""
    return pd.Series(values).astype("string").to_numpy(dtype=object)


def categorised(column: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """A column's distinct values (its categories, or its values factorised) and each row's
    position among them (-1: missing)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories, column.cat.codes.to_numpy()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return pd.Index(uniques), codes


class Shared:
    """One set of categories for columns of both codings: ``text`` sorted as Python sorts
    strings, a row's code the position of its text there (missing: ``absent``'s position, or
    -1 when ``absent`` is None)."""

    def __init__(self, columns: Iterable[pd.Series], text: Text, absent: str | None = None):
        self._to_text = text
        self._seen: dict[int, tuple[pd.Index, np.ndarray]] = {}  # categories -> their text
        parts = [self._text_of(categorised(column)[0]) for column in columns]
        if absent is not None:
            parts.append(np.array([absent], dtype=object))
        found = pd.unique(np.concatenate(parts)) if parts else np.array([], dtype=object)
        order = pc.sort_indices(pa.array(found, type=pa.string())).to_numpy()  # UTF-8 order
        self.text = np.asarray(found, dtype=object)[order]
        self.index = pd.Index(self.text, dtype=object)
        self.absent = -1 if absent is None else int(self.index.get_loc(absent))
        self._ranks: dict[int, tuple[pd.Index, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.text)

    def _text_of(self, categories: pd.Index) -> np.ndarray:
        seen = self._seen.get(id(categories))
        if seen is None or seen[0] is not categories:
            seen = self._seen[id(categories)] = (categories, self._to_text(categories))
        return seen[1]

    def codes(self, column: pd.Series) -> np.ndarray:
        """Each row's code (int64)."""
        categories, at = categorised(column)
        ranks = self._ranks.get(id(categories))
        if ranks is None or ranks[0] is not categories:
            found = self.index.get_indexer(self._text_of(categories))
            ranks = (categories, np.append(found, self.absent).astype(np.int64))
            self._ranks[id(categories)] = ranks
        return ranks[1][at]  # position -1 (missing) takes the last: absent


def pack(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Rows of several code columns (each 0 to size - 1) as one int64 each, ordered as the
    tuples of codes are; renumbered densely (order kept) where the product would overflow."""
    packed = np.asarray(codes[0], dtype=np.int64)
    for column, size in zip(codes[1:], sizes[1:], strict=True):
        if len(packed) and int(packed.max()) >= (2**62) // max(size, 1):
            packed = np.unique(packed, return_inverse=True)[1].astype(np.int64)
        packed = packed * size + column
    return packed


def pack_pair(
    codes_a: list[np.ndarray], codes_b: list[np.ndarray], sizes: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``pack`` of the rows of both codings at once, so that equal rows get equal numbers."""
    both = pack([np.concatenate([x, y]) for x, y in zip(codes_a, codes_b, strict=True)], sizes)
    return both[: len(codes_a[0])], both[len(codes_a[0]) :]
