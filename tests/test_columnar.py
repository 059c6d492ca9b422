"""The columnar copy of a data package: read back exactly as the CSV files are read, keyed by
the bytes of the data, and never trusted when it cannot be read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from synthetic import generate

from helpers.dataset import columnar, load, read
from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.keys import key_columns
from helpers.dataset.read import read_dataset
from helpers.dataset.schema import Field, Schema, Table
from helpers.errors import DataError
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
    (cache / "k" / "events.arrow").write_bytes(b"not an Arrow file")
    assert columnar.load_copy("k") is None
    shutil.rmtree(cache / "k")
    assert columnar.load_copy("k") is None


# The typed tables come from the validator's reader (pyarrow, dictionary-encoded columns) where a
# file is well formed, else from pandas' reader, as text; both must give the very same frames.

FICTIONAL = Path(__file__).parent / "fixtures" / "fictional_study"


def _by_pandas(data_dir: Path) -> dict[str, pd.DataFrame]:
    """``read_dataset`` as it was before the fast reader: every table through pandas."""
    schema = Schema.of(data_dir)
    return read.encode(
        {name: read._read_text(data_dir / t.path, t) for name, t in schema.tables.items()}, schema
    )


def _assert_same(found: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert list(found) == list(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(found[name], frame, check_exact=True)
        for column in frame:
            a, b = found[name][column].dtype, frame[column].dtype
            assert a == b and str(a) == str(b), (name, column, a, b)
            if isinstance(b, pd.CategoricalDtype):
                assert a.categories.equals(b.categories) and a.ordered == b.ordered


def _coder_a(tmp_path: Path) -> Path:
    """The fictional study's first coder's tables over the project's descriptor."""
    folder = Path(shutil.copytree(PROJECT_DATA, tmp_path / "coder_a", ignore=lambda *_: []))
    for csv in (FICTIONAL / "coder_a").glob("*.csv"):
        shutil.copy(csv, folder / csv.name)
    return folder


def _generated(tmp_path: Path) -> Path:
    generate(tmp_path / "generated", n_occasions=1_500)
    return tmp_path / "generated"


@pytest.mark.parametrize(
    "folder",
    [lambda _: PROJECT_DATA, lambda _: PROJECT_DATA / "coder_b", _coder_a, _generated],
    ids=["data", "coder_b", "coder_a", "generated"],
)
def test_fast_reader_gives_the_tables_pandas_gives(folder, tmp_path) -> None:
    data_dir = folder(tmp_path)
    schema = Schema.of(data_dir)
    for table in schema.tables.values():  # the fast reader is the one that read them
        assert read._distinct_cells(data_dir / table.path) is not None, table.path
    try:
        expected = _by_pandas(data_dir)
    except DataError as exc:  # coder_a's events name bodies that only a merge brings
        with pytest.raises(DataError) as found:
            read.read_dataset(data_dir)
        assert str(found.value) == str(exc)
    else:
        _assert_same(read.read_dataset(data_dir), expected)
    for name, table in schema.tables.items():
        _assert_same(
            {name: read.read_table(data_dir, table)},
            {name: read._read_text(data_dir / table.path, table)},
        )


