"""The report runner: parameters checked before any write, other parameters re-executed,
deterministic and atomic outputs, normalised stored notebooks."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from fake_jobs import FakeJobs
from filetools import digest

from helpers.errors import DataError, ParameterError  # noqa: E402
from helpers.figures.style import save_figure, use_style  # noqa: E402
from helpers.paths import PROJECT_DATA as DATA  # noqa: E402
from helpers.paths import PROJECT_NOTEBOOKS  # noqa: E402
from helpers.publish import runner as report  # noqa: E402

NOTEBOOKS = sorted(PROJECT_NOTEBOOKS.glob("[0-9]*.ipynb"))


def small_figure() -> plt.Figure:
    use_style()
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    return fig


def test_save_figure_is_deterministic(tmp_path) -> None:
    table = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    save_figure(small_figure(), table, tmp_path / "one", "bars")
    save_figure(small_figure(), table, tmp_path / "two", "bars")
    one, two = digest(tmp_path / "one"), digest(tmp_path / "two")
    assert sorted(one) == ["bars.csv", "bars.pdf", "bars.png", "bars.svg"]
    assert one == two


def test_failed_save_leaves_existing_files(tmp_path, monkeypatch) -> None:
    table = pd.DataFrame({"x": [1]})
    save_figure(small_figure(), table, tmp_path, "bars")
    before = digest(tmp_path)

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError):
        save_figure(small_figure(), pd.DataFrame({"x": [2]}), tmp_path, "bars")
    assert digest(tmp_path) == before  # no half-written file, no stray temporary


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"partners": ["ZZZ"]}, "partners: unknown value(s) ['ZZZ']"),
        ({"year_from": 2030, "year_to": 2020}, "inverted"),
        ({"theme_kind": "weather"}, "theme_kind"),
    ],
)
def test_bad_parameters_stop_before_any_write(tmp_path, override, fragment) -> None:
    params = tmp_path / "report.yml"
    params.write_text(json.dumps({"defaults": {}, "notebooks": {"02_themes_by_partner": override}}))
    out, executed = tmp_path / "figures", tmp_path / "executed"
    with pytest.raises(ParameterError, match="02_themes_by_partner") as info:
        report.plan(DATA, out, executed, parameters_file=params)
    assert fragment in str(info.value)
    assert not out.exists() and not executed.exists()


def test_unknown_data_directory_stops_the_report(tmp_path) -> None:
    with pytest.raises(Exception, match="does not exist"):
        report.plan(tmp_path / "nowhere", tmp_path / "f", tmp_path / "e")


def test_notebook_reruns_with_one_partner_and_narrow_years(tmp_path) -> None:
    params = tmp_path / "report.yml"
    params.write_text(
        json.dumps(
            {
                "defaults": {"partners": ["VNM"], "year_from": 2023, "year_to": 2024},
                "notebooks": {},
            }
        )
    )
    jobs = report.plan(DATA, tmp_path / "figures", tmp_path / "executed", parameters_file=params)
    job = next(j for j in jobs if j.name == "02_themes_by_partner")
    report.run_job(job, progress=False)
    table = pd.read_csv(tmp_path / "figures" / job.name / "themes_official_share.csv")
    assert set(table.partner_id) == {"VNM"}
    assert set(table.partner_occasions) == {2}  # the 2023 and 2024 visits
    info = table[table.theme_id == "information_sharing"].iloc[0]
    assert (info.occasions, info.share) == (1, 0.5)
    executed = json.loads(job.target.read_text())
    assert executed["metadata"]["papermill"]["parameters"]["partners"] == ["VNM"]


def test_printed_text_sent_in_pieces_is_stored_as_one_output(tmp_path) -> None:
    """A busy kernel may send one print's text in two messages: the stored notebook is the
    same as when it sends one."""
    import nbformat

    def stream(name: str, text: str) -> dict:
        return nbformat.v4.new_output("stream", name=name, text=text)

    pieces = [stream("stdout", "- CHN: 1 source\n"), stream("stdout", "A cell backed")]
    pieces += [stream("stdout", "\n"), stream("stderr", "warning\n"), stream("stdout", "end\n")]
    whole = [stream("stdout", "- CHN: 1 source\nA cell backed\n")] + pieces[3:]
    stored = []
    for outputs in (pieces, whole):
        cell = nbformat.v4.new_code_cell("print(...)", outputs=outputs, execution_count=1)
        cell.id = "printing"
        path = tmp_path / "run.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
        job = report.Job(NOTEBOOKS[0], tmp_path / NOTEBOOKS[0].name, {"partners": "all"})
        stored.append(report.normalise(path, job))
    assert stored[0] == stored[1]
    outputs = json.loads(stored[0])["cells"][0]["outputs"]
    assert [(o["name"], "".join(o["text"])) for o in outputs] == [
        ("stdout", "- CHN: 1 source\nA cell backed\n"),
        ("stderr", "warning\n"),
        ("stdout", "end\n"),
    ]


def test_the_project_has_notebooks_to_check() -> None:
    """The checks below run once per notebook: none found would pass them all."""
    assert NOTEBOOKS and all(p.stat().st_size for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebooks_are_normalised(path) -> None:
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert set(nb["metadata"]["papermill"]) == {
        "parameters",
        "input_path",
        "output_path",
        "version",
    }
    assert nb["metadata"]["papermill"]["parameters"]["data_dir"] == "../data"
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    assert ["parameters"] in tags and ["injected-parameters"] in tags
    for cell in nb["cells"]:
        assert "papermill" not in cell["metadata"] and "execution" not in cell["metadata"]
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]


def test_every_notebook_has_parameters_in_report_yml() -> None:
    defaults, per_notebook = report.load_parameters()
    stems = {p.stem for p in NOTEBOOKS}
    assert set(per_notebook) == stems
    assert set(report.SCOPE_PARAMETERS) <= set(defaults)


def test_unknown_parameter_names_stop_the_report(tmp_path) -> None:
    params = tmp_path / "report.yml"
    params.write_text(json.dumps({"defaults": {"year_form": 2020}, "notebooks": {}}))
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['year_form'\]; allowed"):
        report.plan(DATA, tmp_path / "f", tmp_path / "e", parameters_file=params)


@pytest.mark.parametrize("spec", [[1, 2], {"defaults": ["x"]}, {"notebooks": {"01_x": [1]}}])
def test_malformed_parameter_file_is_a_clear_error(tmp_path, spec) -> None:
    params = tmp_path / "report.yml"
    params.write_text(json.dumps(spec))
    with pytest.raises(DataError, match="report.yml"):
        report.load_parameters(params)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebooks_do_not_depend_on_the_interpreter_patch_version(path: Path) -> None:
    """A Python 3.11.2 and a 3.11.7 give the same stored notebook (a fresh clone stays clean)."""
    language = json.loads(path.read_text(encoding="utf-8"))["metadata"]["language_info"]
    assert language["version"].count(".") == 1


def _flaky_start(failures: list[str]):
    """Stands in for one papermill run: raises the given errors one per call, then writes the
    notebook unexecuted; returns it with the list of calls made."""
    calls: list[str] = []

    def execute(job, tmp: Path, progress: bool) -> None:
        calls.append(job.name)
        if len(calls) <= len(failures):
            raise RuntimeError(failures[len(calls) - 1])
        tmp.write_bytes(job.source.read_bytes())

    return execute, calls


def test_a_kernel_that_never_started_is_started_again(tmp_path, monkeypatch) -> None:
    """The port race of kernels started side by side (jupyter_client#154): the notebook runs
    again; any other error, or the race past the last attempt, is raised."""
    job = report.draft(DATA, tmp_path / "figures", tmp_path / "executed", only=["01"])[0]
    never = f"{report.KERNEL_NEVER_STARTED} (fictional error of this test)"
    execute, calls = _flaky_start([never])
    monkeypatch.setattr(report, "_execute", execute)
    report.run_job(job, progress=False)
    assert len(calls) == 2 and job.target.is_file()

    job.target.unlink()
    execute, calls = _flaky_start(["a cell failed"])
    monkeypatch.setattr(report, "_execute", execute)
    with pytest.raises(RuntimeError, match="a cell failed"):
        report.run_job(job, progress=False)
    assert len(calls) == 1 and not job.target.exists()

    execute, calls = _flaky_start([never] * report.KERNEL_STARTS)
    monkeypatch.setattr(report, "_execute", execute)
    with pytest.raises(RuntimeError, match=report.KERNEL_NEVER_STARTED):
        report.run_job(job, progress=False)
    assert len(calls) == report.KERNEL_STARTS and not job.target.exists()


def test_the_site_imports_its_modules_while_the_notebooks_run(tmp_path, monkeypatch) -> None:
    """The site's build, which runs after the notebooks, has its modules imported while they
    run (the import waits for a notebook to have started, and each notebook for the import
    to have begun); a report without a site, or with no notebook to run, does not."""
    began, started = threading.Event(), threading.Event()
    preloads: list[bool] = []
    fake = FakeJobs()

    def preload() -> None:
        began.set()
        preloads.append(started.wait(60))

    def run_job(job: report.Job, progress: bool) -> None:
        started.set()
        assert began.wait(60), "the notebooks ran before the site's modules were imported"
        fake(job, progress)

    monkeypatch.setattr(report, "_preload_site", preload)
    monkeypatch.setattr(report, "run_job", FakeJobs())
    report.run_report(DATA, tmp_path / "no-site", site=False)
    assert preloads == []
    monkeypatch.setattr(report, "run_job", run_job)
    report.run_report(DATA, tmp_path / "out")
    assert preloads == [True] and len(fake.ran) == len(NOTEBOOKS)
    report.run_report(DATA, tmp_path / "out")  # nothing to run: nothing to import either
    assert preloads == [True] and len(fake.ran) == len(NOTEBOOKS)


def test_a_failing_head_start_for_the_site_leaves_the_report_whole(tmp_path, monkeypatch) -> None:
    """The site's modules are imported early only as a head start: an error there (a broken
    install) neither stops the notebooks nor loses their runs; the build imports them again."""

    def broken() -> None:
        raise AttributeError("fictional: a Sphinx that does not match its docutils")

    monkeypatch.setattr(report, "_preload_site", broken)
    fake = FakeJobs()
    monkeypatch.setattr(report, "run_job", fake)
    done = report.run_report(DATA, tmp_path / "out")
    assert len(fake.ran) == len(NOTEBOOKS) and done.site is not None and done.site.is_file()
    assert report.run_report(DATA, tmp_path / "out").ran == {}  # the runs were recorded
