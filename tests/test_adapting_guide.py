"""The student's path, end to end: every command in docs/adapting.md is run, in order, in a
scratch folder (a study with a new partner, a new theme, a weekday-only date, a proposal and a
signature, an observer, a second coder, a re-run report), and the project's tracked files are
byte-identical afterwards. Blocks marked ``sh expect-failure`` must fail. The article and its
codings are fictional (tests/fixtures/fictional_study)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from filetools import digest

from helpers.paths import PROJECT_ROOT as ROOT

GUIDE = ROOT / "docs" / "adapting.md"
BLOCK = re.compile(r"^```sh( expect-failure)?\n(.*?)^```$", re.M | re.S)


def blocks() -> list[tuple[str, bool]]:
    return [(m.group(2), bool(m.group(1))) for m in BLOCK.finditer(GUIDE.read_text())]


def tracked_files() -> dict[str, str]:
    """SHA-256 of every file git tracks in the project."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return {
        name.decode(): hashlib.sha256((ROOT / name.decode()).read_bytes()).hexdigest()
        for name in listed
        if name and (ROOT / name.decode()).is_file()
    }


def test_guide_has_the_steps() -> None:
    commands = "\n".join(code for code, _ in blocks())
    for step in ("init", "new-source", "add", "validate", "report", "agreement"):
        assert f"python -m helpers {step}" in commands


class Walk(NamedTuple):
    """The guide run through: its scratch folder, what each block printed, and the study's
    output folder (file digests) after each block."""

    work: Path
    runs: list[subprocess.CompletedProcess]
    outputs: list[dict[str, str]]


@pytest.fixture(scope="module")
def walk_through(tmp_path_factory) -> Walk:
    """Run every block of the guide, in order, in a scratch folder."""
    work = tmp_path_factory.mktemp("studies")
    output = work / "my-study" / "output"
    before = tracked_files()
    env = {
        **os.environ,
        "PROJECT": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    runs, outputs = [], []
    for number, (code, should_fail) in enumerate(blocks(), start=1):
        run = subprocess.run(
            ["bash", "-e", "-c", code], cwd=work, env=env, capture_output=True, text=True
        )
        context = (
            f"block {number}:\n{code}\nstdout:\n{run.stdout[-2000:]}\nstderr:\n{run.stderr[-2000:]}"
        )
        assert (run.returncode != 0) == should_fail, context
        runs.append(run)
        outputs.append(digest(output) if output.is_dir() else {})
    assert tracked_files() == before, "the guide changed the project's tracked files"
    return Walk(work, runs, outputs)


def test_a_mistake_is_refused_on_its_template_line(walk_through) -> None:
    failed = next(run for run, (_, fails) in zip(walk_through.runs, blocks(), strict=True) if fails)
    assert "coding/S005/reports.csv, row 2, column 'date_inferred'" in failed.stderr
    assert "nothing added" in failed.stderr


def test_the_study_holds_the_new_source_partner_and_theme(walk_through) -> None:
    data = walk_through.work / "my-study" / "data"
    assert pd.read_csv(data / "sources.csv").file_name.iloc[-1] == "vientiane_talks.txt"
    assert "LAO" in set(pd.read_csv(data / "partners.csv").partner_id)
    assert "Wildlife trafficking" in (data / "CODEBOOK.md").read_text(encoding="utf-8")


def test_the_report_counts_the_new_partner_under_the_study_title(walk_through) -> None:
    output = walk_through.work / "my-study" / "output"
    counts = pd.read_csv(output / "01_dataset_overview" / "counts_by_partner_year.csv")
    lao = counts[counts.partner_id == "LAO"].iloc[0]
    assert (str(lao.year), lao.occasions, lao.instruments) == ("2025", 1, 2)
    assert "Cambodia and Laos: a practice study" in (output / "site" / "index.html").read_text()
    rerun = (output / "notebooks" / "02_themes_by_partner.ipynb").read_text(encoding="utf-8")
    assert "Scope: partners LAO, VNM;" in rerun


def test_the_second_coder_is_compared_on_the_new_source_only(walk_through) -> None:
    compared = walk_through.runs[-1]
    assert "Sources compared: S005" in compared.stdout
    assert "How to read alpha" in compared.stdout and "too unstable" in compared.stdout
    assert "event_type" in compared.stdout and "event_theme:transnational_crime" in compared.stdout


def test_only_leaves_the_other_notebooks_outputs_and_the_site(walk_through) -> None:
    """The guide's re-run of one notebook (``--only 02``, after its whole report) rewrites
    only that notebook's outputs: the other notebooks' and the site stay as they were."""
    number = next(i for i, (code, _) in enumerate(blocks()) if "--only 02" in code)
    before, after = walk_through.outputs[number - 1], walk_through.outputs[number]
    assert "ran 02_themes_by_partner:" in walk_through.runs[number].stdout
    mine = ("02_themes_by_partner/", "notebooks/02_")
    assert any(before[k] != after.get(k) for k in before if k.startswith(mine))
    kept = [k for k in before if not k.startswith(mine)]
    assert any(k.startswith("site/") for k in kept)
    assert kept and all(after.get(k) == before[k] for k in kept if not k.startswith("."))
