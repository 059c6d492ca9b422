"""Load a data directory for analysis: validate it, then read it typed (see ``read``), through
its columnar copy (``columnar``) when one was made for these bytes and this code.

Validation runs once per content in a process: data whose checksum (``checksum``) passed
validation before, against the same project descriptor, are not validated again; any change to
a declared file, or to the descriptor, validates again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from helpers.dataset.checksum import data_checksum
from helpers.paths import PROJECT_DATA

if TYPE_CHECKING:
    import pandas as pd

_VALIDATED: set[tuple[str, str]] = set()  # (data, project descriptor) checksums that passed


def require_valid_once(data_dir: Path | str) -> tuple[str, str]:
    """``require_valid``, skipped for data whose exact bytes passed it in this process; returns
    the key they passed under (for ``remember_valid`` in another process)."""
    key = (data_checksum(data_dir), data_checksum(PROJECT_DATA))
    if key not in _VALIDATED:
        # imported here: the validator's libraries (pyarrow's CSV reader and compute kernels)
        # are not needed by a notebook handed validated data (validate_data=False)
        from helpers.dataset.validate import require_valid

        require_valid(data_dir)
        _VALIDATED.add(key)
    return key


def remember_valid(key: tuple[str, str]) -> None:
    """Take data as validated in this process that ``require_valid_once`` passed in another."""
    _VALIDATED.add(key)


def load_dataset(data_dir: Path | str, *, validate: bool = True) -> dict[str, pd.DataFrame]:
    """Every table of a data directory, validated first (raises DataError with all problems;
    see ``require_valid_once``)."""
    if validate:
        require_valid_once(data_dir)
    return read_typed(data_dir)


def read_typed(data_dir: Path | str) -> dict[str, pd.DataFrame]:
    """``read_dataset``, from the columnar copy of these bytes when there is one; else read
    from the CSV files, and the copy made for the next reader."""
    # imported here: a process that only validates in another (the report's runner) or only
    # remembers data as valid does not need pandas
    from helpers.dataset.columnar import copy_key, load_copy, save_copy
    from helpers.dataset.read import read_dataset

    key = copy_key(data_dir)
    tables = load_copy(key)
    if tables is None:
        tables = read_dataset(data_dir)
        save_copy(key, tables)
    return tables
