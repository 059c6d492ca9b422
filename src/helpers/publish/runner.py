"""The main job: validate the data, check every notebook's parameters, execute the notebooks
with papermill in parallel, and store normalised executed notebooks (same inputs, same bytes).

Parameters come from one file, ``notebooks/report.yml``: ``defaults`` for every notebook and an
entry per notebook for its own values. Each notebook writes its figures to
``<out_dir>/<notebook>/``.
"""

from __future__ import annotations

import contextvars
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from helpers.dataset.checksum import data_checksum
from helpers.errors import DataError, ParameterError, shown
from helpers.files import remove_leftovers, write_text_atomic
from helpers.paths import PARAMETERS_FILE, PROJECT_FIGURES, PROJECT_NOTEBOOKS, PROJECT_SITE
from helpers.publish import kernel_forks, parameters
from helpers.publish.cache import SITE, RunCache, notebook_key, site_key
from helpers.publish.outputs import (
    MANIFEST_NAME,
    check_out_dir,
    file_sha256,
    file_states,
    load_manifest,
    owned,
    remove_stale,
    report_lock,
    require_owned_files,
    require_owned_folder,
    save_manifest,
    written_since,
)

# papermill, nbformat, the validator, pandas and the site's nbconvert are imported where they
# are used: a report with nothing to do (every notebook's key unchanged) needs none of them

SCOPE_PARAMETERS = ("partners", "year_from", "year_to", "theme_kind", "include_observers")


@dataclass(frozen=True)
class Job:
    """One notebook to run: where it is, where its executed copy goes, and its parameters."""

    source: Path
    target: Path
    parameters: dict[str, Any]
    # the parameters report.yml sets for it, by where: "defaults", "notebooks.<name>"
    origin: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return self.source.stem


def load_parameters(path: Path = PARAMETERS_FILE) -> tuple[dict[str, Any], dict[str, dict]]:
    """Defaults and per-notebook parameters from the report's YAML file, checked against the
    declared schema (``helpers.publish.parameters``)."""
    return parameters.load(path)


def plan(
    data_dir: Path,
    out_dir: Path,
    executed_dir: Path,
    notebooks_dir: Path = PROJECT_NOTEBOOKS,
    parameters_file: Path = PARAMETERS_FILE,
    only: Sequence[str] | None = None,
) -> list[Job]:
    """The jobs of one report (``only``: these notebooks, by name, file name or number), with
    every parameter checked against the notebooks and the data before any run."""
    jobs = draft(data_dir, out_dir, executed_dir, notebooks_dir, parameters_file, only)
    check(jobs, data_dir, parameters_file)
    return jobs


def draft(
    data_dir: Path,
    out_dir: Path,
    executed_dir: Path,
    notebooks_dir: Path = PROJECT_NOTEBOOKS,
    parameters_file: Path = PARAMETERS_FILE,
    only: Sequence[str] | None = None,
) -> list[Job]:
    """The jobs of one report with their parameters, from the parameter file alone (checked
    against its schema and the notebooks' names); ``check`` checks them against the data."""
    defaults, per_notebook = load_parameters(parameters_file)
    sources = sorted(notebooks_dir.glob("[0-9]*.ipynb"))
    if not sources:
        raise DataError(f"{notebooks_dir}: no notebooks to run")
    chosen = _chosen(sources, only)
    unknown = sorted(set(per_notebook) - {s.stem for s in sources})
    if unknown:
        raise DataError(
            f"{parameters_file}: notebooks: unknown notebook(s) {shown(unknown)}; allowed: "
            f"{shown([s.stem for s in sources], limit=200)}"
        )
    jobs = []
    for source in chosen:
        own = per_notebook.get(source.stem, {})
        params = {**defaults, **own}
        params["data_dir"] = os.path.relpath(data_dir, notebooks_dir)
        params["figure_dir"] = os.path.relpath(out_dir / source.stem, notebooks_dir)
        params["validate_data"] = False  # validated once, by check
        origin = {"defaults": tuple(defaults), f"notebooks.{source.stem}": tuple(own)}
        jobs.append(Job(source, executed_dir / source.name, params, origin))
    return jobs


