"""Where the project's own files are: the one place that knows the repository's layout."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DATA = PROJECT_ROOT / "data"
PROJECT_FIGURES = PROJECT_ROOT / "figures"
PROJECT_NOTEBOOKS = PROJECT_ROOT / "notebooks"
PROJECT_SITE = PROJECT_ROOT / "site"
PARAMETERS_FILE = PROJECT_NOTEBOOKS / "report.yml"
SCRATCH = PROJECT_ROOT / "build" / "scratch"  # untracked: a notebook run by hand writes here
DESCRIPTOR_NAME = "datapackage.json"
CODEBOOK_NAME = "CODEBOOK.md"
SECOND_CODING_NAME = "coder_b"  # a data folder's second, independent coding, if it has one


def figure_folder(figure_dir: str | Path | None, notebook: str) -> Path:
    """Where a notebook writes its figures: the folder it was given, or (run by hand, in
    JupyterLab or by papermill without ``figure_dir``) ``build/scratch/<notebook>``, which git
    ignores, so that the project's committed ``figures/`` change only when a user names them."""
    return Path(figure_dir) if figure_dir else SCRATCH / notebook
