"""The incremental report: a notebook runs again only when its source, its parameters, the data
or the package code changed, or when an output it wrote is gone or edited; the site is rebuilt
only when one of its inputs changed; ``force`` runs everything. Notebooks are stood in for by a
fake ``run_job`` (tests/fake_jobs.py) that writes a figure table and the executed copy, as a
real run does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fake_jobs import FakeJobs

from helpers.paths import PROJECT_DATA, PROJECT_NOTEBOOKS
from helpers.publish import cache, runner

STEMS = sorted(p.stem for p in PROJECT_NOTEBOOKS.glob("[0-9]*.ipynb"))


@pytest.fixture
def runs(monkeypatch) -> FakeJobs:
    fake = FakeJobs()
    monkeypatch.setattr(runner, "run_job", fake)
    return fake


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT_DATA, tmp_path / "data"))


def test_nothing_changed_runs_nothing_and_says_why(tmp_path, data, runs) -> None:
    out = tmp_path / "out"
    first = runner.run_report(data, out)
    assert runs.take() == STEMS and set(first.ran) == set(STEMS)
    assert all(why == "not run into this folder before" for why in first.ran.values())
    manifest = (out / ".report-manifest.json").read_text(encoding="utf-8")
    site = {p: p.stat().st_mtime_ns for p in (out / "site").rglob("*") if p.is_file()}
    again = runner.run_report(data, out)
    assert runs.take() == []
    assert set(again.skipped) == {*STEMS, cache.SITE} and again.ran == {}
    assert "unchanged since the last report" in again.skipped[STEMS[0]]
    assert (out / ".report-manifest.json").read_text(encoding="utf-8") == manifest
    assert {p: p.stat().st_mtime_ns for p in site} == site  # the site was left as it was
    assert again.site == out / "site" / "index.html"


def test_changed_data_runs_every_notebook_again(tmp_path, data, runs) -> None:
    out = tmp_path / "out"
    runner.run_report(data, out)
    runs.take()
    with open(data / "themes.csv", "a", encoding="utf-8") as handle:
        handle.write("piracy,crime,Piracy,Robbery at sea (fictional test theme).,,crime,\n")
    report = runner.run_report(data, out)
    assert runs.take() == STEMS
    assert "changed" in report.ran[STEMS[0]]
    assert cache.SITE not in report.skipped  # the site publishes the data: rebuilt


def test_changed_parameters_run_only_that_notebook(tmp_path, data, runs) -> None:
    out = tmp_path / "out"
    params = tmp_path / "report.yml"
    text = runner.PARAMETERS_FILE.read_text(encoding="utf-8")
    params.write_text(text, encoding="utf-8")
    runner.run_report(data, out, parameters_file=params, site=False)
    runs.take()
    spec = runner.load_parameters(params)[1]
    spec[STEMS[1]] = {**spec[STEMS[1]], "partners": ["VNM"]}
    params.write_text(
        json.dumps({"defaults": runner.load_parameters(params)[0], "notebooks": spec})
    )
    report = runner.run_report(data, out, parameters_file=params, site=False)
    assert runs.take() == [STEMS[1]]
    assert set(report.skipped) == set(STEMS) - {STEMS[1]}
    assert (out / STEMS[1] / "fig.csv").read_text().endswith("['VNM']\n")


def test_edited_notebook_runs_only_that_notebook(tmp_path, data, runs) -> None:
    notebooks = Path(shutil.copytree(PROJECT_NOTEBOOKS, tmp_path / "notebooks"))
    out = tmp_path / "out"
    runner.run_report(data, out, notebooks_dir=notebooks)
    runs.take()
    path = notebooks / f"{STEMS[2]}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = "# Another title\n"
    path.write_text(json.dumps(nb), encoding="utf-8")
    report = runner.run_report(data, out, notebooks_dir=notebooks)
    assert runs.take() == [STEMS[2]]
    assert "source" in report.ran[STEMS[2]] and cache.SITE not in report.skipped


def test_outputs_do_not_change_a_notebooks_key(tmp_path) -> None:
    """The project's stored notebooks are their own executed copies: a run that rewrites their
    outputs keeps their key, an edit of a cell's text changes it."""
    source = PROJECT_NOTEBOOKS / f"{STEMS[0]}.ipynb"
    nb = json.loads(source.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    stripped = tmp_path / source.name
    stripped.write_text(json.dumps(nb), encoding="utf-8")
    key = cache.notebook_key(source, {"a": 1}, "data")
    assert cache.notebook_key(stripped, {"a": 1}, "data") == key
    assert cache.notebook_key(source, {"a": 2}, "data") != key
    assert cache.notebook_key(source, {"a": 1}, "other data") != key
    nb["cells"][-1]["source"] = "print('something else')"
    stripped.write_text(json.dumps(nb), encoding="utf-8")
    assert cache.notebook_key(stripped, {"a": 1}, "data") != key


@pytest.mark.parametrize("damage", ["delete", "edit"])
def test_a_missing_or_edited_output_runs_its_notebook_again(tmp_path, data, runs, damage) -> None:
    out = tmp_path / "out"
    runner.run_report(data, out, site=False)
    runs.take()
    figure = out / STEMS[3] / "fig.csv"
    if damage == "delete":
        figure.unlink()
    else:
        figure.write_text("changed by hand\n")
    report = runner.run_report(data, out, site=False)
    assert runs.take() == [STEMS[3]]
    assert "fig.csv is missing or changed" in report.ran[STEMS[3]]
    assert figure.read_text() != "changed by hand\n"


def test_edited_code_runs_everything(tmp_path, data, runs, monkeypatch) -> None:
    out = tmp_path / "out"
    runner.run_report(data, out, site=False)
    runs.take()
    monkeypatch.setattr(cache, "code_checksum", lambda: "another version of the package")
    runner.run_report(data, out, site=False)
    assert runs.take() == STEMS


def test_code_checksum_covers_every_module() -> None:
    root = Path(runner.__file__).resolve().parents[1]
    modules = [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(modules) > 20  # the checksum reads them all: see cache.code_checksum
    assert cache.code_checksum() == cache.code_checksum()


def test_force_runs_everything(tmp_path, data, runs) -> None:
    out = tmp_path / "out"
    runner.run_report(data, out, site=False)
    runs.take()
    report = runner.run_report(data, out, force=True, site=False)
    assert runs.take() == STEMS
    assert set(report.ran.values()) == {"--force"} and report.skipped == {}


def test_force_on_the_command_line_runs_the_named_notebook_and_says_why(
    tmp_path, data, runs, capsys
) -> None:
    from helpers.__main__ import main

    out = tmp_path / "out"
    command = ["report", "--data", str(data), "--out", str(out), "--only", "01"]
    assert main(command) == 0
    assert runs.take() == [STEMS[0]]
    assert main(command) == 0 and runs.take() == []
    assert f"skipped {STEMS[0]}: unchanged" in capsys.readouterr().out
    assert main([*command, "--force"]) == 0
    assert runs.take() == [STEMS[0]]
    shown = capsys.readouterr().out
    assert f"ran {STEMS[0]}: --force" in shown
    assert "site not rebuilt (--only)" in shown


def test_a_failed_notebook_runs_again_next_time(tmp_path, data, runs, monkeypatch) -> None:
    out = tmp_path / "out"

    def failing(job: runner.Job, progress: bool) -> None:
        if job.name == STEMS[0]:
            raise RuntimeError("boom")
        runs(job, progress)

    monkeypatch.setattr(runner, "run_job", failing)
    with pytest.raises(RuntimeError, match="1 notebook"):
        runner.run_report(data, out, site=False)
    runs.take()
    monkeypatch.setattr(runner, "run_job", runs)
    runner.run_report(data, out, site=False)
    assert runs.take() == [STEMS[0]]


def test_the_longest_notebooks_start_first_next_time(tmp_path, data, runs) -> None:
    """Each run's time is recorded with its key; the next report starts the notebooks whose
    time is not known first, then the longest (so that a long one does not run alone at the
    end while the other cores wait). One at a time here, so the order is the order run."""
    out = tmp_path / "out"
    runner.run_report(data, out, jobs=1, site=False)
    assert runs.take() == STEMS
    entries = json.loads((out / cache.CACHE_NAME).read_text(encoding="utf-8"))["entries"]
    assert all(isinstance(entries[name]["seconds"], float) for name in STEMS)
    longest, shortest, unknown = STEMS[-1], STEMS[0], STEMS[2]
    for name in STEMS:
        entries[name]["seconds"] = {longest: 40.0, shortest: 0.5}.get(name, 3.0)
    del entries[unknown]["seconds"]
    (out / cache.CACHE_NAME).write_text(json.dumps({"entries": entries}), encoding="utf-8")
    runner.run_report(data, out, jobs=1, site=False, force=True)
    middle = [name for name in STEMS if name not in (longest, shortest, unknown)]
    assert runs.ran == [unknown, longest, *middle, shortest]


def test_longest_first_puts_unknown_times_first_and_keeps_ties_in_order(tmp_path) -> None:
    runs = cache.RunCache(tmp_path)
    for name, seconds in (("a", 2.0), ("b", 9.0), ("c", 2.0)):
        runs.record(name, "key", ["f.csv"], seconds)
    runs.record("d", "key", ["f.csv"])  # time not known
    runs.entries["e"] = {"key": "key", "files": ["f.csv"], "seconds": "not a number"}
    assert runs.longest_first(["a", "b", "c", "d", "e", "new"]) == ["d", "e", "new", "b", "a", "c"]


def test_a_damaged_run_cache_gives_unknown_times_not_an_error(tmp_path, data, runs) -> None:
    """The cache file is the user's to edit or damage: an entry that is not a table, or a time
    that is not a finite number of seconds, is a time not known (started first)."""
    out = tmp_path / "out"
    odd = [True, float("nan"), float("inf"), -4.0, 5.0]  # for the notebooks after the first
    entries: dict = {STEMS[0]: "not a table"}
    for name, value in zip(STEMS[1:], odd, strict=True):
        entries[name] = {"key": "old", "files": ["x"], "seconds": value}
    out.mkdir()
    (out / cache.CACHE_NAME).write_text(json.dumps({"entries": entries}), encoding="utf-8")
    loaded = cache.RunCache.load(out)
    assert [loaded.seconds(name) for name in STEMS] == [None] * 5 + [5.0]
    assert loaded.longest_first(reversed(STEMS)) == [*reversed(STEMS[:-1]), STEMS[-1]]
    runner.run_report(data, out, jobs=1, site=False)
    assert sorted(runs.take()) == STEMS