def check(jobs: Sequence[Job], data_dir: Path, parameters_file: Path = PARAMETERS_FILE) -> None:
    """Validate the data once, then check each job's parameters against its notebook's declared
    parameters and against the data; raise the first error, naming where it was set."""
    import papermill

    scopes = {}  # each distinct scope once, by its parameters as text
    for job in jobs:
        params = {k: job.parameters[k] for k in SCOPE_PARAMETERS if k in job.parameters}
        scopes.setdefault(repr(sorted(params.items())), params)
    problems = _scope_problems(data_dir, list(scopes.values()))
    for job in jobs:
        declared = set(papermill.inspect_notebook(str(job.source)))
        for where, names in job.origin.items():
            undeclared = sorted(set(names) - declared)
            if undeclared:
                raise ParameterError(
                    f"{parameters_file}: {where}: {job.source.name} has no parameter(s) "
                    f"{undeclared}; it takes {sorted(declared - set(parameters.SET_BY_RUNNER))}"
                )
        own = set(job.origin.get(f"notebooks.{job.name}", ()))
        defaults = set(job.origin.get("defaults", ()))
        params = {k: job.parameters[k] for k in SCOPE_PARAMETERS if k in job.parameters}
        problem = problems[list(scopes).index(repr(sorted(params.items())))]
        if problem is not None:
            names = problem.split(":", 1)[0].split("/")  # resolve's messages start with them
            keys = [
                f"notebooks.{job.name}.{n}" if n in own else f"defaults.{n}"
                for n in names
                if n in own or n in defaults
            ]
            where = f" (set in {', '.join(keys)})" if keys else ""
            raise ParameterError(f"{parameters_file}: {job.name}: {problem}{where}")


def _scope_problems(data_dir: Path, scopes: list[dict[str, Any]]) -> list[str | None]:
    """Validate the data (raise DataError), then, for each scope's parameters, what ``resolve``
    says is wrong with them (None: nothing), the tables read once for all. In a forked child
    where the system has fork: the gigabytes that validating and reading a large dataset take
    go back to the system when it ends, before any kernel starts, instead of staying in this
    process (its allocator keeps freed memory) beside the kernels."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from helpers.dataset.load import remember_valid

    if "fork" not in multiprocessing.get_all_start_methods():
        valid, problems = _problems_of(data_dir, scopes)
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            valid, problems = pool.submit(_problems_of, data_dir, scopes).result()
    remember_valid(valid)
    return problems


def _problems_of(
    data_dir: Path, scopes: list[dict[str, Any]]
) -> tuple[tuple[str, str], list[str | None]]:
    from helpers.analysis.scope import scoped
    from helpers.dataset.load import read_typed, require_valid_once

    valid = require_valid_once(data_dir)
    if not data_dir.is_dir():  # as resolve says it, before any table is read
        raise ParameterError(f"data_dir: directory {str(data_dir)!r} does not exist")
    tables = read_typed(data_dir)
    problems: list[str | None] = []
    for params in scopes:
        try:
            scoped(tables, data_dir, **params)
            problems.append(None)
        except ParameterError as exc:
            problems.append(str(exc))
    return valid, problems


def _chosen(sources: list[Path], only: Sequence[str] | None) -> list[Path]:
    """The notebooks named in ``only`` (all when None): each by its name (``02_themes_by_partner``),
    its file name or its number (``02``)."""
    if not only:
        return sources
    chosen = []
    for name in only:
        found = [s for s in sources if name in (s.stem, s.name, s.stem.split("_", 1)[0])]
        if not found:
            raise DataError(
                f"--only: no notebook {shown(name)}; allowed: {[s.stem for s in sources]}"
            )
        chosen += [s for s in found if s not in chosen]
    return sorted(chosen)


def normalise(path: Path, job: Job) -> str:
    """The executed notebook without what changes from run to run (timings, paths, random ids,
    how the kernel split printed text into messages)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    # the interpreter's patch version differs between machines (3.11.2, 3.11.7): keep 3.11
    language = nb.metadata.get("language_info", {})
    if "version" in language:
        language["version"] = ".".join(str(language["version"]).split(".")[:2])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    papermill = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {
        "parameters": papermill.get("parameters", job.parameters),
        "input_path": job.source.name,
        "output_path": job.target.name,
        "version": papermill.get("version"),
    }
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "outputs" in cell:
            cell.outputs = merged_streams(cell.outputs)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{index}"
    return nbformat.writes(nb) + "\n"


