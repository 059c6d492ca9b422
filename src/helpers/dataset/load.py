"""Load a data directory for analysis: validate it, then read it typed (see ``read``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.dataset.read import read_dataset
from helpers.dataset.validate import require_valid


def load_dataset(data_dir: Path | str, *, validate: bool = True) -> dict[str, pd.DataFrame]:
    """Every table of a data directory, validated first (raises DataError with all problems)."""
    if validate:
        require_valid(data_dir)
    return read_dataset(data_dir)
