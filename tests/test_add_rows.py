"""Filled coding templates are added all or nothing: a valid set of rows lands in the tables
(with the codebook brought up to date), an invalid one changes nothing and its problems name
the template's own file and line. The article and its rows are fictional (tests/fixtures)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filetools import SEEDS, digest, needs_seeds

from helpers.coding.merge import InvalidAddition, add_coded_rows
from helpers.coding.register import register_source
from helpers.coding.study import init_study
from helpers.dataset.validate import validate_dataset
from helpers.errors import DataError

FICTIONAL = Path(__file__).resolve().parent / "fixtures" / "fictional_study"


@pytest.fixture
def study(tmp_path: Path):
    """A study made from the project's data, with every article at hand in its articles/."""
    study = init_study(tmp_path / "study")
    for article in [*SEEDS.glob("*.txt"), FICTIONAL / "vientiane_talks.txt"]:
        shutil.copy(article, study.articles)
    register_source(study.articles / "vientiane_talks.txt", study.data, study.coding)
    return study


@needs_seeds
def test_filled_templates_are_added_and_the_codebook_follows(study) -> None:
    added = add_coded_rows(study.data, FICTIONAL / "coder_a")
    assert added["events"] == 1 and added["themes"] == 1 and added["partners"] == 1
    assert validate_dataset(study.data, study.articles) == []
    assert "Wildlife trafficking" in (study.data / "CODEBOOK.md").read_text(encoding="utf-8")
    events = (study.data / "events.csv").read_text(encoding="utf-8").splitlines()
    assert events[-1].startswith("E013,LAO,talks,")
    reports = (study.data / "reports.csv").read_text(encoding="utf-8").splitlines()
    assert reports[-1].startswith("E013,S005,4,")


@needs_seeds
def test_a_second_report_adds_evidence_and_updates_the_reconciled_event(study, tmp_path) -> None:
    """A second (fictional) article about the same talks, dated a day later: its report is
    appended, and the event's row, filled in again with a note, replaces the old one."""
    add_coded_rows(study.data, FICTIONAL / "coder_a")
    article = study.articles / "second_fictional_report.txt"
    article.write_text("FICTIONAL.\nThe talks in Vientiane were on Wednesday.\n", encoding="utf-8")
    source, folder = register_source(article, study.data, study.coding)
    events = (study.data / "events.csv").read_text(encoding="utf-8").splitlines()
    header, e013 = events[0], events[-1]
    (folder / "events.csv").write_text(
        f"{header}\n{e013}{source} dates the talks a day later; R2 keeps the earlier.\n",
        encoding="utf-8",
    )
    reports = (folder / "reports.csv").read_text(encoding="utf-8").splitlines()[0]
    row = f"E013,{source},2,Wednesday,2025-03-12,,day,true,From the date line.,,,,"
    (folder / "reports.csv").write_text(f"{reports}\n{row}\n", encoding="utf-8")
    added = add_coded_rows(study.data, folder)
    assert added == {"events": 1, "reports": 1}
    assert validate_dataset(study.data, study.articles) == []
    after = (study.data / "events.csv").read_text(encoding="utf-8").splitlines()
    assert len(after) == len(events) and after[-1].endswith("R2 keeps the earlier.")
    assert after[:-1] == events[:-1]  # the other events' bytes unchanged


def test_an_invalid_row_changes_nothing_and_is_named_on_its_template_line(study, tmp_path) -> None:
    templates = Path(shutil.copytree(FICTIONAL / "coder_a", tmp_path / "filled"))
    events = templates / "events.csv"
    # a weekday coded as an exact day the source states (the date was inferred)
    events.write_text(
        events.read_text(encoding="utf-8").replace("day,true,", "day,false,"), encoding="utf-8"
    )
    before = digest(study.data)
    with pytest.raises(InvalidAddition) as refused:
        add_coded_rows(study.data, templates)
    assert digest(study.data) == before
    named = [p for p in refused.value.problems if getattr(p, "file", "") == str(events)]
    assert named and named[0].row == 2 and named[0].column == "date_inferred"


def test_a_template_with_another_header_is_refused(study, tmp_path) -> None:
    templates = tmp_path / "filled"
    templates.mkdir()
    (templates / "events.csv").write_text("event_id,source_id\nE013,S005\n", encoding="utf-8")
    before = digest(study.data)
    with pytest.raises(DataError, match=r"events.csv, row 1: the header must be the columns"):
        add_coded_rows(study.data, templates)
    assert digest(study.data) == before


def test_the_add_command(study) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "helpers", "add", str(study.root), str(FICTIONAL / "coder_a")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "added 1 row(s)" in run.stdout and "valid" in run.stdout


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text.replace(",", ";").encode("utf-8"), "separated by ';'"),
        (lambda text: text.replace("Sok Fictus", "Sok Fictús").encode("cp1252"), "UTF-8"),
    ],
    ids=["semicolons", "cp1252"],
)
def test_a_template_a_spreadsheet_damaged_is_named_as_such(study, tmp_path, damage, message):
    templates = Path(shutil.copytree(FICTIONAL / "coder_a", tmp_path / "filled"))
    persons = templates / "persons.csv"
    persons.write_bytes(damage(persons.read_text(encoding="utf-8")))
    before = digest(study.data)
    with pytest.raises(InvalidAddition) as refused:
        add_coded_rows(study.data, templates)
    assert digest(study.data) == before
    (problem,) = refused.value.problems
    assert problem.file == str(persons) and message in problem.message