def merged_streams(outputs: list) -> list:
    """Outputs with each run of consecutive stream outputs of one name (stdout, stderr) as one:
    the kernel sends a cell's printed text in as many pieces as its flushes happen to make
    (more on a busy machine), the same text either way."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def run_job(job: Job, progress: bool) -> None:
    """Execute one notebook to a temporary file and move the normalised result into place."""
    job.target.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own, so that two reports writing to the same folder do not share it
    handle, name = tempfile.mkstemp(
        dir=job.target.parent, prefix=f".{job.target.stem}.", suffix=".running.ipynb"
    )
    os.close(handle)
    tmp = Path(name)
    try:
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                _execute(job, tmp, progress)
                break
            except RuntimeError as exc:  # papermill's error when the kernel never started
                if KERNEL_NEVER_STARTED not in str(exc) or attempt == KERNEL_STARTS:
                    raise
        write_text_atomic(job.target, normalise(tmp, job))
    finally:
        tmp.unlink(missing_ok=True)


# A kernel whose ports another process took between jupyter_client choosing them and the kernel
# binding them dies before it replies (jupyter/jupyter_client#154, a known race when kernels
# start side by side): no cell has run, so the notebook is started again, with new ports.
KERNEL_NEVER_STARTED = "Kernel died before replying to kernel_info"
KERNEL_STARTS = 3


def _execute(job: Job, tmp: Path, progress: bool) -> None:
    """One papermill run of ``job`` into ``tmp``."""
    import papermill as pm

    pm.execute_notebook(
        str(job.source),
        str(tmp),
        parameters=job.parameters,
        kernel_name="python3",
        progress_bar=progress,
        # The kernel starts in the notebook's folder (nbclient takes it from the resources).
        # Not papermill's cwd=: that changes the whole process's directory while a notebook
        # runs, and the threads running notebooks side by side would race on it.
        resources={"metadata": {"path": str(job.source.parent)}},
        record_timing=False,
        # Stop the kernel at once when the notebook is done: ipykernel's graceful shutdown
        # sometimes deadlocks (its control thread flushes stdout after the IOPub thread has
        # closed) until jupyter_client terminates it 2.5 s later. Every output has arrived
        # by then, so nothing is lost.
        shutdown_kernel="immediate",
        kernel_manager_class=kernel_forks.manager_class(),
    )


@dataclass(frozen=True)
class Report:
    """What one report wrote: executed notebooks, the figure folder and the site's index page;
    which notebooks ran and which were skipped, each with the reason (``skipped`` holds the
    site too, under "site", when it was left as it was)."""

    executed: list[Path]
    figures: Path
    site: Path | None
    ran: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def publication_dirs(out_dir: Path, executed_dir: Path | None = None) -> tuple[Path, Path]:
    """Where a report into ``out_dir`` stores its executed notebooks and its site. The project's
    own report (into ``figures/``) updates the stored notebooks in ``notebooks/`` and ``site/``;
    any other goes to ``OUT/notebooks`` and ``OUT/site``, never into the project's files."""
    own = out_dir.resolve() == PROJECT_FIGURES.resolve()
    executed = executed_dir or (PROJECT_NOTEBOOKS if own else out_dir / "notebooks")
    site = PROJECT_SITE if executed.resolve() == PROJECT_NOTEBOOKS.resolve() else out_dir / "site"
    return executed, site


