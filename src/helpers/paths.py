"""Where the project's own files are: the one place that knows the repository's layout."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DATA = PROJECT_ROOT / "data"
PROJECT_FIGURES = PROJECT_ROOT / "figures"
PROJECT_NOTEBOOKS = PROJECT_ROOT / "notebooks"
PROJECT_SITE = PROJECT_ROOT / "site"
PARAMETERS_FILE = PROJECT_NOTEBOOKS / "report.yml"
DESCRIPTOR_NAME = "datapackage.json"
CODEBOOK_NAME = "CODEBOOK.md"
