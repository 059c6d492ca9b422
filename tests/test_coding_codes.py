"""The shared integer codes that intercoder reliability compares two codings on, and the check
that lets a disagreement's line be its row number plus 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.coding.codes import Shared, key_text, pack, pack_pair, value_text
from helpers.coding.reliability import one_line_records


def test_shared_codes_are_equal_where_the_texts_are_and_sort_as_the_texts() -> None:
    a = pd.Series(pd.Categorical(["b", "ä", None, "B"], categories=["ä", "b", "B", "z"]))
    b = pd.Series(["B", "a", None, "b"], dtype=object)
    shared = Shared([a, b], value_text, absent="(none)")
    text_a, text_b = shared.text[shared.codes(a)], shared.text[shared.codes(b)]
    assert text_a.tolist() == ["b", "ä", "(none)", "B"]
    assert text_b.tolist() == ["B", "a", "(none)", "b"]
    assert shared.text.tolist() == sorted(shared.text.tolist())  # as Python sorts strings
    assert "z" in shared.text  # an unused category keeps a code


def test_a_key_without_absent_text_codes_missing_as_minus_one() -> None:
    column = pd.Series(pd.Categorical(["E2", None, "E10"]))
    assert Shared([column], key_text).codes(column).tolist() == [1, -1, 0]  # "E10" < "E2"


def test_packed_rows_keep_the_order_of_their_tuples() -> None:
    rng = np.random.default_rng(1)
    codes = [rng.integers(0, 5, 200), rng.integers(0, 7, 200), rng.integers(0, 3, 200)]
    for sizes in ([5, 7, 3], [5, 2**40, 2**40]):  # the second renumbers to avoid overflow
        packed = pack(codes, sizes)
        tuples = list(zip(*(c.tolist() for c in codes), strict=True))
        assert [tuples[i] for i in np.argsort(packed, kind="stable")] == sorted(tuples)
        assert len(np.unique(packed)) == len(set(tuples))
    x, y = pack_pair([codes[0][:50], codes[1][:50]], [codes[0][50:], codes[1][50:]], [5, 7])
    assert np.array_equal(np.concatenate([x, y]), pack(codes[:2], [5, 7]))


@pytest.mark.parametrize(
    ("body", "one_line"),
    [
        (b"id,text\n1,a\n2,b\n", True),
        (b"id,text\n1,a\n2,b", True),  # no line break after the last record
        (b'id,text\n1,"a\nb"\n2,b\n', False),  # a cell on two lines
        (b'id,text\n1,"a\nb"\n2,b', False),
        (b"id,text\r\n1,a\r\n2,b\r\n", False),  # a carriage return ends a line too
        (b"id,text\n1,a\n\n2,b\n", False),  # a blank line
    ],
)
def test_one_line_records(tmp_path: Path, body: bytes, one_line: bool) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(body)
    assert one_line_records(path, 2) is one_line
