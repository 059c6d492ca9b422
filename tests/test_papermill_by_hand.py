"""A notebook run by hand with papermill, the way the README shows it, works from the project
root and from notebooks/, takes lists in the forms users type, and never writes into the
project's tracked data/, figures/ or notebooks/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from filetools import digest

from helpers.analysis.scope import resolve
from helpers.paths import PROJECT_DATA, PROJECT_FIGURES, PROJECT_NOTEBOOKS, PROJECT_ROOT, SCRATCH

NOTEBOOK = PROJECT_NOTEBOOKS / "02_themes_by_partner.ipynb"


def tracked() -> dict[str, str]:
    return {
        f"{name}/{path}": sha
        for name, folder in (("data", PROJECT_DATA), ("figures", PROJECT_FIGURES))
        for path, sha in digest(folder).items()
    } | {f"notebooks/{p}": s for p, s in digest(PROJECT_NOTEBOOKS).items()}


def papermill(cwd: Path, out: Path, *parameters: str) -> str:
    notebook = os.path.relpath(NOTEBOOK, cwd)
    command = [sys.executable, "-m", "papermill", notebook, str(out), *parameters]
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    return out.read_text(encoding="utf-8")


def test_the_readme_one_liner_runs_from_the_root(tmp_path) -> None:
    before = tracked()
    figures = tmp_path / "my-figures"
    text = papermill(
        PROJECT_ROOT,
        tmp_path / "run.ipynb",
        "-p",
        "partners",
        '["VNM"]',
        "-p",
        "figure_dir",
        str(figures),
    )
    assert "Scope: partners VNM;" in text
    assert (figures / "themes_by_voice.png").is_file()
    assert tracked() == before


def test_from_notebooks_without_figure_dir_a_run_by_hand_writes_to_scratch(tmp_path) -> None:
    """Started in notebooks/ (the data and the scratch folder found from there too), with the
    partners typed as a comma-separated list and no figure_dir."""
    before = tracked()
    figure = SCRATCH / NOTEBOOK.stem / "themes_by_voice.png"
    earlier = figure.stat().st_ino if figure.exists() else None  # replaced, not edited, by a run
    text = papermill(PROJECT_NOTEBOOKS, tmp_path / "run.ipynb", "-p", "partners", "VNM,CHN")
    assert "Scope: partners VNM, CHN;" in text
    assert figure.is_file() and figure.stat().st_ino != earlier
    assert tracked() == before


@pytest.mark.parametrize(
    "typed", ['["VNM", "CHN"]', "[VNM, CHN]", "VNM,CHN", "VNM CHN", " VNM , CHN ", ["VNM", "CHN"]]
)
def test_lists_are_accepted_in_the_forms_users_type(project_scope, typed) -> None:
    assert resolve(PROJECT_DATA, typed).partners == ("VNM", "CHN")
