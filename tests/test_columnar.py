"""The columnar copy of a data package: read back exactly as the CSV files are read, keyed by
the bytes of the data, and never trusted when it cannot be read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.dataset import columnar, load
from helpers.dataset.read import read_dataset
from helpers.paths import PROJECT_DATA


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(columnar, "CACHE", tmp_path / "columnar")
    return tmp_path / "columnar"


def test_copy_reads_back_the_typed_tables_exactly(cache) -> None:
    tables = read_dataset(PROJECT_DATA)
    columnar.save_copy("k", tables)
    again = columnar.load_copy("k")
    assert again is not None and set(again) == set(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(again[name], frame)
        for column in frame:
            assert again[name][column].dtype == frame[column].dtype, (name, column)
    # keys still share the referenced table's categories, so joins stay lookups by code
    events, links = again["events"], again["event_themes"]
    assert links.event_id.dtype == events.event_id.dtype


def test_load_dataset_makes_the_copy_once_and_reads_it(cache) -> None:
    first = load.load_dataset(PROJECT_DATA)
    assert len(list(cache.iterdir())) == 1
    second = load.load_dataset(PROJECT_DATA)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_changed_data_get_a_copy_of_their_own(cache, data_copy) -> None:
    key = columnar.copy_key(data_copy)
    assert key == columnar.copy_key(PROJECT_DATA)  # same bytes, same copy
    with open(data_copy / "themes.csv", "a", encoding="utf-8") as handle:
        handle.write("piracy,crime,Piracy,Robbery at sea (fictional test theme).,,crime,\n")
    assert columnar.copy_key(data_copy) != key
    tables = load.load_dataset(data_copy, validate=False)
    assert "piracy" in set(tables["themes"].theme_id.astype(str))


def test_a_damaged_copy_is_not_read(cache) -> None:
    tables = read_dataset(PROJECT_DATA)
    columnar.save_copy("k", tables)
    (cache / "k" / "events.parquet").write_bytes(b"not parquet")
    assert columnar.load_copy("k") is None
    shutil.rmtree(cache / "k")
    assert columnar.load_copy("k") is None