def run_report(
    data_dir: Path | str,
    out_dir: Path | str,
    executed_dir: Path | str | None = None,
    jobs: int | None = None,
    *,
    site: bool = True,
    parameters_file: Path | str = PARAMETERS_FILE,
    only: Sequence[str] | None = None,
    force: bool = False,
    notebooks_dir: Path = PROJECT_NOTEBOOKS,
    fork_kernels: bool = True,
) -> Report:
    """Run every notebook (``only``: the named ones, and then no site is built), with the
    parameters of ``parameters_file``; store the executed copies and (unless ``site`` is false)
    build the site, where ``publication_dirs`` says.

    A notebook whose key (``helpers.publish.cache``) is that of its last run into this folder,
    and whose outputs are all still the report's own and unchanged, is skipped, and so is the
    site when none of its inputs changed; ``force`` runs everything again. The data are
    validated and the parameters checked whenever a notebook runs. The kernels are forked from
    one that has imported what the notebooks import (``helpers.publish.kernel_forks``) unless
    ``fork_kernels`` is false.

    The output folder must be one of its own (``check_out_dir``); one report at a time writes
    to it (``OUT/.report.lock``); the report overwrites and removes only the files it wrote
    before (``OUT/.report-manifest.json``), and removes what a killed run left behind."""
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    executed, site_dir = publication_dirs(
        out_dir, Path(executed_dir).resolve() if executed_dir else None
    )
    own_notebooks = executed.resolve() == PROJECT_NOTEBOOKS.resolve()
    check_out_dir(out_dir, data_dir)
    if not own_notebooks:
        check_out_dir(executed, data_dir, option="--notebooks-out")
    site = site and not only  # a site of some notebooks would drop the others' pages
    with report_lock(out_dir), ExitStack() as stack:
        parameters_file = Path(parameters_file)
        work = draft(data_dir, out_dir, executed, notebooks_dir, parameters_file, only)
        old = load_manifest(out_dir)
        cache = RunCache.load(out_dir)
        data_sum = data_checksum(data_dir)
        keys = {job.name: notebook_key(job.source, job.parameters, data_sum) for job in work}
        reasons = {
            job.name: "--force" if force else cache.why_run(job.name, keys[job.name], old)
            for job in work
        }
        to_run = [job for job in work if reasons[job.name]]
        skipped = {
            job.name: "unchanged since the last report (same source, parameters, data and "
            "package code; its outputs are as that report wrote them)"
            for job in work
            if not reasons[job.name]
        }
        if to_run:
            if fork_kernels:  # helpers.publish.kernel_forks
                stack.enter_context(kernel_forks.serving([job.source for job in to_run]))
            check(to_run, data_dir, parameters_file)
        if not own_notebooks:  # the project's stored notebooks are the report's own
            require_owned_files(old, out_dir, [job.target for job in to_run])
        may_replace = partial(require_owned_folder, old, out_dir)
        site_files = {k: v for k, v in old.items() if k.startswith(_site_prefix(site_dir, out_dir))}
        if site and site_dir.exists():
            may_replace(site_dir)  # before any notebook runs
        figure_dirs = [out_dir / job.name for job in to_run]
        for folder in [out_dir / job.name for job in work]:
            remove_leftovers(folder)
        for job in work:
            remove_leftovers(job.target.parent, prefix=f".{job.target.stem}.")
        remove_leftovers(site_dir.parent, prefix=f".{site_dir.name}.")
        remove_leftovers(out_dir, prefix=f".{Path(MANIFEST_NAME).stem}.")
        reused = {out_dir / f for name in skipped for f in cache.entries[name]["files"]}
        watched = [*figure_dirs, *(job.target for job in to_run)]
        before = file_states(watched)
        # while the notebooks run, the site's build imports what it needs (it runs after them)
        meanwhile = _preload_site if site and to_run else None
        by_name = {job.name: job for job in to_run}
        scheduled = [by_name[name] for name in cache.longest_first(by_name)]
        try:
            failures, seconds = _run_all(scheduled, jobs, meanwhile)
        except BaseException:  # interrupted: what was written so far is the report's, too
            save_manifest(out_dir, written_since(before, watched) | reused, keep=old)
            _forget(cache, [job.name for job in to_run])
            raise
        stack.close()  # the kernels' server ends with the last notebook
        written = written_since(before, watched)
        for job in to_run:
            if job.name in failures:
                cache.forget(job.name)
            else:
                mine = [out_dir / job.name, job.target]
                files = [p for p in written if any(p == m or p.is_relative_to(m) for m in mine)]
                relative = [_relative(p, out_dir) for p in files]
                cache.record(job.name, keys[job.name], relative, seconds.get(job.name))
        written |= reused  # the skipped notebooks' outputs stay the report's own
        if failures:
            cache.save()
            save_manifest(out_dir, written, keep=old)  # nothing removed, all still owned
            lines = "\n".join(
                f"  {name}: {type(e).__name__}: {e}" for name, e in sorted(failures.items())
            )
            raise RuntimeError(
                f"{len(failures)} notebook(s) failed; their stored copies are unchanged:\n{lines}"
            )
        index, kept = None, {}
        owned_now = {_relative(p, out_dir): file_sha256(p) for p in written}
        site_now = site_key(data_dir, data_sum, owned_now)
        site_cached = (
            site
            and not force
            and cache.entries.get(SITE, {}).get("key") == site_now
            and bool(site_files)
            and all(owned(old, out_dir, out_dir / k) for k in site_files)
        )
        if site_cached:
            index, kept = site_dir / "index.html", site_files
            skipped[SITE] = "none of its inputs changed since the last report"
        elif site:
            from helpers.publish.site import build_site

            notebooks = [job.target for job in work]
            index = build_site(
                executed, out_dir, data_dir, site_dir, notebooks, may_replace, set(written)
            )
            written |= {p for p in site_dir.rglob("*") if p.is_file()}
            cache.record(SITE, site_now, ["site"])
        else:  # the site of an earlier report stays, and stays owned
            kept = site_files
        if only:  # the files of the notebooks not run stay, and stay owned
            ran = [
                _relative(p, out_dir)
                for p in [*(out_dir / j.name for j in work), *(j.target for j in work)]
            ]
            kept |= {
                k: v
                for k, v in old.items()
                if not any(k == r or k.startswith(r + "/") for r in ran)
            }
        remove_stale({k: v for k, v in old.items() if k not in kept}, written, out_dir)
        save_manifest(out_dir, written, keep=kept)
        cache.save()
    return Report(
        [job.target for job in work],
        out_dir,
        index,
        {job.name: reasons[job.name] for job in to_run},
        skipped,
    )


