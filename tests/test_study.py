"""A study is a folder of its own: init makes it, commands work inside it, and nothing of the
project's tracked files changes. (That ``--only`` leaves the other notebooks' outputs and the
site of a study's whole report is checked on the study of the adapting guide, which has had
one: tests/test_adapting_guide.py.)"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli import helpers_cli
from fake_jobs import FakeJobs
from filetools import digest

from helpers.coding.study import Study, data_folder, init_study
from helpers.dataset.validate import validate_dataset
from helpers.errors import DataError
from helpers.paths import PROJECT_DATA, PROJECT_ROOT
from helpers.publish import runner


def test_init_copies_the_project_data_under_the_study_title(tmp_path: Path) -> None:
    before = digest(PROJECT_DATA)
    study = init_study(tmp_path / "my-study", title="Cambodia and Laos")
    assert Study.at(study.root) == study and data_folder(study.root) == study.data
    assert validate_dataset(study.data) == []
    assert json.loads((study.data / "datapackage.json").read_text())["title"] == "Cambodia and Laos"
    for path in PROJECT_DATA.glob("*.csv"):
        assert (study.data / path.name).read_bytes() == path.read_bytes()
    assert study.parameters.is_file() and study.output.is_dir() and study.coding.is_dir()
    assert digest(PROJECT_DATA) == before


def test_an_empty_study_keeps_the_vocabularies_and_no_coded_row(tmp_path: Path) -> None:
    study = init_study(tmp_path / "empty", empty=True)
    assert validate_dataset(study.data) == []
    with open(study.data / "events.csv", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 1  # the header
    themes = (study.data / "themes.csv").read_bytes()
    assert themes == (PROJECT_DATA / "themes.csv").read_bytes()


@pytest.mark.parametrize("where", ["data", "figures", "notebooks", "src/x", "."])
def test_init_refuses_the_project_folders(where: str) -> None:
    with pytest.raises(DataError, match="cannot live in the project's own folders"):
        init_study(PROJECT_ROOT / where)


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my notes")
    with pytest.raises(DataError, match="not empty"):
        init_study(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "my notes"


def test_validate_fails_while_the_codebook_is_stale(tmp_path: Path) -> None:
    study = init_study(tmp_path / "s")
    with open(study.data / "themes.csv", "a", encoding="utf-8") as handle:
        handle.write("piracy,crime,Piracy,Robbery at sea (fictional test theme).,,crime,\n")
    run = helpers_cli("validate", str(study.root))
    assert run.returncode == 1 and "CODEBOOK.md: out of date" in run.stderr
    assert helpers_cli("codebook", str(study.root)).returncode == 0
    assert "Piracy" in (study.data / "CODEBOOK.md").read_text(encoding="utf-8")
    run = helpers_cli("validate", str(study.root))
    assert run.returncode == 0, run.stderr


def test_report_of_a_study_with_only_and_params(tmp_path: Path, monkeypatch) -> None:
    """The study's report, with ``--only`` and a parameters file of its own: the one notebook
    gets the file's parameters and the study's data and folders (its notebooks stood in for;
    the guide's walk-through runs a study's notebooks for real, ``--only`` included)."""
    fake = FakeJobs()
    monkeypatch.setattr(runner, "run_job", fake)
    study = init_study(tmp_path / "s")
    params = tmp_path / "vietnam.yml"
    params.write_text(
        (study.parameters.read_text(encoding="utf-8")).replace(
            "partners: all ", "partners: [VNM] "
        ),
        encoding="utf-8",
    )
    run = helpers_cli("report", str(study.root), "--only", "02", "--params", str(params))
    assert run.returncode == 0, run.stderr
    assert "site not rebuilt (--only)" in run.stdout
    [job] = fake.jobs
    assert job.name == "02_themes_by_partner" and job.parameters["partners"] == ["VNM"]
    assert (job.source.parent / job.parameters["data_dir"]).resolve() == study.data.resolve()
    assert job.target == study.output / "notebooks" / "02_themes_by_partner.ipynb"
    assert sorted(p.name for p in study.output.iterdir() if p.is_dir()) == [
        "02_themes_by_partner",
        "notebooks",
    ]
    refused = helpers_cli("report", str(study.root), "--only", "99")
    assert refused.returncode == 2 and "--only: no notebook" in refused.stderr
