"""The vectorised validator on the data it is built for: generated data directories large
enough that pyarrow reads their files in several blocks (the data are SYNTHETIC, written by
benchmarks/synthetic_dataset.py), its two readers of a CSV file, and its patterns in RE2."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from helpers.dataset.records import _fast, _slow
from helpers.dataset.schema import Schema
from helpers.dataset.tabular import _pattern_broken
from helpers.dataset.validate import validate_dataset
from helpers.paths import PROJECT_DATA, PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from synthetic_dataset import write_dataset  # noqa: E402

N_EVENTS = 5_000  # reports.csv is then over 1 MiB: pyarrow reads it in several blocks


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("generated") / "data"
    write_dataset(data, N_EVENTS)
    return data


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _set(path: Path, key: tuple[str, ...], column: str, value: str) -> int:
    """Set one cell of the row whose leading cells are ``key``; return its line."""
    rows = _rows(path)
    line = next(i for i, row in enumerate(rows) if tuple(row[: len(key)]) == key) + 1
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return line


def test_generated_data_directory_is_valid(generated: Path) -> None:
    assert (generated / "reports.csv").stat().st_size > 2**20
    assert validate_dataset(generated) == []


def test_problems_in_a_large_table_name_their_line(generated: Path, tmp_path: Path) -> None:
    """One broken cell of each kind, far down large files: each reported where it is."""
    data = tmp_path / "data"
    data.mkdir()
    for path in generated.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    reports = _rows(data / "reports.csv")
    far = reports[-7]  # a report near the end of the file
    lines = {
        "enum": _set(data / "reports.csv", tuple(far[:2]), "mode", "hybrid"),
        "fk": _set(
            data / "participants.csv",
            tuple(_rows(data / "participants.csv")[-3][:3]),
            "person_id",
            "nobody",
        ),  # fmt: skip
        "pattern": _set(data / "events.csv", ("E0004321",), "start_date", "2020/01/01"),
    }
    found = {(p.file, p.row, p.column, p.value, p.rule) for p in validate_dataset(data)}
    assert ("reports.csv", lines["enum"], "mode", "hybrid", "constraint-error") in found
    assert ("participants.csv", lines["fk"], "person_id", "nobody", "foreign-key") in found
    assert ("events.csv", lines["pattern"], "start_date", "2020/01/01", "constraint-error") in found


def _records(path: Path, body: bytes) -> tuple[list[str], list[list[str | None]], list[int]]:
    fast = _fast(path, body)
    assert fast is not None, f"{path.name}: the fast reader refused a well-formed file"
    columns = [pa.chunked_array([c]) if isinstance(c, pa.Array) else c for c in fast.columns]
    return fast.labels, [c.to_pylist() for c in columns], fast.lines.tolist()


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECT_DATA.glob("*.csv")))
def test_fast_and_exact_readers_agree(name: str, tmp_path: Path) -> None:
    """pyarrow's reading of a well-formed file is the csv module's: cells and lines, also
    with a cell over two lines and with Windows line ends."""
    path = tmp_path / name
    rows = _rows(PROJECT_DATA / name)
    rows[1][-1] += "\nsecond line"
    for ending in ("\n", "\r\n"):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator=ending).writerows(rows)
        body = path.read_bytes()
        exact = _slow(body.decode("utf-8"))
        labels, cells, lines = _records(path, body)
        assert labels == exact.labels
        assert cells == [c.to_pylist() for c in exact.columns]
        assert lines == exact.lines.tolist()
        assert lines[1] == 4  # the first row spans lines 2 and 3


@pytest.mark.parametrize(
    "pattern",
    sorted(
        {
            f.constraints["pattern"]
            for t in Schema.project().tables.values()
            for f in t.fields
            if "pattern" in f.constraints
        }
        | {"a|b", "[^x]+"}
    ),  # fmt: skip
)
def test_patterns_judge_cells_as_python_does(pattern: str) -> None:
    """RE2 over the whole column and Python's re on each cell agree, a final line break
    included (Python's $ matches before it)."""
    cells = ["E012", "E012\n", "E12", "e012", "E٠١٢", "S001", "2024-01-01", "2024-1-1", "AB",
             "VNM", "VNM-MPS", "hun-sen", "Hun_Sen", "a", "b", "ab", "x", "0" * 64, ""]  # fmt: skip
    python = re.compile(f"^{pattern}$").match
    expected = [not python(c) for c in cells]
    assert _pattern_broken(pattern, pa.array(cells)).tolist() == expected


def test_a_rule_broken_on_every_row_lists_a_thousand_and_counts_the_rest(
    generated: Path, tmp_path: Path
) -> None:
    """A whole column spelled wrongly: the first 1,000 rows named, then how many more."""
    data = tmp_path / "data"
    data.mkdir()
    for path in generated.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    events = data / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").replace(",in_person,", ",hybrid,"))
    found = [p for p in validate_dataset(data) if (p.file, p.column) == ("events.csv", "mode")]
    rows = [p for p in found if p.row is not None]
    assert len(rows) == 1000 and {p.value for p in rows} == {"hybrid"}
    assert [p.row for p in rows] == list(range(2, 1002))
    (more,) = [p for p in found if p.row is None]
    assert more.rule == "constraint-error"
    assert (
        more.message
        == f"and {N_EVENTS - 1000:,d} more rows like these (the first 1,000 are listed)"
    )