FIELDS = (
    Field("a", "string", "", {}),
    Field("b", "string", "", {}),
    Field("n", "integer", "", {}),
    Field("e", "string", "", {"enum": ["x", "NA", "1"]}),
)
TRICKY = {
    "quoted-commas": b'a,b,n,e\n"x,y","1,2",3,x\n',
    "newlines-in-cells": b'a,b,n,e\n"one\ntwo","three\r\nfour",1,NA\nz,,,\n',
    "missing-words-stay-text": b"a,b,n,e\nNA,null,,NA\nnan,None,2,1\nN/A,NaN,,\n",
    "byte-order-mark": b"\xef\xbb\xbfa,b,n,e\nx,y,1,x\n",
    "crlf": b"a,b,n,e\r\nx,,1,x\r\n,y,,\r\n",
    "quotes-inside": b'a,b,n,e\n"he said ""hi""",x"y,1,x\n"a"b, "c",2,1\n',
    "empty-quoted-cell": b'a,b,n,e\n"",x,1,""\n',
    "header-only": b"a,b,n,e\n",
    "columns-in-another-order": b"e,n,b,a\nx,1,y,z\n",
    "no-final-line-break": b"a,b,n,e\nx,y,1,x",
    "blank-line": b"a,b,n,e\nx,y,1,x\n\nz,w,2,1\n",
    "blank-line-crlf": b"a,b,n,e\r\nx,y,1,x\r\n\r\nz,w,2,1\r\n",
    "row-of-empty-cells": b"a,b,n,e\n,,,\nx,y,1,x\n",
    "quote-left-open": b'a,b,n,e\nx,y,1,"x\n',
    "short-row": b"a,b,n,e\nx,y,1\n",
    "long-row": b"a,b,n,e\nx,y,1,x,extra\n",
    "not-a-whole-number": b"a,b,n,e\nx,y,1,x\nx,y,two,x\nx,y, 3,x\n",
    "number-too-large": b"a,b,n,e\nx,y,99999999999999999999,x\n",
    "not-in-vocabulary": b"a,b,n,e\nx,y,1,zz\n",
    "missing-column": b"a,b,e\nx,y,x\n",
    "repeated-label": b"a,b,n,e,a\nx,y,1,x,w\n",
    "not-utf8": b"a,b,n,e\nx,\xff,1,x\n",
}
ONE_COLUMN = {
    "one-column": b"a\nx\ny\n",
    "one-column-blank-line": b"a\nx\n\ny\n",
    "one-column-line-of-spaces": b"a\nx\n \ny\n",
    "one-column-empty-quoted": b'a\nx\n""\ny\n',
}


def _outcome(read_with, path: Path, table: Table) -> pd.DataFrame | tuple[str, str]:
    try:
        return read_with(path, table)
    except Exception as exc:  # noqa: BLE001 - the two readers must fail alike
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("name", TRICKY)
def test_tricky_files_read_as_pandas_reads_them(name, tmp_path) -> None:
    (tmp_path / "t.csv").write_bytes(TRICKY[name])
    table = Table("t", "t", "", "t.csv", FIELDS, (), ())
    found = _outcome(lambda p, t: read.read_table(p.parent, t), tmp_path / "t.csv", table)
    expected = _outcome(read._read_text, tmp_path / "t.csv", table)
    if isinstance(expected, tuple) or isinstance(found, tuple):
        assert found == expected
    else:
        _assert_same({name: found}, {name: expected})
        if name == "missing-words-stay-text":
            assert list(found.a) == ["NA", "nan", "N/A"] and found.b.isna().sum() == 0


@pytest.mark.parametrize("name", ONE_COLUMN)
def test_a_table_of_one_column_reads_as_pandas_reads_it(name, tmp_path) -> None:
    (tmp_path / "t.csv").write_bytes(ONE_COLUMN[name])
    table = Table("t", "t", "", "t.csv", FIELDS[:1], (), ())
    found = read.read_table(tmp_path, table)
    _assert_same({name: found}, {name: read._read_text(tmp_path / "t.csv", table)})


def test_the_fast_reader_leaves_files_pandas_reads_otherwise_to_pandas(tmp_path) -> None:
    for name in ("blank-line", "blank-line-crlf", "quote-left-open", "no-final-line-break"):
        (tmp_path / f"{name}.csv").write_bytes(TRICKY[name])
        assert read._distinct_cells(tmp_path / f"{name}.csv") is None, name
    (tmp_path / "ok.csv").write_bytes(TRICKY["row-of-empty-cells"])
    assert read._distinct_cells(tmp_path / "ok.csv") is not None


def test_key_columns_are_the_columns_encode_keys_encodes() -> None:
    schema = Schema.of(PROJECT_DATA)
    tables = _by_pandas(PROJECT_DATA)
    for name, table in schema.tables.items():
        raw = read._read_text(PROJECT_DATA / table.path, table)
        encoded = [
            c
            for c in tables[name]
            if isinstance(tables[name][c].dtype, pd.CategoricalDtype)
            and not isinstance(raw[c].dtype, pd.CategoricalDtype)
            and c not in getattr(DATE_GROUPS.get(name), "dates", ())
        ]
        assert sorted(key_columns(schema, table)) == sorted(encoded), name
