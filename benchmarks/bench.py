"""Measured speed and scale, printed side by side with their targets (`make bench`).

Prints: the kernel floor (a plain `python -c pass`, one papermill run of a one-cell notebook,
and how often papermill's kernel shutdown stalls) and the zero-work floor of a report; the
report on data/ from scratch, again with nothing changed and after editing one notebook;
validation and the whole report on generated datasets of about 10,000 and 1,000,000 events
(wall time and peak memory over all processes); validation of a generated data directory of
1,000,000 events (benchmarks/synthetic_dataset.py; the validator's peak memory); occasion
counts over Parquet of 1,000,000 and 10,000,000 events (100,000,000 with --duckdb-100m),
DuckDB against pandas; each notebook under papermill against the same code run as a plain
script; every aggregation, analysis and figure function on synthetic tables of 10,000, 100,000
and 1,000,000 events (figures built, not drawn); setting up the environment; `make test` on a
fresh clone, with its CPU time and how many notebooks it ran (skip it with --no-tests); and
last, issue 14's table of every measured row beside its target. ``--helpers`` runs only
the helpers and figures on synthetic tables (``--quick`` stops them at 100,000 events).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from functools import cache
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_tables import scope_of, synthetic_tables  # noqa: E402

from helpers.analysis import (  # noqa: E402
    agreements,
    corroboration,
    dataset_overview,
    interlocutors,
    narrative,
    occasion_sql,
    occasions,
    tally,
    themes,
    themes_by_partner,
    themes_over_time,
)
from helpers.analysis.scope import resolve  # noqa: E402
from helpers.coding import reliability  # noqa: E402
from helpers.dataset.keys import codes  # noqa: E402
from helpers.dataset.read import encode  # noqa: E402
from helpers.dataset.schema import Schema  # noqa: E402
from helpers.figures import agreements as agreement_figures  # noqa: E402
from helpers.figures import dataset_overview as overview_figures  # noqa: E402
from helpers.figures import intercoder_reliability as reliability_figures  # noqa: E402
from helpers.figures import interlocutors as interlocutor_figures  # noqa: E402
from helpers.figures import themes_by_partner as partner_figures  # noqa: E402
from helpers.figures import themes_over_time as time_figures  # noqa: E402
from helpers.figures.style import figure_context, use_style  # noqa: E402
from helpers.paths import PROJECT_ROOT  # noqa: E402

CORES = os.cpu_count() or 1
SYNTHETIC_OCCASIONS = 4550  # tests/synthetic.generate: about 10,000 events
MILLION_OCCASIONS = 455_000  # the same generator: about 1,000,000 events (14.6M rows, 1.1 GB)
MILLION_TIMEOUT = 1200  # seconds the 1M-event report (and its validation) may take here
DUCKDB_SIZES = [1_000_000, 10_000_000] + ([100_000_000] if "--duckdb-100m" in sys.argv else [])
PANDAS_LARGEST = 10_000_000  # events the pandas path is measured at (in memory)
PY = sys.executable
QUICK = "--quick" in sys.argv
HELPERS_ONLY = "--helpers" in sys.argv  # only the helpers and figures on synthetic tables


def timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


IMPORTS = (
    "import helpers.analysis.narrative, helpers.analysis.scope, helpers.figures.dataset_overview\n"
    "from helpers.figures.style import use_style\nuse_style()"
)


def one_cell_notebook(folder: Path, code: str = "x = 1", name: str = "one_cell") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def papermill_once(notebook: Path, output: Path, shutdown: str) -> float:
    code = (
        "import papermill as pm, sys; pm.execute_notebook(sys.argv[1], sys.argv[2], "
        f"progress_bar=False, kernel_name='python3', shutdown_kernel='{shutdown}')"
    )
    return timed([PY, "-c", code, str(notebook), str(output)])


def section(title: str) -> None:
    print(f"\n== {title}")


def kernel_floor(work: Path) -> float:
    section("Kernel floor")
    runs = 3 if QUICK else 10
    plain = statistics.median(timed([PY, "-c", "pass"]) for _ in range(5))
    notebook = one_cell_notebook(work)
    immediate = [papermill_once(notebook, work / "out.ipynb", "immediate") for _ in range(runs)]
    graceful = [papermill_once(notebook, work / "out.ipynb", "graceful") for _ in range(runs)]
    floor = statistics.median(immediate)
    print(f"python -c pass                      {plain:6.2f} s (median of 5)")
    print(
        f"papermill, one-cell notebook        {floor:6.2f} s (median of {runs}, immediate shutdown)"
    )
    for name, times in (("graceful", graceful), ("immediate", immediate)):
        stalls = sum(t > floor + 2.0 for t in times)
        print(
            f"  shutdown={name:9s} runs: {runs}, stalled (> floor + 2 s): {stalls}, "
            f"max {max(times):.2f} s"
        )
    return floor


def zero_work_floor(work: Path, notebooks: int) -> None:
    """What the report would take if its notebooks did nothing but import the helpers: the
    validation the runner does once, plus one import-only papermill run per notebook."""
    notebook = one_cell_notebook(work, IMPORTS, "imports_only")
    runs = 3 if QUICK else 5
    imports = statistics.median(
        papermill_once(notebook, work / "out.ipynb", "immediate") for _ in range(runs)
    )
    code = "from helpers.dataset.validate import require_valid; require_valid(sys.argv[1])"
    validation = statistics.median(
        timed([PY, "-c", f"import sys; {code}", str(PROJECT_ROOT / "data")]) for _ in range(3)
    )
    floor = validation + notebooks * imports / CORES
    print(
        f"  import-only notebook (the helpers and the plotting stack): {imports:5.2f} s; "
        f"validation in a fresh process: {validation:5.2f} s"
    )
    print(
        f"  => a report of {notebooks} notebooks that did no work at all: about "
        f"{validation:.2f} + {notebooks} x {imports:.2f} / {CORES} = {floor:.2f} s"
    )
    code = subprocess.run(
        [PY, "-c", FORKED_IMPORTS, str(notebook), str(work / "out.ipynb")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    first, forked = float(code[0]), float(code[1])
    server = max(0.0, first - forked)
    print(
        f"  with the report's forked kernels: the server's imports {server:5.2f} s once, then "
        f"{forked:5.2f} s per import-only notebook => about {validation:.2f} + {server:.2f} + "
        f"{notebooks} x {forked:.2f} / {CORES} = "
        f"{validation + server + notebooks * forked / CORES:.2f} s"
    )


# The import-only notebook in kernels forked as the report forks them: the first run (which
# starts the server) and the median of three more.
FORKED_IMPORTS = """
import statistics, sys, time
import papermill as pm
from helpers.publish import kernel_forks

