"""The fast paths (shared categorical keys, counting on codes) give what plain pandas gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.analysis.tally import tally
from helpers.dataset.keys import encode_keys, positions
from helpers.dataset.load import load_dataset
from helpers.dataset.schema import Schema
from helpers.errors import DataError
from helpers.paths import PROJECT_DATA as DATA


def random_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefg"), dtype=object)
    frame = pd.DataFrame(
        {
            "cat": pd.Categorical(rng.choice(letters[:4], n), categories=list("dcba")),
            "text": pd.array(rng.choice(letters, n), dtype="string"),
            "year": pd.array(rng.integers(1990, 1995, n), dtype="Int64"),
            "value": pd.array(rng.choice(letters, n), dtype="string"),
            "flag": rng.integers(0, 2, n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "year"] = pd.NA
    frame.loc[rng.random(n) < 0.1, "text"] = pd.NA
    frame.loc[rng.random(n) < 0.2, "value"] = pd.NA
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tally_matches_pandas_groupby(seed: int) -> None:
    frame = random_frame(5_000, seed)
    keys = ["cat", "text", "year"]
    got = tally(frame, keys, count="rows", sums=("flag",), distinct={"values": "value"})
    expected = (
        frame.groupby(keys, observed=True, dropna=False)
        .agg(rows=("flag", "size"), flag=("flag", "sum"), values=("value", "nunique"))
        .reset_index()
    )

    def as_dict(table: pd.DataFrame) -> dict:
        return {
            tuple(None if pd.isna(v) else str(v) for v in row[:3]): tuple(int(x) for x in row[3:])
            for row in table[[*keys, "rows", "flag", "values"]].itertuples(index=False)
        }

    assert len(got) == len(expected)
    assert as_dict(got) == as_dict(expected)


def test_tally_of_nothing() -> None:
    frame = random_frame(10, 1).iloc[:0]
    got = tally(frame, ["cat", "year"], count="rows", distinct={"values": "value"})
    assert list(got.columns) == ["cat", "year", "rows", "values"] and got.empty


def test_positions_by_code_equal_positions_by_value() -> None:
    tables = load_dataset(DATA, validate=False)
    events, links = tables["events"], tables["event_themes"]
    assert isinstance(links.event_id.dtype, pd.CategoricalDtype)
    expected = pd.Index(events.event_id.astype(str)).get_indexer(links.event_id.astype(str))
    assert (positions(links.event_id, events.event_id) == expected).all()
    # a subset of the keys: absent ones give -1, by code and by value alike
    some = events.iloc[::2]
    by_value = positions(links.event_id.astype("string"), some.event_id.astype("string"))
    assert (positions(links.event_id, some.event_id) == by_value).all()
    assert (by_value == -1).any()


def test_parents_are_missing_or_found() -> None:
    events = load_dataset(DATA, validate=False)["events"]
    found = positions(events.parent_event_id, events.event_id)
    assert ((found >= 0) == events.parent_event_id.notna().to_numpy()).all()


def test_dangling_foreign_key_is_an_error_not_a_missing_value(data_copy: Path) -> None:
    path = data_copy / "event_themes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], "E999", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"event_themes.csv, row 2, column event_id, value 'E999'"):
        load_dataset(data_copy, validate=False)


def test_duplicate_primary_key_is_an_error() -> None:
    schema = Schema.of(DATA)
    partners = pd.DataFrame({"partner_id": pd.array(["VNM", "VNM"], dtype="string")})
    with pytest.raises(DataError, match=r"partners.csv, row 3, column partner_id, value 'VNM'"):
        encode_keys({"partners": partners}, schema)


def test_key_errors_name_the_line_of_the_file_after_a_cell_spanning_lines(data_copy) -> None:
    """A quoted note written on two lines moves every later record one line down."""
    path = data_copy / "event_themes.csv"
    header, first, second, *rest = path.read_text(encoding="utf-8").splitlines()
    first = first.rsplit(",", 1)[0] + ',"A note written\non two lines."'
    second = "E999" + second[second.index(",") :]
    path.write_text("\n".join([header, first, second, *rest]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"event_themes.csv, row 4, column event_id, value 'E999'"):
        load_dataset(data_copy, validate=False)
