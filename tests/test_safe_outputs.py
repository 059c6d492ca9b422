"""Outputs that lose nothing and publish nothing by accident: the report writes and removes only
what it owns, refuses dangerous output folders, locks its folder, registrations do not race,
temporary files do not outlive their run, the site publishes only the data package, figure
tables are safe to open in a spreadsheet, and the validator reads only the seeds folder."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from fake_jobs import FakeJobs

from helpers import files
from helpers.dataset.read import read_table
from helpers.dataset.schema import Schema
from helpers.dataset.validate import paragraph_problems, validate_dataset
from helpers.errors import DataError
from helpers.figures.style import neutralise, save_figure
from helpers.files import exclusive_lock, remove_leftovers, write_all_atomic
from helpers.publish import runner
from helpers.publish.site import build_site

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


# --- temporary files


def test_fsync_each_temporary_before_replace_and_the_folder_after(tmp_path, monkeypatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    targets = [tmp_path / "a.csv", tmp_path / "b.svg"]
    write_all_atomic({t: (lambda tmp, t=t: tmp.write_text(t.name)) for t in targets})
    replaced = [path for kind, path in events if kind == "replace"]
    assert len(replaced) == 2
    for tmp in replaced:
        assert events.index(("fsync", tmp)) < events.index(("replace", tmp))
    assert events[-1] == ("fsync", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.svg"]


def test_keyboard_interrupt_leaves_no_temporary(tmp_path) -> None:
    def interrupted(tmp: Path) -> None:
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_all_atomic({tmp_path / "a.png": lambda tmp: tmp.write_text("a"),
                          tmp_path / "b.png": interrupted})  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_sigterm_leaves_no_temporary(tmp_path) -> None:
    """A process terminated while writing removes its temporaries and still dies of SIGTERM."""
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from helpers.files import write_all_atomic

        def slow(tmp):
            tmp.write_text("half")
            Path({str(ready)!r}).touch()
            time.sleep(60)

        write_all_atomic({{Path({str(tmp_path / "out")!r}) / "fig.png": slow}})
        """
    )
    (tmp_path / "out").mkdir()
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "writer did not start"
        time.sleep(0.02)
    assert [p.name for p in (tmp_path / "out").iterdir()][0].startswith(".fig.")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM
    assert list((tmp_path / "out").iterdir()) == []


def test_temporary_names_are_recognised(tmp_path) -> None:
    for name in ("bars.csv", "bars.svg", "01_x.ipynb"):
        target = tmp_path / name
        stem, suffix = target.stem, target.suffix
        fd, tmp = files.tempfile.mkstemp(dir=tmp_path, prefix=f".{stem}.", suffix=suffix)
        os.close(fd)
        assert files.TEMP_NAME.match(Path(tmp).name), tmp
    for kept in ("bars.png", ".hidden", ".report.lock", ".report-manifest.json", "notes.txt"):
        assert not files.TEMP_NAME.match(kept), kept