def _relative(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(path, out_dir)).as_posix()


def _site_prefix(site_dir: Path, out_dir: Path) -> str:
    return _relative(site_dir, out_dir) + "/"


def _forget(cache: RunCache, names: list[str]) -> None:
    """Forget the runs an interruption cut short (saved only if that changes the cache)."""
    if any(name in cache.entries for name in names):
        for name in names:
            cache.forget(name)
        cache.save()


def _preload_site() -> None:
    from helpers.publish.book.build import preload

    preload()


def _run_all(
    work: list[Job], jobs: int | None, meanwhile: Callable[[], None] | None = None
) -> tuple[dict[str, BaseException], dict[str, float]]:
    """Run the jobs in parallel, started in the order given (and ``meanwhile``, in this thread,
    once they are started); return the failures by notebook and the seconds each job that
    succeeded took. Ctrl-C or SIGTERM stops the notebooks not yet started, waits for the
    running ones, and then raises as it would have."""
    progress = sys.stderr.isatty()
    # one more notebook than cores: a kernel starting up waits on its sockets part of the time
    workers = max(1, min(jobs or (os.cpu_count() or 1) + 1, len(work)))
    failures: dict[str, BaseException] = {}
    seconds: dict[str, float] = {}
    with _interrupts_deferred() as stop, ThreadPoolExecutor(max_workers=workers) as pool:
        # each in a copy of this context: the kernels' server of this report (kernel_forks)
        futures = {
            job.name: pool.submit(contextvars.copy_context().run, _unless, stop, job, progress)
            for job in work
        }
        if meanwhile is not None:
            with suppress(Exception):  # a head start only: what fails here fails again later
                meanwhile()
        for name, future in futures.items():
            try:
                took = future.result()
            except Exception as exc:  # report every failed notebook, not only the first
                failures[name] = exc
            else:
                if took is not None:
                    seconds[name] = took
    return failures, seconds


def _unless(stop: threading.Event, job: Job, progress: bool) -> float | None:
    """Run ``job`` unless stopped; the seconds it took (None: not run)."""
    if stop.is_set():
        return None
    start = time.monotonic()
    run_job(job, progress)
    return time.monotonic() - start


@contextmanager
def _interrupts_deferred() -> Iterator[threading.Event]:
    """While active, SIGINT and SIGTERM (in the main thread) only set the event; on leaving,
    the first one received raises as its handler would (SIGTERM unhandled: SystemExit 143), so
    that no exception lands while a notebook's thread is being started or its files written."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    received: list[int] = []

    def record(signum: int, frame: object) -> None:
        received.append(signum)
        stop.set()

    previous = {s: signal.signal(s, record) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        handler = previous[received[0]]
        if callable(handler):
            handler(received[0], None)
        if handler is not signal.SIG_IGN:
            raise SystemExit(128 + received[0])
