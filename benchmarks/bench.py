"""Measured speed and scale, printed side by side with their targets (`make bench`).

Prints: the kernel floor (a plain `python -c pass`, one papermill run of a one-cell notebook,
and how often papermill's kernel shutdown stalls with and without the report's immediate
shutdown); the full report's wall time against its target; each notebook under papermill
against the same code run as a plain script; every aggregation and plotting helper on synthetic
tables of 10,000, 100,000 and 1,000,000 events (seconds and peak memory); and setting up the
environment from an empty .venv with a warm package cache.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_tables import scope_of, synthetic_tables  # noqa: E402

from helpers.analysis import (  # noqa: E402
    agreements,
    dataset_overview,
    interlocutors,
    themes_by_partner,
    themes_over_time,
)
from helpers.dataset.read import encode  # noqa: E402
from helpers.dataset.schema import Schema  # noqa: E402
from helpers.figures import dataset_overview as overview_figures  # noqa: E402
from helpers.figures import themes_by_partner as partner_figures  # noqa: E402
from helpers.figures import themes_over_time as time_figures  # noqa: E402
from helpers.figures.style import figure_context, use_style  # noqa: E402
from helpers.paths import PROJECT_ROOT  # noqa: E402

CORES = os.cpu_count() or 1
PY = sys.executable
QUICK = "--quick" in sys.argv


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


def full_report(work: Path, floor: float) -> None:
    section("Full report")
    notebooks = sorted((PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb"))
    seconds = timed(
        [
            PY,
            "-m",
            "helpers",
            "report",
            "--data",
            str(PROJECT_ROOT / "data"),
            "--out",
            str(work / "report"),
        ],
        cwd=PROJECT_ROOT,
    )
    target = 1.5 * len(notebooks) * floor / CORES
    verdict = "met" if seconds <= target else "MISSED"
    print(
        f"make report equivalent ({len(notebooks)} notebooks, {CORES} cores): {seconds:6.2f} s; "
        f"target <= 1.5 x {len(notebooks)} x {floor:.2f} / {CORES} = {target:.2f} s: {verdict}"
    )
    print(f"  ratio to the kernel floor per core: {seconds / (len(notebooks) * floor / CORES):.2f}")
    zero_work_floor(work, len(notebooks))


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
    ("themes_by_voice", themes_by_partner.themes_by_voice),
    (
        "themes_official_share",  # from themes_by_voice, as notebook 02 computes it
        lambda s: themes_by_partner.themes_official_share(themes_by_partner.themes_by_voice(s)),
    ),
    ("themes_by_year", themes_over_time.themes_by_year),
    ("agreements_by_kind_status", agreements.agreements_by_kind_status),
    ("interlocutors_by_year", interlocutors.interlocutors_by_year),
    ("continuity", interlocutors.continuity),
    ("timeline", dataset_overview.timeline),
]
PLOTS = [
    (
        "figure counts_by_partner_year",
        lambda s, t: overview_figures.counts_by_partner_year(
            t["counts_by_partner_year"], figure_context(s)
        ),
    ),
    ("figure date_precision", lambda s, t: overview_figures.date_precision(t["date_precision"])),
    (
        "figure themes_official_share",
        lambda s, t: partner_figures.themes_official_share(
            t["themes_official_share"], figure_context(s)
        ),
    ),
    (
        "figure themes_by_year",
        lambda s, t: time_figures.themes_by_year(t["themes_by_year"], figure_context(s)),
    ),
    ("figure timeline", lambda s, t: overview_figures.timeline(t["timeline"], figure_context(s))),
]


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
        tables = {}
        for name, function in AGGREGATIONS:
            tables[name], seconds, peak = measure(function, scope)
            rows.setdefault(name, []).append((seconds, peak))
        for name, plot in PLOTS:
            _, seconds, peak = measure(plot, scope, tables)
            rows.setdefault(name, []).append((seconds, peak))
        del scope, tables
    header = "".join(f"{n:>22,d}" for n in sizes)
    print(f"{'helper':30s}{header}   growth x10->x100   at 1M")
    for name, values in rows.items():
        cells = "".join(f"{s:9.3f}s {p / 2**20:8.1f}MiB" for s, p in values)
        growth = " ".join(
            f"{values[i + 1][0] / max(values[i][0], 1e-9):5.1f}" for i in range(len(values) - 1)
        )
        verdict = ""
        if len(values) == 3:
            ok = values[2][0] <= 1.0 and values[2][1] <= 2**30
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
    first = timed(
        [python, "-c", "import pandas, matplotlib.pyplot, frictionless, papermill"], env=env
    )
    again = timed(
        [python, "-c", "import pandas, matplotlib.pyplot, frictionless, papermill"], env=env
    )
    print(f"first import of the stack {first:5.2f} s (writes bytecode once), then {again:5.2f} s")


def main() -> None:
    print(f"machine: {CORES} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        floor = kernel_floor(work)
        full_report(work, floor)
        per_notebook(work)
        helpers_at_scale()
        setup_time(work)
    shutil.rmtree(PROJECT_ROOT / "benchmarks" / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    main()
