"""Fixtures shared by the tests: a copy of the project's data to edit, and the project's whole
scope loaded once. The test helpers beside this file (synthetic.py, filetools.py) are made
importable."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.paths import PROJECT_DATA  # noqa: E402


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the project's data directory in the test's own folder, to edit."""
    return Path(shutil.copytree(PROJECT_DATA, tmp_path / "data"))


@pytest.fixture(scope="session")
def project_scope():
    """The project's dataset, validated and loaded, every partner, year and theme in scope."""
    from helpers.analysis.scope import resolve

    return resolve(PROJECT_DATA)