def once():
    start = time.perf_counter()
    manager = kernel_forks.manager_class()
    pm.execute_notebook(sys.argv[1], sys.argv[2], progress_bar=False, kernel_name="python3",
                        shutdown_kernel="immediate", kernel_manager_class=manager)
    return time.perf_counter() - start

with kernel_forks.serving([__import__("pathlib").Path(sys.argv[1])]):
    first = once()
    print(first, statistics.median(once() for _ in range(3)))
"""


def notebook_as_script(notebook: Path, figure_dir: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    cells = [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    code = "\n\n".join(cells)
    return code.replace('figure_dir = "../figures/', f'figure_dir = "{figure_dir}/')


def per_notebook(work: Path) -> None:
    section("Each notebook: papermill against the same code as a plain script")
    print(f"{'notebook':28s} {'papermill':>10s} {'script':>8s} {'ratio':>6s}")
    for notebook in sorted((PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb")):
        out = work / f"{notebook.stem}.ipynb"
        params = json.dumps({"figure_dir": str(work / "pm" / notebook.stem)})
        code = (
            "import papermill as pm, sys, json; pm.execute_notebook(sys.argv[1], sys.argv[2], "
            "parameters=json.loads(sys.argv[3]), progress_bar=False, kernel_name='python3', "
            "shutdown_kernel='immediate', cwd=sys.argv[4])"
        )
        pm_seconds = timed([PY, "-c", code, str(notebook), str(out), params, str(notebook.parent)])
        script = work / f"{notebook.stem}.py"
        script.write_text(notebook_as_script(notebook, work / "script"), encoding="utf-8")
        env = {**os.environ, "MPLBACKEND": "Agg"}
        script_seconds = timed([PY, str(script)], cwd=notebook.parent, env=env)
        print(
            f"{notebook.stem:28s} {pm_seconds:9.2f}s {script_seconds:7.2f}s "
            f"{pm_seconds / script_seconds:6.2f}"
        )


AGGREGATIONS = [
    ("counts_by_partner_year", dataset_overview.counts_by_partner_year),
    ("date_precision", dataset_overview.date_precision),
    ("timeline", dataset_overview.timeline),
    ("themes_by_voice", themes_by_partner.themes_by_voice),
    (
        "themes_official_share",  # from themes_by_voice, as notebook 02 computes it
        lambda s: themes_by_partner.themes_official_share(themes_by_partner.themes_by_voice(s)),
    ),
    ("themes_by_year", themes_over_time.themes_by_year),
    ("theme_spread_by_year", themes_over_time.theme_spread_by_year),
    ("agreements_by_kind_status", agreements.agreements_by_kind_status),
    ("agreements_by_year", agreements.agreements_by_year),
    ("interlocutors_by_year", interlocutors.interlocutors_by_year),
    ("continuity", interlocutors.continuity),
    ("occasions.occasion_keys", lambda s: occasions.occasion_keys(s.tables["events"])),
    ("occasions.occasions", lambda s: occasions.occasions(s.tables["events"])),
    (
        "occasions.step_occasions",
        lambda s: occasions.step_occasions(
            occasions.occasions(s.tables["events"]),
            s.tables["instrument_steps"],
            s.tables["instruments"],
        ),
    ),
    (
        "occasions.report_occasions",
        lambda s: occasions.report_occasions(
            occasions.occasions(s.tables["events"]), s.tables["reports"]
        ),
    ),
    ("dataset_overview.life_cycles", dataset_overview.life_cycles),
    ("agreements.furthest_steps", agreements.furthest_steps),
    ("corroboration", corroboration.corroboration),
    ("occasions.occasion_table", lambda s: occasions.occasion_table(s.tables)),
    ("occasions.occasion_totals", lambda s: occasions.occasion_totals(s.tables, s.partners)),
    (
        "themes.theme_counts",
        lambda s: themes.theme_counts(
            s, ["partner_id", "theme_id"], occasions.occasions(s.tables["events"])
        ),
    ),
    ("themes.theme_links", themes.theme_links),
    ("themes.theme_labels", themes.theme_labels),
    (
        "tally.tally",
        lambda s: tally.tally(
            occasions.occasion_table(s.tables), ["partner_id"], distinct={"occasions": "occasion"}
        ),
    ),
    (
        "tally.joined",
        lambda s: tally.joined(s.tables["participants"], ["person_id"], "title_as_stated", "; "),
    ),
    ("occasion_sql.occasion_counts", lambda s: occasion_sql.occasion_counts(in_duckdb(s))),
    ("tally.as_text", lambda s: tally.as_text(s.tables["participants"].title_as_stated)),
    (
        "tally.distinct_counts",  # persons met at each event, on the codes of the two keys
        lambda s: tally.distinct_counts(
            codes(s.tables["participants"].event_id)[0],
            codes(s.tables["participants"].event_id)[1],
            [codes(s.tables["participants"].person_id)],
        ),
    ),
    (
        "tally.histogram",  # occasions per partner by their number of sources
        lambda s: tally.histogram(
            occasions.report_occasions(
                occasions.occasions(s.tables["events"]), s.tables["reports"]
            ),
            ["partner_id"],
            ["occasion"],
            "source_id",
            name="sources",
            count="items",
        ),
    ),
    (
        "occasions.at_occasions",
        lambda s: occasions.at_occasions(
            occasions.occasions(s.tables["events"]), s.tables["event_themes"], ["theme_id"]
        ),
    ),
    ("corroboration.occasions_by_sources", corroboration.occasions_by_sources),
    ("narrative.scope_line", narrative.scope_line),
    ("narrative.limits", narrative.limits),
    ("narrative.top_themes", lambda s: narrative.top_themes(themes_by_partner.themes_by_voice(s))),
    (
        "narrative.shared_themes",
        lambda s: narrative.shared_themes(themes_by_partner.themes_by_voice(s)),
    ),
    ("narrative.year_span", lambda s: narrative.year_span(themes_over_time.themes_by_year(s).year)),
]


_CONNECTIONS: dict[int, object] = {}  # per scope (by id), while helpers_at_scale measures it


def in_duckdb(scope):
    """A DuckDB connection with the scope's events as a view (keys as plain text), made once
    per scope and before the timing (helpers_at_scale), as a session makes it once with
    ``helpers.dataset.duck.connect``: the SQL is what is measured, not the set-up."""
    if id(scope) not in _CONNECTIONS:
        import duckdb

        columns = ["event_id", "partner_id", "parent_event_id", "start_date"]
        con = duckdb.connect()
        con.register("events", scope.tables["events"][columns].astype("string"))
        _CONNECTIONS[id(scope)] = con
    return _CONNECTIONS[id(scope)]


@cache
def project_alphas():
    """Krippendorff's alpha of the project's data against itself: a table of one row per coded
    variable, whose size does not grow with the events (the synthetic tables carry no source
    checksums to match codings by)."""
    scope = resolve(PROJECT_ROOT / "data")
    return reliability.compare_scopes(scope, scope).alphas


def _statuses(s) -> list[str]:
    return s.vocabulary("instrument_steps", "step")


PLOTS = [
    (
        "figure counts_by_partner_year",
        lambda s, t: overview_figures.counts_by_partner_year(
            t["counts_by_partner_year"], figure_context(s)
        ),
    ),
    ("figure date_precision", lambda s, t: overview_figures.date_precision(t["date_precision"])),
    ("figure timeline", lambda s, t: overview_figures.timeline(t["timeline"], figure_context(s))),
    (
        "figure life_cycles",
        lambda s, t: overview_figures.life_cycles(
            t["timeline"].agreements, _statuses(s), figure_context(s)
        ),
    ),
    (
        "figure corroboration",
        lambda s, t: overview_figures.corroboration(t["corroboration"], figure_context(s)),
    ),
    (
        "figure themes_official_share",
        lambda s, t: partner_figures.themes_official_share(
            t["themes_official_share"], figure_context(s)
        ),
    ),
    (
        "figure themes_by_voice",
        lambda s, t: partner_figures.themes_by_voice(t["themes_by_voice"], figure_context(s)),
    ),
    (
        "figure themes_by_year",
        lambda s, t: time_figures.themes_by_year(t["themes_by_year"], figure_context(s)),
    ),
    (
        "figure theme_spread_by_year",
        lambda s, t: time_figures.theme_spread_by_year(
            t["theme_spread_by_year"], figure_context(s)
        ),
    ),
    (
        "figure agreements_by_kind_status",
        lambda s, t: agreement_figures.agreements_by_kind_status(
            t["agreements_by_kind_status"], _statuses(s), figure_context(s)
        ),
    ),
    (
        "figure agreements_by_year",
        lambda s, t: agreement_figures.agreements_by_year(
            t["agreements_by_year"], _statuses(s), figure_context(s)
        ),
    ),
    (
        "figure interlocutors_by_year",
        lambda s, t: interlocutor_figures.interlocutors_by_year(
            t["interlocutors_by_year"], figure_context(s)
        ),
    ),
    ("figure continuity", lambda s, t: interlocutor_figures.continuity(t["continuity"])),
    (
        "figure alpha_by_variable",
        lambda s, t: reliability_figures.alpha_by_variable(project_alphas()),
    ),
    (
        "figure alpha_second_coder",
        lambda s, t: reliability_figures.alpha_second_coder(project_alphas()),
    ),
]


def coverage() -> tuple[str, str]:
    """How many of the package's figure and analysis functions the bench measures: every
    public function of the figure modules of the notebooks, and of the analysis modules."""
    import inspect

    import helpers.analysis as analysis_package
    import helpers.figures as figures_package

    def public(package, skip: set[str]) -> set[str]:
        found = set()
        folder = Path(package.__file__).parent
        for path in sorted(folder.glob("*.py")):
            if path.stem.startswith("_") or path.stem in skip:
                continue
            module = __import__(f"{package.__name__}.{path.stem}", fromlist=["x"])
            found |= {
                f"{path.stem}.{n}"
                for n, f in inspect.getmembers(module, inspect.isfunction)
                if not n.startswith("_")
                and f.__module__ == module.__name__
                and (package is not figures_package or "Figure" in str(f.__annotations__))
            }
        return found

    figures_found = public(figures_package, {"style", "marks"})
    analysis_found = public(analysis_package, {"scope"})
    plotted = {n.removeprefix("figure ") for n, _ in PLOTS}
    measured = {n for n, _ in AGGREGATIONS}
    fig_done = {f for f in figures_found if f.split(".")[1] in plotted}
    ana_done = {f for f in analysis_found if f in measured or f.split(".")[1] in measured}
    fig_missing = sorted(figures_found - fig_done)
    ana_missing = sorted(analysis_found - ana_done)
    return (
        f"{len(fig_done)} of {len(figures_found)} figures"
        + (f" (not: {', '.join(fig_missing)})" if fig_missing else ""),
        f"{len(ana_done)} of {len(analysis_found)} analysis functions"
        + (f" (not: {', '.join(ana_missing)})" if ana_missing else ""),
    )


def measure(function, *args):
    """Seconds of an untraced call, and peak memory of a second, traced call (tracemalloc
    slows pandas down several times, so time and memory are measured apart)."""
    gc.collect()
    start = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - start
    if isinstance(result, plt.Figure):
        plt.close(result)
    gc.collect()
    tracemalloc.start()
    again = function(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if isinstance(again, plt.Figure):
        plt.close(again)
    return result, seconds, peak


RESULTS: dict[str, dict] = {}  # what the closing table quotes, filled by the sections


def helpers_at_scale() -> None:
    section("Helpers on synthetic tables (target at 1,000,000 events: <= 1 s and <= 1 GiB each)")
    sizes = [10_000, 100_000] if QUICK else [10_000, 100_000, 1_000_000]
    rows: dict[str, list[tuple[float, int]]] = {}
    schema = Schema.project()
    use_style()
    warm_up = dataset_overview.date_precision(scope_of(synthetic_tables(100), schema))
    plt.close(overview_figures.date_precision(warm_up))
    print("(matplotlib warmed up first: one small figure, so no helper pays its start-up)")
    for n in sizes:
        raw = synthetic_tables(n)
        # loading's share: keys and dates encoded once per dataset, as helpers.dataset.read does
        encoded, seconds, peak = measure(encode, raw, schema)
        rows.setdefault("load: encode keys, dates", []).append((seconds, peak))
        scope = scope_of(encoded, schema)
        del raw, encoded
        _CONNECTIONS.clear()
        in_duckdb(scope)  # set up before the timing (see in_duckdb)
        tables = {}
        for name, function in AGGREGATIONS:
            try:
                tables[name], seconds, peak = measure(function, scope)
            except Exception as exc:  # noqa: BLE001 - a failure is a result, printed below
                print(f"{name} at {n:,d} events failed: {type(exc).__name__}: {exc}"[:200])
                seconds, peak = float("nan"), -1
            rows.setdefault(name, []).append((seconds, peak))
        for name, plot in PLOTS:  # built, not drawn; timed only (tracing would double it)
            gc.collect()
            start = time.perf_counter()
            try:
                plt.close(plot(scope, tables))
                seconds = time.perf_counter() - start
            except Exception as exc:  # noqa: BLE001 - a failure is a result, printed below
                print(f"{name} at {n:,d} events failed: {type(exc).__name__}: {exc}"[:200])
                seconds = float("nan")
            rows.setdefault(name, []).append((seconds, -1))
        del scope, tables
    header = "".join(f"{n:>22,d}" for n in sizes)
    print(f"{'helper':30s}{header}   growth x10->x100   at 1M")
    for name, values in rows.items():
        cells = "".join(
            f"{s:9.3f}s {p / 2**20:8.1f}MiB" if p >= 0 else f"{s:9.3f}s {'-':>8s}   "
            for s, p in values
        )
        RESULTS.setdefault("helpers", {})[name] = values
        growth = " ".join(
            f"{values[i + 1][0] / max(values[i][0], 1e-9):5.1f}" for i in range(len(values) - 1)
        )
        verdict = ""
        if len(values) == 3:
            ok = values[2][0] <= 1.0 and values[2][1] <= 2**30  # nan (failed) is not <= 1
            verdict = "met" if ok else "MISSED"
            if name.startswith("load:"):
                verdict = "(once per dataset loaded)"
        print(f"{name:30s}{cells}   {growth:16s} {verdict}")


def setup_time(work: Path) -> None:
    section("Set-up from an empty .venv (warm package cache), as the Makefile does it")
    venv = work / "venv"
    python = str(venv / "bin" / "python")
    start = time.perf_counter()
    subprocess.run(["python3.11", "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        ["python3.11", "-m", "pip", "--python", python, "install", "--quiet", "uv==0.13.8"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            str(venv / "bin" / "uv"),
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            "--require-hashes",
            "-r",
            str(PROJECT_ROOT / "requirements.lock"),
        ],
        check=True,
    )
    subprocess.run(
        [python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    print(
        f"venv + uv + locked packages + kernel: {seconds:6.2f} s (target < 15 s): "
        f"{'met' if seconds < 15 else 'MISSED'}"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    first = timed([python, "-c", "import pandas, matplotlib.pyplot, pyarrow, papermill"], env=env)
    again = timed([python, "-c", "import pandas, matplotlib.pyplot, pyarrow, papermill"], env=env)
    print(f"first import of the stack {first:5.2f} s (writes bytecode once), then {again:5.2f} s")


class Measured(NamedTuple):
    """One command measured by ``run_measured``."""

    seconds: float  # wall time
    peak: int  # bytes: peak of the resident sizes summed over the process and its children
    text: str  # its standard output, or what went wrong ("FAILED ...", "NOT FINISHED ...")
    proportional: int  # bytes: peak of the proportional set sizes summed (shared pages once)


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 where the system does not say)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def calibration() -> float:
    """Seconds of a fixed piece of pure-Python work (ten million additions), best of three:
    how fast this machine is, so that runs on two machines can be compared."""
    code = "s = 0\nfor i in range(10_000_000):\n    s += i"
    return min(timed([PY, "-c", code]) for _ in range(3))


def run_measured(
    cmd: list[str], *, check: bool = True, timeout: float | None = None, **kwargs
) -> Measured:
    """Wall seconds, peak memory over the process and all its children (sampled every 0.1 s)
    and the standard output of ``cmd`` (unless ``check``, a failure gives its last line of
    error output instead, prefixed "FAILED"; past ``timeout`` seconds the process tree is
    stopped and the text is "NOT FINISHED"). Memory is summed two ways: resident sizes count
    a page that several processes share (a memory-mapped file, shared libraries) once per
    process, proportional set sizes once in all."""
    import psutil

    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, **kwargs)
        root, peak, stopped = psutil.Process(proc.pid), 0, False
        proportional = 0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
                proportional = max(proportional, sum(_pss(p.pid) for p in tree))
                if timeout is not None and time.perf_counter() - start > timeout:
                    for process in reversed(tree):  # children first, then the process itself
                        with contextlib.suppress(psutil.Error):
                            process.kill()
                    stopped = True
            except psutil.Error:
                pass
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if stopped:
        return Measured(seconds, peak, f"NOT FINISHED: stopped after {timeout:.0f} s", proportional)
    if proc.returncode:
        lines = [line for line in errors.splitlines() if "Error" in line] or ["(no message)"]
        if check:
            raise RuntimeError(f"{cmd} failed ({proc.returncode}):\n{errors[-2000:]}")
        text = f"FAILED (exit {proc.returncode}): {lines[-1].strip()[:160]}"
    return Measured(seconds, peak, text, proportional)


REPORT_CODE = (
    "import sys; from pathlib import Path; from helpers.publish.runner import run_report; "
    "r = run_report(sys.argv[1], sys.argv[2], notebooks_dir=Path(sys.argv[3])); "
    "print('ran', len(r.ran), 'skipped', len([k for k in r.skipped if k != 'site']))"
)


WARM_UP = "first report of this bench run, writing any bytecode not yet written"


def report_runs(work: Path) -> None:
    """The report on data/ from scratch, again with nothing changed, and after editing one
    notebook (a copy of the notebooks, so that the project's stay as they are)."""
    section("Incremental report on data/ (notebooks copied, outputs into a folder of its own)")
    notebooks = work / "notebooks"
    shutil.copytree(PROJECT_ROOT / "notebooks", notebooks)

    def report_into(out: Path) -> list[str]:
        return [PY, "-c", REPORT_CODE, str(PROJECT_ROOT / "data"), str(out), str(notebooks)]

    args = report_into(work / "incremental")
    # A warm-up into a folder of its own: the first report in a new environment also writes
    # the bytecode of every module it imports (Sphinx and MyST-NB among them), once.
    warm_up = run_measured(report_into(work / "warm-up"), cwd=PROJECT_ROOT)
    shutil.rmtree(work / "warm-up")
    runs = {WARM_UP: (warm_up.seconds, warm_up.text.strip())}
    print(f"{'warm-up':22s} {warm_up.seconds:7.2f} s ({WARM_UP})")
    for what in ("from scratch", "nothing changed", "one notebook edited"):
        if what == "one notebook edited":
            path = sorted(notebooks.glob("03_*.ipynb"))[0]
            nb = nbformat.read(path, as_version=4)
            nb.cells[0].source += "\n\n(edited by the bench)"
            nbformat.write(nb, path)
        seconds, peak, text, _ = run_measured(args, cwd=PROJECT_ROOT)
        runs[what] = (seconds, text.strip())
        print(f"{what:22s} {seconds:7.2f} s, peak {peak / 2**20:7.0f} MiB: {text.strip()}")
    RESULTS["report"] = runs


def synthetic_runs(work: Path) -> None:
    """Validation and the whole report on generated datasets of about 10,000 and 1,000,000
    events (the larger one stopped after ``MILLION_TIMEOUT`` seconds)."""
    section("Validation and the full report on a generated dataset (tests/synthetic.py)")
    sys.path.insert(0, str(PROJECT_ROOT / "tests"))
    from synthetic import generate

    code = (
        "import sys; from helpers.dataset.validate import require_valid; require_valid(sys.argv[1])"
    )
    sizes = [SYNTHETIC_OCCASIONS] + ([] if QUICK else [MILLION_OCCASIONS])
    for n_occasions in sizes:
        data = work / f"synthetic-{n_occasions}"
        start = time.perf_counter()
        generate(data, n_occasions=n_occasions)
        made = time.perf_counter() - start
        with open(data / "events.csv", encoding="utf-8") as handle:
            events = sum(1 for _ in handle) - 1
        large = n_occasions == MILLION_OCCASIONS
        timeout = MILLION_TIMEOUT if large else None
        validation = run_measured([PY, "-c", code, str(data)], check=False, timeout=timeout)
        report_cmd = [
            PY,
            "-m",
            "helpers",
            "report",
            "--data",
            str(data),
            "--out",
            str(work / "synrep"),
        ]
        report = run_measured(report_cmd, cwd=PROJECT_ROOT, check=False, timeout=timeout)
        shutil.rmtree(work / "synrep", ignore_errors=True)
        print(f"generated {events:,d} events in {made:.0f} s")
        for what, (seconds, peak, text, _) in (("validate", validation), ("full report", report)):
            failed = f" {text}" if text.startswith(("FAILED", "NOT FINISHED")) else ""
            print(
                f"{what:12s} {events:,d} events: {seconds:7.2f} s, peak {peak / 2**20:7.0f} MiB"
                f"{failed}"
            )
        RESULTS["million" if large else "synthetic"] = {
            "events": events,
            "validate": validation,
            "report": report,
        }
        shutil.rmtree(data, ignore_errors=True)


def duckdb_runs(work: Path) -> None:
    """Occasion counts by partner and year over Parquet: DuckDB (out of core, memory capped at
    1 GB) against pandas (the table in memory), each in a process of its own."""
    section("Occasion counts over Parquet: DuckDB (memory_limit 1GB) against pandas")
    script = str(PROJECT_ROOT / "benchmarks" / "duckdb_scale.py")
    rows = {}
    for n in DUCKDB_SIZES:
        folder = work / f"parquet-{n}"
        written = run_measured([PY, script, "write", str(folder), str(n)])
        size = (folder / "events.parquet").stat().st_size
        found = {}
        # pandas holds the table in memory (2.7 GiB at 10M events, measured): not tried at 100M
        for engine in ("duckdb", "pandas") if n <= PANDAS_LARGEST else ("duckdb",):
            found[engine] = run_measured([PY, script, engine, str(folder)], check=False)
            seconds, peak, text, _ = found[engine]
            inner = text if text.startswith("FAILED") else f"{text.split()[0]} s counting"
            print(
                f"{n:>12,d} events ({size / 2**20:6.0f} MiB Parquet, written in "
                f"{written.seconds:5.1f} s)  {engine:6s} {seconds:7.2f} s in all ({inner}), "
                f"peak {peak / 2**20:7.0f} MiB"
            )
        if "pandas" in found and not found["pandas"].text.startswith("FAILED"):
            same = found["duckdb"].text.split()[1:] == found["pandas"].text.split()[1:]
            print(f"{'':12s}  same occasions counted by both: {same}")
        rows[n] = found
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS["duckdb"] = rows


VALIDATE_CODE = (
    "import sys; from helpers.dataset.validate import require_valid; require_valid(sys.argv[1])"
)
# Runs a command and prints its wall time and the peak resident memory of that one child
# (getrusage of the children of a process that has no other child).
CHILD_PEAK = (
    "import resource, subprocess, sys, time; start = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True); seconds = time.perf_counter() - start; "
    "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)"
)


def validation_at_scale(work: Path) -> None:
    """``validate`` on a valid generated data directory of 1,000,000 events (100,000 with
    --quick): wall time and the validator's peak resident memory, best of two runs."""
    section("Validation at scale (benchmarks/synthetic_dataset.py)")
    from synthetic_dataset import write_dataset

    n = 100_000 if QUICK else 1_000_000
    data = work / "validate-at-scale"
    rows = write_dataset(data, n)
    size = sum(p.stat().st_size for p in data.iterdir())
    print(
        f"{n:,d} events: {rows['reports']:,d} reports, {rows['participants']:,d} participants, "
        f"{rows['event_themes']:,d} theme links, {size / 2**30:.2f} GiB of CSV"
    )
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [PY, "-c", CHILD_PEAK, PY, "-c", VALIDATE_CODE, str(data)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        runs.append((float(out[0]), int(out[1])))
    seconds, peak = min(runs)
    print(
        f"validate     {n:,d} events: {seconds:7.2f} s, peak {peak / 2**20:7.0f} MiB "
        f"(best of 2; the other {max(runs)[0]:.2f} s; target <= 15 s, <= 2 GiB at 1,000,000)"
    )
    RESULTS["validate"] = {"events": n, "seconds": seconds, "peak": peak}
    shutil.rmtree(data)


# Builds the columnar copy of a data directory into a cache of its own and prints the copy's
# wall seconds and the processor seconds (user + system) of the process, threads included.
COPY_CODE = (
    "import resource, sys, time; from pathlib import Path; "
    "from helpers.dataset import columnar, load; columnar.CACHE = Path(sys.argv[2]); "
    "cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2]); "
    "start, before = time.perf_counter(), cpu(); load.read_typed(sys.argv[1]); "
    "print(time.perf_counter() - start, cpu() - before)"
)


def columnar_copy_at_scale(work: Path) -> None:
    """The columnar copy built from the CSV files of 1,000,000 generated events (100,000 with
    --quick): wall and processor seconds of the build, the child's peak memory, best of two."""
    section("Columnar copy at scale (helpers.dataset.columnar, benchmarks/synthetic_dataset.py)")
    from synthetic_dataset import write_dataset

    n = 100_000 if QUICK else 1_000_000
    data, runs = work / "copy-at-scale", []
    write_dataset(data, n)
    for i in range(2):
        cmd = [PY, "-c", COPY_CODE, str(data), str(work / f"copy-cache-{i}")]
        out = subprocess.run(
            [PY, "-c", CHILD_PEAK, *cmd], check=True, capture_output=True, text=True
        ).stdout.split()
        runs.append((float(out[0]), float(out[1]), int(out[3])))
    seconds, cpu, peak = min(runs)
    print(
        f"copy built   {n:,d} events: {seconds:7.2f} s, {cpu:7.2f} s of processor time "
        f"(user + system), peak {peak / 2**20:7.0f} MiB (best of 2; target well under 10 s)"
    )
    RESULTS["columnar copy"] = {"events": n, "seconds": seconds, "cpu": cpu, "peak": peak}
    shutil.rmtree(data)


# An IPython startup file that notes each kernel started (one per notebook run, by nbval or
# papermill) in the file named by the environment; it prints nothing, so no output changes.
KERNEL_NOTE = """import os as _os
if _os.environ.get("BENCH_KERNELS"):
    with open(_os.environ["BENCH_KERNELS"], "a") as _f:
        _f.write(f"{_os.getpid()}\\n")
    del _f
del _os
"""


def test_suite(work: Path) -> None:
    """``make test`` on a fresh clone of the committed HEAD, with ../shared beside it: wall
    time, CPU time of the processes it ran (each waited for by its parent), and how many
    notebooks ran (kernels started)."""
    section("make test on a fresh clone (venv built from the lock, warm package cache)")
    clone = work / "clone" / "project"
    clone.parent.mkdir()
    (clone.parent / "shared").symlink_to(PROJECT_ROOT.parent / "shared")
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], check=True)
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-note-kernel.py").write_text(KERNEL_NOTE, encoding="utf-8")
    kernels = work / "kernels.txt"
    env = {**os.environ, "IPYTHONDIR": str(work / "ipython"), "BENCH_KERNELS": str(kernels)}
    cpu = _children_cpu()
    start = time.perf_counter()
    run = subprocess.run(["make", "test"], cwd=clone, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    notebooks = len(kernels.read_text().splitlines()) if kernels.is_file() else 0
    lines = run.stdout.strip().splitlines()
    results = [line.strip("= ") for line in lines if " passed" in line or " failed" in line]
    summary = (results or lines or ["(no output)"])[-1]
    print(
        f"make test: {seconds:7.2f} s, {cpu:7.1f} s CPU, {notebooks} notebook runs, "
        f"exit {run.returncode}: {summary}"
    )
    RESULTS["tests"] = (seconds, cpu, notebooks, run.returncode, summary)


def _children_cpu() -> float:
    """User and system CPU seconds of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def issue_table() -> None:
    """Every row of issue 14's table, measured in this run, with its target beside it."""
    section("Issue 14: measured in this run, against the targets")
    helpers = RESULTS.get("helpers", {})
    syn = RESULTS.get("synthetic")
    rows = []
    million = RESULTS.get("million")
    valid = RESULTS.get("validate")
    if valid:
        rows.append(
            (
                f"validate on {valid['events']:,d} events",
                f"{valid['seconds']:.1f} s, {valid['peak'] / 2**30:.2f} GiB peak",
                "1,000,000 events <= 15 s, <= 2 GiB",
            )
        )
    for found in (syn, million):
        if found:
            n, report = found["events"], found["report"]
            rs, rp, rt = report.seconds, report.peak, report.text
            failed = f"; {rt}" if rt.startswith(("FAILED", "NOT FINISHED")) else ""
            vs, vt = found["validate"].seconds, found["validate"].text
            validation = "over the time allowed" if vt.startswith("NOT FINISHED") else f"{vs:.0f} s"
            rows.append(
                (
                    f"full report on {n:,d} events",
                    f"{rs:.1f} s, {rp / 2**30:.2f} GiB resident summed over all processes "
                    f"({report.proportional / 2**30:.2f} GiB proportional: shared pages once; "
                    f"validation alone: {validation}){failed}",
                    "1,000,000 events <= 90 s end to end, <= 4 GiB",
                )
            )
    for n, found in RESULTS.get("duckdb", {}).items():
        cells = [
            f"{engine} {s:.1f} s, {p / 2**30:.2f} GiB"
            + (" (failed)" if t.startswith("FAILED") else "")
            for engine, (s, p, t, _) in found.items()
        ]
        rows.append(
            (
                f"occasion counts over Parquet, {n:,d} events",
                "; ".join(cells),
                "tens of millions of rows on one machine (DuckDB, out of core)",
            )
        )
    grid = helpers.get("figure interlocutors_by_year")
    figures = {k: v for k, v in helpers.items() if k.startswith("figure ")}
    if grid:
        at_1m = [v[-1][0] for v in figures.values()]
        # a failed figure (nan) counts as over
        over = sorted(k.removeprefix("figure ") for k, v in figures.items() if not v[-1][0] <= 1)
        rows.append(
            (
                "interlocutors_by_year figure",
                f"{grid[0][0]:.1f} s at 10,000 events; slowest figure at the largest size "
                f"{max(x for x in at_1m if x == x):.1f} s; over 1 s (or failed): "
                f"{len(over)} of {len(figures)}",
                "every figure <= 1 s at 1,000,000 events",
            )
        )
    fig_cov, ana_cov = coverage()
    rows.append(("bench coverage", f"{fig_cov}; {ana_cov}", "all of them"))
    runs = RESULTS.get("report", {})
    targets = {
        "nothing changed": "<= 2 s, no kernel started",
        "one notebook edited": "that notebook only",
        "from scratch": "<= 15 s",
    }
    for what, target in targets.items():
        if what in runs:
            seconds, text = runs[what]
            if what == "from scratch" and WARM_UP in runs:
                text += f"; before it, the {WARM_UP}: {runs[WARM_UP][0]:.1f} s"
            rows.append((f"make report, {what} (data/)", f"{seconds:.1f} s ({text})", target))
    if "tests" in RESULTS:
        seconds, cpu, notebooks, code, summary = RESULTS["tests"]
        measured = f"{seconds:.0f} s ({cpu:.0f} s CPU, {notebooks} notebook runs), exit {code}"
        rows.append(("make test on a fresh clone", f"{measured}: {summary}", "<= 90 s"))
    if "calibration" in RESULTS:
        rows.append(
            (
                "this machine's speed",
                f"{RESULTS['calibration']:.2f} s for ten million pure-Python additions",
                "(a reference, to compare runs on two machines)",
            )
        )
    print("| what | measured | target |\n|---|---|---|")
    for what, measured, target in rows:
        print(f"| {what} | {measured} | {target} |")


def main() -> None:
    RESULTS["calibration"] = calibration()
    print(
        f"machine: {CORES} cores, Python {sys.version.split()[0]}; ten million pure-Python "
        f"additions take {RESULTS['calibration']:.2f} s"
    )
    if HELPERS_ONLY:
        helpers_at_scale()
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        kernel_floor(work)
        section("Zero-work floor")
        zero_work_floor(work, len(list((PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb"))))
        report_runs(work)
        synthetic_runs(work)
        validation_at_scale(work)
        columnar_copy_at_scale(work)
        duckdb_runs(work)
        per_notebook(work)
        helpers_at_scale()
        setup_time(work)
        if "--no-tests" not in sys.argv:
            test_suite(work)
        issue_table()
    shutil.rmtree(PROJECT_ROOT / "benchmarks" / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    main()
