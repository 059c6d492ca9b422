"""Every command in docs/adapting.md is run, in order, in a scratch copy of the project's data,
so that the guide cannot go stale. Blocks marked ``sh expect-failure`` must fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from helpers.paths import PROJECT_ROOT as ROOT

GUIDE = ROOT / "docs" / "adapting.md"
BLOCK = re.compile(r"^```sh( expect-failure)?\n(.*?)^```$", re.M | re.S)


def blocks() -> list[tuple[str, bool]]:
    return [(m.group(2), bool(m.group(1))) for m in BLOCK.finditer(GUIDE.read_text())]


def test_guide_has_the_steps() -> None:
    commands = "\n".join(code for code, _ in blocks())
    for step in ("new-source", "validate", "report", "agreement"):
        assert f"python -m helpers {step}" in commands


def test_every_command_in_the_guide_runs(tmp_path: Path, data_copy: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for number, (code, should_fail) in enumerate(blocks(), start=1):
        run = subprocess.run(
            ["bash", "-e", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        context = (
            f"block {number}:\n{code}\nstdout:\n{run.stdout[-2000:]}\nstderr:\n{run.stderr[-2000:]}"
        )
        if should_fail:
            assert run.returncode != 0, context
            assert "2025-02-31" in run.stderr and "not a real calendar date" in run.stderr, context
        else:
            assert run.returncode == 0, context
    # what the walk-through should have produced
    sources = pd.read_csv(tmp_path / "my-study" / "sources.csv")
    assert sources.file_name.iloc[-1] == "practice_article.txt"
    assert (tmp_path / "coding" / "S005" / "README.md").is_file()
    counts = pd.read_csv(
        tmp_path / "my-report" / "01_dataset_overview" / "counts_by_partner_year.csv"
    )
    lao = counts[counts.partner_id == "LAO"].iloc[0]
    assert (str(lao.year), lao.occasions) == ("2025", 1)
    # the guide never touched the project's own data
    assert (ROOT / "data" / "sources.csv").read_bytes() == (
        tmp_path / "data" / "sources.csv"
    ).read_bytes()
