"""The validator's quick paths on large generated tables (SYNTHETIC data, written by
benchmarks/synthetic_dataset.py): set questions answered by one sort (``membership``), foreign
keys looked up once per referenced key, and record lines worked out from the line breaks inside
cells. Each must still name file, line, column and value when it finds something."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filetools import read_rows, write_rows

from helpers.dataset.lines import record_starts
from helpers.dataset.membership import LIMIT, all_in, distinct, has_repeats, is_in
from helpers.dataset.validate import validate_dataset
from helpers.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from synthetic_dataset import write_dataset  # noqa: E402

N_EVENTS = 5_000  # several of pyarrow's blocks per large file


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("generated") / "data"
    write_dataset(data, N_EVENTS)
    return data


@pytest.fixture
def data(generated: Path, tmp_path: Path) -> Path:
    """A copy of the generated directory to break."""
    copy = tmp_path / "data"
    copy.mkdir()
    for path in generated.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    return copy


def _found(data: Path) -> set[tuple]:
    return {(p.file, p.row, p.column, p.value, p.rule) for p in validate_dataset(data)}


@pytest.mark.parametrize("scale", [1, 2**40], ids=["dense: flags", "sparse: sorted"])
@pytest.mark.parametrize("seed", range(5))
def test_membership_agrees_with_hashing(seed: int, scale: int) -> None:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 50, 40) * scale
    values = rng.integers(0, 60 if seed % 2 else 50, 200) * scale
    expected = pd.Series(values).isin(keys).to_numpy()
    assert is_in(values, keys).tolist() == expected.tolist()
    assert all_in(values, keys) == bool(expected.all())
    assert all_in(keys, keys) and all_in(values[:0], keys) and not all_in(values, keys[:0])
    assert has_repeats(values) == bool(pd.Series(values).duplicated().any())
    assert not has_repeats(np.array([-1, -1, 3, 2]) * scale)  # -1 (no value) is not a value
    assert has_repeats(np.array([-1, 5, 2, 5]) * scale)
    huge = np.array([LIMIT + 1, 3])  # beyond the sort's codes: looked up by hashing
    assert is_in(huge, np.array([3])).tolist() == [False, True]


@pytest.mark.parametrize(
    "codes",
    [
        np.random.default_rng(1).integers(0, 1000, 5000),  # dense: marked in a table
        np.random.default_rng(2).integers(0, 2**40, 300),  # sparse: sorted
        np.random.default_rng(3).integers(-5, 5, 100),  # -1 and other negatives: sorted
        np.array([7, 7, 7], dtype=np.int32),
        np.array([], dtype=np.int64),
    ],
    ids=["dense", "sparse", "negative", "int32", "empty"],
)
def test_distinct_is_what_numpy_unique_gives(codes: np.ndarray) -> None:
    found = distinct(codes)
    assert found.dtype == codes.dtype
    assert found.tolist() == np.unique(codes).tolist()


def test_a_bad_key_far_down_a_large_table_names_its_line_and_value(data: Path) -> None:
    """A theme link to an event that does not exist, near the end: the single key and the
    composite one (event, source) each name its line and value."""
    path = data / "event_themes.csv"
    rows = read_rows(path)
    rows[-5][0] = "E9999999"
    source = rows[-5][1]
    write_rows(path, rows)
    line = len(rows) - 4
    found = _found(data)
    assert ("event_themes.csv", line, "event_id", "E9999999", "foreign-key") in found
    composite = ("event_themes.csv", line, "event_id, source_id", f"E9999999, {source}")
    assert (*composite, "foreign-key") in found
    assert {p[1] for p in found if p[0] == "event_themes.csv" and p[4] == "foreign-key"} == {line}


def test_a_reported_pair_missing_from_reports_is_named(data: Path) -> None:
    """Event and source both exist, but no report pairs them: only the composite key fails."""
    path = data / "participants.csv"
    rows = read_rows(path)
    reports = {tuple(r[:2]) for r in read_rows(data / "reports.csv")[1:]}
    other = next(s for s in ("S0000001", "S0000002", "S0000003") if (rows[-3][0], s) not in reports)
    rows[-3][1] = other
    write_rows(path, rows)
    line = len(rows) - 2
    bad = [p for p in validate_dataset(data) if p.rule == "foreign-key"]
    assert [(p.file, p.row, p.column, p.value) for p in bad] == [
        ("participants.csv", line, "event_id, source_id", f"{rows[-3][0]}, {other}")
    ]


def test_a_repeated_key_far_down_names_the_earlier_line(data: Path) -> None:
    path = data / "participants.csv"
    rows = read_rows(path)
    original = len(rows) - 10  # the index of a row near the end; its line is one more
    rows.insert(len(rows) - 1, list(rows[original]))  # a copy, before the last row
    write_rows(path, rows)
    key = ", ".join(rows[original][:3])
    problems = [p for p in validate_dataset(data) if p.rule == "primary-key"]
    assert [(p.file, p.row, p.value) for p in problems] == [
        ("participants.csv", len(rows) - 1, key)
    ]
    assert problems[0].message == f"duplicate key: the same as in the row at line {original + 1}"


def test_cells_over_several_lines_give_physical_lines(data: Path) -> None:
    """Line breaks inside quoted cells early in a large file (LF and CRLF) move every later
    record down; a bad value further on is named at its line in the file, as the csv module
    counts it."""
    path = data / "event_themes.csv"
    rows = read_rows(path)
    evidence = rows[0].index("evidence")
    rows[3][evidence] += "\nsecond line\nthird"
    rows[200][evidence] += "\r\nanother line"
    rows[-2][rows[0].index("voice")] = "shouted"
    write_rows(path, rows)
    starts = record_starts(path)
    assert starts[-2] == len(rows) - 1 + 3  # three line breaks inside cells above it
    found = _found(data)
    assert ("event_themes.csv", starts[-2], "voice", "shouted", "constraint-error") in found
