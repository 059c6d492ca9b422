"""Every notebook runs on another dataset by changing only the data directory: a synthetic
dataset (other partners, other years, more themes, hundreds of events) goes through
`python -m helpers report`, and the tables it writes must hold what the generator put in."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from filetools import digest
from synthetic import LABEL, generate

from helpers.paths import PROJECT_ROOT as ROOT


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    base = tmp_path_factory.mktemp("synthetic")
    expected = generate(base / "data")
    project_outputs = {**digest(ROOT / "figures"), **digest(ROOT / "notebooks")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers",
            "report",
            "--data",
            str(base / "data"),
            "--out",
            str(base / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "without encryption" not in run.stderr  # helpers.publish.kernels
    assert {**digest(ROOT / "figures"), **digest(ROOT / "notebooks")} == project_outputs
    return expected, base / "out"


def test_generator_labels_its_rows(tmp_path) -> None:
    generate(tmp_path)
    sources = pd.read_csv(tmp_path / "sources.csv")
    assert (sources.note == LABEL).all()
    events = pd.read_csv(tmp_path / "events.csv")
    assert len(events) >= 200 and (events.summary == LABEL).all()


def test_every_notebook_and_figure_is_written(synthetic_report) -> None:
    _, out = synthetic_report
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    assert sorted(p.stem for p in (out / "notebooks").glob("*.ipynb")) == notebooks
    for name in notebooks:
        stems = {p.with_suffix("") for p in (out / name).iterdir()}
        assert stems, name
        for stem in stems:
            for suffix in ("png", "svg", "pdf", "csv"):
                assert stem.with_suffix(f".{suffix}").is_file(), (stem, suffix)


def test_counts_equal_what_was_generated(synthetic_report) -> None:
    expected, out = synthetic_report
    counts = pd.read_csv(
        out / "01_dataset_overview" / "counts_by_partner_year.csv", dtype={"year": str}
    )
    got = {
        (r.partner_id, r.year): (r.occasions, r.events, r.instruments) for r in counts.itertuples()
    }
    keys = set(expected.occasions) | set(expected.agreements)
    want = {k: (expected.occasions[k], expected.events[k], expected.agreements[k]) for k in keys}
    assert got == want


def test_theme_counts_equal_what_was_generated(synthetic_report) -> None:
    expected, out = synthetic_report
    themes = pd.read_csv(out / "02_themes_by_partner" / "themes_by_voice.csv")
    got = {(r.partner_id, r.theme_id, r.voice): r.occasions for r in themes.itertuples()}
    assert got == dict(expected.theme_occasions)
    totals = themes.groupby("partner_id").partner_occasions.first().to_dict()
    assert totals == {p: n for p, n in expected.partner_occasions.items() if p in totals}


def test_agreement_counts_equal_what_was_generated(synthetic_report) -> None:
    expected, out = synthetic_report
    table = pd.read_csv(out / "04_agreements" / "agreements_by_kind_status.csv")
    got = {(r.partner_id, r.kind, r.status): r.agreements for r in table.itertuples()}
    assert got == dict(expected.agreement_status)


def test_theme_years_cover_the_generated_years(synthetic_report) -> None:
    expected, out = synthetic_report
    by_year = pd.read_csv(out / "03_themes_over_time" / "themes_by_year.csv", dtype={"year": str})
    assert set(by_year.partner_id) <= set(expected.partners)
    assert {y for (_, y) in expected.occasions} >= set(by_year.year)