def test_remove_leftovers_removes_only_temporaries(tmp_path) -> None:
    for name in ("bars.png", ".bars.k2j4_x9q.png", ".01_x.abcdefgh.running.ipynb", "keep.txt"):
        (tmp_path / name).write_text(name)
    (tmp_path / ".site.a1b2c3d4.new").mkdir()
    (tmp_path / ".site.a1b2c3d4.new" / "index.html").write_text("partial")
    removed = remove_leftovers(tmp_path)
    assert [p.name for p in removed] == [
        ".01_x.abcdefgh.running.ipynb",
        ".bars.k2j4_x9q.png",
        ".site.a1b2c3d4.new",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bars.png", "keep.txt"]


def test_lock_refuses_a_second_holder(tmp_path) -> None:
    lock = tmp_path / ".lock"
    with (
        exclusive_lock(lock, wait=0, busy="held"),
        pytest.raises(files.DataError, match="held"),
        exclusive_lock(lock, wait=0.2, busy="held"),
    ):
        pass
    with exclusive_lock(lock, wait=0, busy="held"):  # released after the first holder
        pass


# --- the validator reads only the seeds folder


def _with_seeds(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the data with a seeds folder of articles whose checksums it records."""
    data, seeds = tmp_path / "data", tmp_path / "seeds"
    shutil.copytree(DATA, data)
    seeds.mkdir()
    sources = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    for i, name in enumerate(sources.file_name):
        content = "".join(f"Paragraph {n} of article {i}.\n" for n in range(400)).encode()
        (seeds / name).write_bytes(content)
        sources.loc[i, "sha256"] = hashlib.sha256(content).hexdigest()
    sources.to_csv(data / "sources.csv", index=False, lineterminator="\n")
    assert validate_dataset(data, seeds) == []
    return data, seeds


def _rename_source(data: Path, index: int, file_name: str) -> None:
    sources = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    sources.loc[index, "file_name"] = file_name
    sources.to_csv(data / "sources.csv", index=False, lineterminator="\n")


@pytest.mark.parametrize("kind", ["absolute", "parent", "symlink-out"])
def test_validate_refuses_article_paths_outside_the_seeds_folder(tmp_path, kind) -> None:
    data, seeds = _with_seeds(tmp_path)
    first = pd.read_csv(data / "sources.csv", dtype=str).file_name[0]
    outside = tmp_path / "outside.txt"  # same bytes as the article: only the path is wrong
    outside.write_bytes((seeds / first).read_bytes())
    name = {"absolute": str(outside), "parent": "../outside.txt", "symlink-out": "link.txt"}[kind]
    if kind == "symlink-out":
        (seeds / "link.txt").symlink_to(outside)
    _rename_source(data, 0, name)
    problems = validate_dataset(data, seeds)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("sources.csv", 2, "file_name", name, "source-file")
    ]
    assert "not a plain file name inside the seeds folder" in problems[0].message
    assert str(seeds) in problems[0].message


def test_paragraph_check_refuses_article_paths_outside_the_seeds_folder(tmp_path) -> None:
    data, seeds = _with_seeds(tmp_path)
    (tmp_path / "outside.txt").write_text("one paragraph only\n")
    _rename_source(data, 1, "../outside.txt")
    schema = Schema.of(data)
    tables = {name: read_table(data, table) for name, table in schema.tables.items()}
    problems = paragraph_problems(tables, schema, data, seeds)
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("sources.csv", 3, "file_name", "../outside.txt")
    ]


# --- figure tables are safe to open in a spreadsheet


def _small_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    return fig


def test_figure_table_neutralises_formula_cells(tmp_path) -> None:
    cells = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "plain", "-3", "a=b", None]
    table = pd.DataFrame(
        {
            "label": cells,
            "kind": pd.Categorical(["=HYPERLINK(x)"] + ["ok"] * 9),
            "n": [-5, -1, 0, 1, 2, 3, 4, 5, 6, 7],
            "share": [-0.5] + [0.25] * 9,
            "=total": range(10),
        }
    )
    save_figure(_small_figure(), table, tmp_path, "t")
    with open(tmp_path / "t.csv", encoding="utf-8", newline="") as handle:
        text = handle.read()
    rows = list(csv.reader(io.StringIO(text.replace("\r", "<CR>"))))
    assert rows[0] == ["label", "kind", "n", "share", "'=total"]
    assert [r[0] for r in rows[1:]] == [
        "'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'<CR>x", "plain", "-3", "a=b", "",
    ]  # fmt: skip
    assert rows[1][1:4] == ["'=HYPERLINK(x)", "-5", "-0.5"]
    assert [r[2] for r in rows[1:3]] == ["-5", "-1"]
    assert '"\'\rx"' in text  # quoted: a carriage return does not start a row


def test_figure_table_without_formula_cells_is_written_as_before(tmp_path) -> None:
    table = pd.DataFrame({"partner_id": ["VNM", "CHN"], "year": ["2019", "2020"], "d": [-1, 2]})
    save_figure(_small_figure(), table, tmp_path, "t")
    expected = table.to_csv(index=False, lineterminator="\n")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == expected


# --- registrations at the same moment

REGISTER = """
import json, sys, time
from pathlib import Path
from helpers.coding.register import register_source

article, data, templates, ready, go = map(Path, sys.argv[1:])
ready.touch()
while not go.exists():
    time.sleep(0.001)
source_id, folder = register_source(article, data, templates)
print(json.dumps([source_id, article.name]))
"""


def test_concurrent_registrations_take_distinct_ids(tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    go = tmp_path / "go"
    procs = []
    for n in range(4):
        article = tmp_path / f"article_{n}.txt"
        article.write_text(f"Headline {n}\n\nParagraph of article {n}.\n", encoding="utf-8")
        ready = tmp_path / f"ready_{n}"
        args = [article, data, tmp_path / "coding", ready, go]
        procs.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, "-c", REGISTER, *map(str, args)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _ in procs):
        assert time.monotonic() < deadline, "registrations did not start"
        time.sleep(0.01)
    go.touch()  # all four start at the same moment
    results = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(tuple(json.loads(out)))
    ids = sorted(source_id for source_id, _ in results)
    assert ids == ["S005", "S006", "S007", "S008"]
    sources = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    registered = dict(zip(sources.source_id, sources.file_name, strict=True))
    for source_id, name in results:
        assert registered[source_id] == name
        assert (tmp_path / "coding" / source_id / "README.md").read_text().count(name) == 1
    assert validate_dataset(data) == []


def test_registration_refuses_when_the_lock_stays_held(tmp_path, monkeypatch) -> None:
    from helpers.coding import register

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    article = tmp_path / "late.txt"
    article.write_text("Headline\n\nParagraph.\n", encoding="utf-8")
    before = (data / "sources.csv").read_bytes()
    monkeypatch.setattr(register, "LOCK_WAIT", 0.3)
    with (
        exclusive_lock(data / ".lock", wait=0, busy="held by the test"),
        pytest.raises(files.DataError, match="another registration") as info,
    ):
        register.register_source(article, data, tmp_path / "coding")
    assert str(data) in str(info.value)
    assert (data / "sources.csv").read_bytes() == before
    assert not (tmp_path / "coding").exists()


# --- the site publishes the data package and regular figures only

PUBLISHED_DATA = sorted(
    [r["path"] for r in json.loads((DATA / "datapackage.json").read_text())["resources"]]
    + ["datapackage.json", "CODEBOOK.md", "LICENSE.md"]
)


def _site_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Copies of the executed notebooks, figures and data, to add traps to."""
    notebooks, figures, data = tmp_path / "nb", tmp_path / "fig", tmp_path / "data"
    shutil.copytree(ROOT / "notebooks", notebooks)
    shutil.copytree(ROOT / "figures", figures)
    shutil.copytree(DATA, data)
    return notebooks, figures, data


def _published(site: Path, folder: str) -> list[str]:
    root = site / folder
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_site_publishes_only_the_declared_data_files(tmp_path) -> None:
    notebooks, figures, data = _site_inputs(tmp_path)
    (data / "private_notes.txt").write_text("interview with a source, do not publish")
    (data / "system.csv").symlink_to("/etc/hostname")
    (data / "archive").mkdir()
    (data / "archive" / "old.csv").write_text("a,b\n")
    index = build_site(notebooks, figures, data, tmp_path / "site")
    assert _published(index.parent, "data") == PUBLISHED_DATA
    for name in PUBLISHED_DATA:
        assert (index.parent / "data" / name).read_bytes() == (DATA / name).read_bytes()
    text = index.read_text(encoding="utf-8")
    assert "private_notes" not in text and "system.csv" not in text


@pytest.mark.parametrize("trap", ["symlinked-codebook", "symlinked-resource", "outside-resource"])
def test_site_refuses_a_data_file_that_is_a_link_or_outside(tmp_path, trap) -> None:
    notebooks, figures, data = _site_inputs(tmp_path)
    secret = tmp_path / "secret.csv"
    shutil.copyfile(data / "themes.csv", secret)
    if trap == "symlinked-codebook":
        (data / "CODEBOOK.md").unlink()
        (data / "CODEBOOK.md").symlink_to(secret)
        culprit, why = data / "CODEBOOK.md", "symbolic link"
    elif trap == "symlinked-resource":
        (data / "themes.csv").unlink()
        (data / "themes.csv").symlink_to(secret)
        culprit, why = data / "themes.csv", "symbolic link"
    else:
        descriptor = data / "datapackage.json"
        text = descriptor.read_text(encoding="utf-8")
        descriptor.write_text(text.replace('"themes.csv"', '"../secret.csv"'), encoding="utf-8")
        culprit, why = data / "../secret.csv", "outside"
    with pytest.raises(DataError, match=why) as info:
        build_site(notebooks, figures, data, tmp_path / "site")
    assert str(culprit) in str(info.value)
    assert not (tmp_path / "site").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_site_skips_figures_that_are_not_regular_files(tmp_path, capsys) -> None:
    notebooks, figures, data = _site_inputs(tmp_path)
    (figures / "01_dataset_overview" / "leak.csv").symlink_to("/etc/hostname")
    (figures / "01_dataset_overview" / "elsewhere").symlink_to(tmp_path / "nb")
    shutil.rmtree(figures / "02_themes_by_partner")
    (figures / "02_themes_by_partner").symlink_to(tmp_path / "nb")  # a whole folder elsewhere
    index = build_site(notebooks, figures, data, tmp_path / "site")
    published = _published(index.parent, "figures")
    assert published and not [p for p in published if "leak" in p or "elsewhere" in p]
    assert not [p for p in published if p.startswith("02_")]
    err = capsys.readouterr().err
    assert "leak.csv is a symbolic link" in err
    assert "02_themes_by_partner is a symbolic link" in err


def test_site_does_not_replace_a_folder_it_was_not_allowed_to(tmp_path) -> None:
    notebooks, figures, data = _site_inputs(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not written by this report") as info:
        build_site(notebooks, figures, data, tmp_path / "site")
    assert str(tmp_path / "site") in str(info.value)
    assert (tmp_path / "site" / "keep.txt").read_text() == "mine"


def test_site_staging_is_a_folder_of_its_own(tmp_path) -> None:
    """Another run's staging folder (the old fixed name, or a unique one) is left alone."""
    notebooks, figures, data = _site_inputs(tmp_path)
    for name in (".site.new", ".site.othr_run.new"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text("another run's page")
    build_site(notebooks, figures, data, tmp_path / "site")
    for name in (".site.new", ".site.othr_run.new"):
        assert (tmp_path / name / "index.html").read_text() == "another run's page"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [
        ".site.new",
        ".site.othr_run.new",
    ]


# --- what the report writes, where, and alone


@pytest.fixture
def fake_jobs(monkeypatch) -> FakeJobs:
    fake = FakeJobs()
    monkeypatch.setattr(runner, "run_job", fake)
    return fake


STEMS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_report_refuses_to_replace_a_site_it_did_not_write(tmp_path, fake_jobs) -> None:
    out = tmp_path / "out"
    (out / "site").mkdir(parents=True)
    (out / "site" / "keep.txt").write_text("my own site")
    with pytest.raises(DataError, match="not replaced") as info:
        runner.run_report(DATA, out)
    assert str(out / "site") in str(info.value) and "keep.txt" in str(info.value)
    assert (out / "site" / "keep.txt").read_text() == "my own site"
    assert fake_jobs.ran == []  # refused before any notebook ran


def test_report_publishes_only_the_notebooks_of_its_run(tmp_path, fake_jobs) -> None:
    out = tmp_path / "out"
    (out / "notebooks").mkdir(parents=True)
    private = out / "notebooks" / "9_private.ipynb"
    shutil.copyfile(ROOT / "notebooks" / f"{STEMS[0]}.ipynb", private)
    report = runner.run_report(DATA, out)
    site = report.site.parent
    assert sorted(p.stem for p in (site / "notebooks").glob("*.html")) == STEMS
    assert not list(site.rglob("9_private*"))
    assert "9_private" not in report.site.read_text(encoding="utf-8")
    assert private.read_bytes() == (ROOT / "notebooks" / f"{STEMS[0]}.ipynb").read_bytes()


def test_report_manifest_lists_what_it_wrote_and_is_deterministic(tmp_path, fake_jobs) -> None:
    out = tmp_path / "out"
    runner.run_report(DATA, out)
    text = (out / ".report-manifest.json").read_text(encoding="utf-8")
    files_ = json.loads(text)["files"]
    assert list(files_) == sorted(files_)
    expected = {f"{s}/fig.csv" for s in STEMS} | {f"notebooks/{s}.ipynb" for s in STEMS}
    expected |= {"site/index.html", "site/search.html", "site/searchindex.js"}
    assert expected <= set(files_)
    for key, checksum in files_.items():
        assert hashlib.sha256((out / key).read_bytes()).hexdigest() == checksum, key
    site_files = {str(p.relative_to(out)) for p in (out / "site").rglob("*") if p.is_file()}
    assert {k for k in files_ if k.startswith("site/")} == site_files
    runner.run_report(DATA, out, force=True)  # runs again, replaces its own site
    assert (out / ".report-manifest.json").read_text(encoding="utf-8") == text


def test_report_removes_only_what_it_wrote(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "run_job", FakeJobs(("fig", "old", "edited")))
    runner.run_report(DATA, out)
    first = out / STEMS[0]
    (first / "mine.txt").write_text("my notes")
    (first / "edited.csv").write_text("changed by hand")
    monkeypatch.setattr(runner, "run_job", FakeJobs(("fig",)))
    runner.run_report(DATA, out, force=True)  # the notebooks now write fewer figures
    assert sorted(p.name for p in first.iterdir()) == ["edited.csv", "fig.csv", "mine.txt"]
    assert (first / "edited.csv").read_text() == "changed by hand"
    files_ = json.loads((out / ".report-manifest.json").read_text())["files"]
    assert f"{STEMS[0]}/fig.csv" in files_
    assert not [k for k in files_ if "old.csv" in k or "edited" in k or "mine" in k]
    assert (out / "site" / "figures" / STEMS[0] / "fig.csv").is_file()
    assert sorted(p.name for p in (out / "site" / "figures" / STEMS[0]).iterdir()) == ["fig.csv"]


def test_report_refuses_to_overwrite_a_notebook_it_did_not_write(tmp_path, fake_jobs) -> None:
    out = tmp_path / "out"
    (out / "notebooks").mkdir(parents=True)
    mine = out / "notebooks" / f"{STEMS[0]}.ipynb"
    mine.write_text("{}")
    with pytest.raises(DataError, match="not overwritten") as info:
        runner.run_report(DATA, out)
    assert str(mine) in str(info.value)
    assert mine.read_text() == "{}" and fake_jobs.ran == []


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (lambda: DATA, "inside the data folder"),
        (lambda: DATA / "figures", "inside the data folder"),
        (lambda: ROOT / "src", "inside the package source folder"),
        (lambda: ROOT / "src" / "helpers" / "out", "inside the package"),
        (lambda: ROOT / "notebooks", "inside the notebooks folder"),
        (lambda: ROOT / "notebooks" / "out", "inside the notebooks folder"),
        (lambda: ROOT, "the project folder"),
        (lambda: ROOT.parent, "the project folder"),
        (lambda: Path("/"), "the project folder"),
    ],
    ids=["data", "in-data", "src", "package", "notebooks", "in-notebooks", "root", "above", "fs"],
)
def test_report_refuses_dangerous_output_folders(where, why, monkeypatch) -> None:
    def must_not_run(job, progress):
        raise AssertionError(f"{job.name} ran")

    monkeypatch.setattr(runner, "run_job", must_not_run)
    out = where()
    existed = out.exists()
    with pytest.raises(DataError, match=why) as info:
        runner.run_report(DATA, out)
    assert str(out.resolve()) in str(info.value)
    assert out.exists() == existed
    assert not (out / ".report.lock").exists()


def test_report_into_the_project_figures_is_allowed() -> None:
    from helpers.publish.outputs import check_out_dir

    check_out_dir(ROOT / "figures", DATA)  # as `make report` does
    check_out_dir(ROOT / "figures", ROOT / "data")


def test_second_report_into_the_same_folder_refuses_at_once(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    started, release = threading.Event(), threading.Event()
    fake = FakeJobs()

    def slow(job, progress) -> None:
        started.set()
        assert release.wait(60)
        fake(job, progress)

    monkeypatch.setattr(runner, "run_job", slow)
    first: dict = {}
    thread = threading.Thread(
        target=lambda: first.setdefault("report", runner.run_report(DATA, out, jobs=1))
    )
    thread.start()
    try:
        assert started.wait(120)
        t0 = time.monotonic()
        with pytest.raises(DataError, match="another report is writing there") as info:
            runner.run_report(DATA, out)
        assert time.monotonic() - t0 < 5
        assert str(out) in str(info.value)
    finally:
        release.set()
        thread.join(120)
    assert first["report"].site.is_file()  # the first one finished its site
    assert sorted(p.stem for p in (out / "site" / "notebooks").glob("*.html")) == STEMS
    assert [p.name for p in out.iterdir() if p.name.startswith(".site")] == []


def test_report_removes_what_a_killed_run_left(tmp_path, fake_jobs) -> None:
    out = tmp_path / "out"
    runner.run_report(DATA, out)
    leftovers = [
        out / STEMS[0] / ".fig.k2j4_x9q.png",
        out / STEMS[1] / ".counts.abcdefgh.csv",
        out / "notebooks" / f".{STEMS[0]}.abcdefgh.running.ipynb",
        out / "notebooks" / f".{STEMS[0]}.a1b2c3d4.ipynb",
        out / ".site.a1b2c3d4.new" / "index.html",
        out / ".site.zzzz0000.old" / "index.html",
    ]
    kept = [out / STEMS[0] / ".keep", out / "notebooks" / "notes.abcdefgh.txt", out / ".mine"]
    for path in leftovers + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    runner.run_report(DATA, out)
    assert [p for p in leftovers if p.exists()] == []
    assert not (out / ".site.a1b2c3d4.new").exists()
    assert all(p.read_text() == "x" for p in kept)


def test_terminated_report_leaves_no_temporary(tmp_path) -> None:
    """SIGTERM while notebooks run: the report stops, and no temporary file stays behind. Two
    notebooks at a time, not one per core and one more: the report lets the running ones
    finish before it stops, and each of them is a whole notebook's run."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers", "report", "--data", str(DATA), "--out", str(out)]
        + ["--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not list(out.glob("notebooks/.*.running.ipynb")):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no notebook started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert "terminated" in err
    left = [p for p in out.rglob("*") if files.TEMP_NAME.match(p.name)]
    assert left == []
    assert not (out / "site").exists()  # stopped before the site
    manifest = json.loads((out / ".report-manifest.json").read_text())["files"]
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert set(manifest) == written - {".report-manifest.json", ".report.lock"}


def test_report_refuses_executed_notebooks_in_the_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(runner, "run_job", FakeJobs())
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    before = sorted(p.name for p in data.iterdir())
    with pytest.raises(DataError, match="--notebooks-out .*inside the data folder") as info:
        runner.run_report(data, tmp_path / "out", executed_dir=data / "executed")
    assert str(data) in str(info.value)
    assert sorted(p.name for p in data.iterdir()) == before


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_figure_table_checked_by_distinct_values_as_cell_by_cell(tmp_path, storage) -> None:
    """The formula and carriage-return checks look at each distinct value once (the used
    categories of a categorical; text on Arrow storage searched by Arrow); the CSV is the one
    a cell-by-cell check writes."""
    text_type = pd.StringDtype(storage)
    categories = pd.Index(["ok", "\rx", "=unused"], dtype=text_type)
    table = pd.DataFrame(
        {
            "kind": pd.Categorical(["ok", "\rx", "ok"], categories=categories),
            "label": pd.Series(["a", "=b", None], dtype=text_type),
            "number": pd.Series(["-3", "+4.5", None], dtype=text_type),  # numbers stay as they are
            "mixed": ["plain", ["not", "hashable"], "-1"],
        }
    )
    save_figure(_small_figure(), table, tmp_path, "t")
    with open(tmp_path / "t.csv", encoding="utf-8", newline="") as handle:
        text = handle.read()
    by_cell = table.astype(object).map(lambda v: neutralise(v) if isinstance(v, str) else v)
    expected = by_cell.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    assert text == expected
    assert "'=b" in text and "=unused" not in text
