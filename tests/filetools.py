"""Small file helpers and places shared by the tests."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from helpers.files import TEMP_NAME
from helpers.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"  # the source articles, beside the project
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="source articles not present")


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by relative path: to show nothing was written.

    Temporaries of a writer still at work (``helpers.files.TEMP_NAME``: the stored notebooks
    that nbval runs on another worker write the project's figures, the same bytes, through
    them) are left out: they are never outputs, and their writer removes them."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(TEMP_NAME.match(part) for part in p.relative_to(folder).parts)
    }


def read_rows(path: Path) -> list[list[str]]:
    """The records of a CSV file, each as its list of cells."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ","
) -> None:
    """``rows`` written as a CSV file with LF line ends, as the data files are (in another
    ``encoding`` or with another ``delimiter`` where a test damages a file)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
