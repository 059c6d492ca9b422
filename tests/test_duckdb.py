"""The DuckDB read path: views over a data package's columnar copy hold the values of its CSV
files, a folder of plain Parquet files reads as well, and occasions counted in SQL equal the
pandas path's counts (on data/ and on a generated, fictional dataset)."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic import generate

from helpers.analysis.dataset_overview import counts_by_partner_year
from helpers.analysis.occasion_sql import occasion_counts
from helpers.analysis.scope import resolve
from helpers.dataset.duck import connect
from helpers.dataset.load import read_typed
from helpers.errors import DataError
from helpers.paths import PROJECT_DATA


def pandas_counts(data_dir) -> pd.DataFrame:
    table = counts_by_partner_year(resolve(data_dir, validate=False))
    columns = ["partner_id", "year", "events", "occasions"]
    return table[table.events > 0][columns].reset_index(drop=True)


def as_text(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Every value as text (missing as None), rows in key order: to compare two readings."""
    text = frame.astype(object).where(frame.notna(), None).astype(str)
    return text.sort_values(key).reset_index(drop=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("duck") / "data"
    generate(folder, n_occasions=400)  # visits with meetings, undated occasions, five partners
    return folder


@pytest.mark.parametrize("which", ["project", "generated"])
def test_occasions_counted_in_sql_equal_the_pandas_path(which, generated) -> None:
    data_dir = PROJECT_DATA if which == "project" else generated
    found = occasion_counts(connect(data_dir, validate=False))
    expected = pandas_counts(data_dir)
    assert len(expected) > 2 and expected.occasions.sum() < expected.events.sum()
    pd.testing.assert_frame_equal(found, expected)


def test_views_of_a_package_hold_its_values() -> None:
    con = connect(PROJECT_DATA)
    typed = read_typed(PROJECT_DATA)
    for name in ("events", "participants", "instrument_steps", "themes"):
        viewed = con.execute(f'SELECT * FROM "{name}"').df()
        assert list(viewed.columns) == list(typed[name].columns), name
        key = typed[name].columns[0]
        pd.testing.assert_frame_equal(as_text(viewed, key), as_text(typed[name], key))


def test_a_folder_of_parquet_files_reads_and_counts(tmp_path, generated) -> None:
    # plain values, as another tool writes them; events in two parts, plus a meeting whose
    # visit is not in the table (it keeps its own year)
    events = read_typed(generated)["events"].astype(object)
    events = events.where(events.notna(), None)
    orphan = events.iloc[[0]].assign(event_id="E-orphan", parent_event_id="E-absent")
    events = pd.concat([events, orphan], ignore_index=True)
    (tmp_path / "events").mkdir()
    half = len(events) // 2
    events.iloc[:half].to_parquet(tmp_path / "events" / "part-0.parquet")
    events.iloc[half:].to_parquet(tmp_path / "events" / "part-1.parquet")
    con = connect(tmp_path, memory_limit="256MB")
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == len(events)
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    found = occasion_counts(con)
    expected = pandas_counts(generated)
    start = orphan.start_date.iloc[0]
    year = start[:4] if start else "undated"
    row = (expected.partner_id == orphan.partner_id.iloc[0]) & (expected.year == year)
    expected.loc[row, ["events", "occasions"]] += 1  # the orphan: an occasion of its own
    pd.testing.assert_frame_equal(found, expected)


def test_a_folder_without_parquet_files_is_refused(tmp_path) -> None:
    with pytest.raises(DataError, match="no <table>.parquet file"):
        connect(tmp_path)
