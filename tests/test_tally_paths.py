"""The counting paths of helpers.analysis.tally (nested distinct counts, histograms, keys too
wide to pack) and the interlocutor tables built on them give what plain pandas gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic import generate

from helpers.analysis import corroboration, interlocutors
from helpers.analysis.occasions import occasions
from helpers.analysis.scope import resolve
from helpers.analysis.tally import as_text, distinct_counts, histogram, tally
from helpers.paths import PROJECT_DATA as DATA


def nested_frame(n: int, seed: int) -> pd.DataFrame:
    """Rows of events, each in one occasion, with sources; keys with unused categories at both
    ends (the last groups' stretches of the sorted rows are empty) and missing values."""
    rng = np.random.default_rng(seed)
    event = rng.integers(0, 60, n)
    occasion = (event // 3).astype(float)
    occasion[event >= 54] = np.nan  # events outside the table: no occasion
    frame = pd.DataFrame(
        {
            "side": pd.Categorical(rng.choice(["a", "b"], n), categories=["z", "a", "b", "y"]),
            "year": pd.array(rng.integers(2000, 2004, n), dtype="Int64"),
            "event": pd.array([f"E{e}" for e in event], dtype="string"),
            "occasion": pd.array(occasion, dtype="Int64"),
            "source": pd.array(rng.choice(list("stuvw"), n), dtype="string"),
        }
    )
    frame.loc[rng.random(n) < 0.1, "year"] = pd.NA
    frame.loc[rng.random(n) < 0.1, "event"] = pd.NA
    frame.loc[rng.random(n) < 0.1, "source"] = pd.NA
    return frame


def as_dict(table: pd.DataFrame, keys: list[str], counts: list[str]) -> dict:
    return {
        tuple(None if pd.isna(v) else str(v) for v in row[: len(keys)]): tuple(
            int(x) for x in row[len(keys) :]
        )
        for row in table[[*keys, *counts]].itertuples(index=False)
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nested_distinct_counts_match_pandas(seed: int) -> None:
    frame = nested_frame(3_000, seed)
    keys = ["side", "year"]
    distinct = {"events": "event", "occasions": "occasion", "sources": "source"}
    got = tally(frame, keys, distinct=distinct, within={"event": "occasion"})
    apart = tally(frame, keys, distinct=distinct)
    expected = (
        frame.groupby(keys, observed=True, dropna=False)
        .agg(events=("event", "nunique"), occasions=("occasion", "nunique"))
        .join(frame.groupby(keys, observed=True, dropna=False).source.nunique())
        .reset_index()
    )
    counts = ["events", "occasions", "source"]
    assert as_dict(got.rename(columns={"sources": "source"}), keys, counts) == as_dict(
        expected, keys, counts
    )
    pd.testing.assert_frame_equal(got, apart)


def test_nested_columns_must_be_counted() -> None:
    frame = nested_frame(10, 1)
    with pytest.raises(ValueError, match="not a pair of distinct columns"):
        tally(frame, ["side"], distinct={"events": "event"}, within={"event": "occasion"})
    with pytest.raises(ValueError, match="one inner column per outer column"):
        distinct = {"e": "event", "s": "source", "o": "occasion"}
        tally(
            frame, ["side"], distinct=distinct, within={"event": "occasion", "source": "occasion"}
        )


def test_codes_too_wide_to_pack_are_counted_apart() -> None:
    rng = np.random.default_rng(5)
    group = rng.integers(0, 7, 2_000)
    outer, inner = rng.integers(-1, 30, 2_000), rng.integers(-1, 50, 2_000)
    narrow = distinct_counts(group, 9, [(outer, 30), (inner, 50)])
    wide = distinct_counts(group, 9, [(outer, 2**40), (inner, 2**40)])  # 9 + 41 + 41 bits > 63
    for a, b in zip(narrow, wide, strict=True):
        assert (a == b).all()
    assert narrow[1][7:].sum() == 0 and narrow[1][:7].min() > 0  # groups 7 and 8 are empty


def test_distinct_counts_of_nothing() -> None:
    empty = np.zeros(0, dtype=np.int64)
    got = distinct_counts(empty, 3, [(empty, 4), (empty, 5)])
    assert [list(c) for c in got] == [[0, 0, 0], [0, 0, 0]]
    frame = nested_frame(10, 1).iloc[:0]
    table = tally(
        frame, ["side"], distinct={"e": "event", "o": "occasion"}, within={"event": "occasion"}
    )
    assert list(table.columns) == ["side", "e", "o"] and table.empty


@pytest.mark.parametrize("seed", [1, 2])
def test_histogram_is_a_tally_of_a_tally(seed: int) -> None:
    frame = nested_frame(3_000, seed)
    frame.loc[frame.occasion == 0, "source"] = pd.NA  # units without a source
    unit = ["year", "occasion"]
    per_unit = tally(frame, ["side", *unit], distinct={"sources": "source"})
    expected = tally(per_unit, ["side", "sources"], count="items")
    got = histogram(frame, ["side"], unit, "source", name="sources", count="items")
    pd.testing.assert_frame_equal(got, expected)
    assert (got.sources == 0).any()  # units whose sources are all missing are counted too


def test_histogram_of_nothing() -> None:
    frame = nested_frame(10, 1).iloc[:0]
    got = histogram(frame, ["side"], ["year"], "source", name="sources", count="items")
    assert list(got.columns) == ["side", "sources", "items"] and got.empty


def test_as_text_is_astype_string() -> None:
    frame = nested_frame(500, 4)
    for column in ("side", "year", "event"):
        pd.testing.assert_series_equal(as_text(frame[column]), frame[column].astype("string"))


def attendance_by_pandas(scope) -> pd.DataFrame:
    """interlocutors_by_year's counts the plain way: a merge and groupby().nunique()."""
    occ = occasions(scope.tables["events"]).astype({"event_id": "string"})
    part = scope.tables["participants"].astype({"event_id": "string"})
    rows = part.merge(occ, on="event_id", how="left")
    keys = ["side", "partner_id", "person_id", "year"]
    return (
        rows.groupby(keys, observed=True, dropna=False)
        .agg(
            events=("event_id", "nunique"),
            occasions=("occasion_id", "nunique"),
            sources=("source_id", "nunique"),
        )
        .reset_index()
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, n_occasions=60)
    return folder


@pytest.mark.parametrize("observers", [True, False])
@pytest.mark.parametrize("where", ["project", "generated"])
def test_interlocutors_match_pandas(where: str, observers: bool, generated: Path) -> None:
    scope = resolve(DATA if where == "project" else generated, include_observers=observers)
    got = interlocutors.interlocutors_by_year(scope)
    expected = attendance_by_pandas(scope)
    keys, counts = ["side", "partner_id", "person_id", "year"], ["events", "occasions", "sources"]
    got = got.assign(year=got.year.replace("undated", None))
    assert as_dict(got, keys, counts) == as_dict(expected, keys, counts)
    continuity = interlocutors.continuity(scope).set_index(["side", "person_id"]).occasions
    assert set(continuity.index) <= set(zip(got.side, got.person_id, strict=True))
    by_person = got.groupby(["side", "person_id"]).occasions.sum()
    assert (continuity == by_person.reindex(continuity.index)).all()
    table = corroboration.corroboration(scope)
    assert (table["items"] > 0).all() and table.sources.min() >= 0
