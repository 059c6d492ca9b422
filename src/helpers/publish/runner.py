"""The main job: validate the data, check every notebook's parameters, execute the notebooks
with papermill in parallel, and store normalised executed notebooks (same inputs, same bytes).

Parameters come from one file, ``notebooks/report.yml``: ``defaults`` for every notebook and an
entry per notebook for its own values. Each notebook writes its figures to
``<out_dir>/<notebook>/``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill

from helpers.analysis.scope import resolve
from helpers.dataset.validate import require_valid
from helpers.errors import DataError, ParameterError, shown
from helpers.files import write_text_atomic
from helpers.paths import PARAMETERS_FILE, PROJECT_FIGURES, PROJECT_NOTEBOOKS, PROJECT_SITE
from helpers.publish import parameters
from helpers.publish.site import build_site

SCOPE_PARAMETERS = ("partners", "year_from", "year_to", "theme_kind", "include_observers")


@dataclass(frozen=True)
class Job:
    """One notebook to run: where it is, where its executed copy goes, and its parameters."""

    source: Path
    target: Path
    parameters: dict[str, Any]

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
) -> list[Job]:
    """The jobs of one report, with every parameter checked against the notebooks and the data
    before any run."""
    defaults, per_notebook = load_parameters(parameters_file)
    require_valid(data_dir)
    sources = sorted(notebooks_dir.glob("[0-9]*.ipynb"))
    if not sources:
        raise DataError(f"{notebooks_dir}: no notebooks to run")
    unknown = sorted(set(per_notebook) - {s.stem for s in sources})
    if unknown:
        raise DataError(
            f"{parameters_file}: notebooks: unknown notebook(s) {shown(unknown)}; allowed: "
            f"{shown([s.stem for s in sources], limit=200)}"
        )
    jobs = []
    for source in sources:
        own = per_notebook.get(source.stem, {})
        declared = set(papermill.inspect_notebook(str(source)))
        for where, values in (("defaults", defaults), (f"notebooks.{source.stem}", own)):
            undeclared = sorted(set(values) - declared)
            if undeclared:
                raise ParameterError(
                    f"{parameters_file}: {where}: {source.name} has no parameter(s) "
                    f"{undeclared}; it takes {sorted(declared - set(parameters.SET_BY_RUNNER))}"
                )
        params = {**defaults, **own}
        params["data_dir"] = os.path.relpath(data_dir, notebooks_dir)
        params["figure_dir"] = os.path.relpath(out_dir / source.stem, notebooks_dir)
        params["validate_data"] = False  # validated once, above
        try:
            scope_params = {k: params[k] for k in SCOPE_PARAMETERS if k in params}
            resolve(data_dir, **scope_params, validate=False)  # validated once above
        except ParameterError as exc:
            names = str(exc).split(":", 1)[0].split("/")  # resolve's messages start with them
            keys = [
                f"notebooks.{source.stem}.{n}" if n in own else f"defaults.{n}"
                for n in names
                if n in own or n in defaults
            ]
            where = f" (set in {', '.join(keys)})" if keys else ""
            raise ParameterError(f"{parameters_file}: {source.stem}: {exc}{where}") from None
        jobs.append(Job(source, executed_dir / source.name, params))
    return jobs


def normalise(path: Path, job: Job) -> str:
    """The executed notebook without what changes from run to run (timings, paths, random ids)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
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
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{index}"
    return nbformat.writes(nb) + "\n"


def run_job(job: Job, progress: bool) -> None:
    """Execute one notebook to a temporary file and move the normalised result into place."""
    import papermill as pm

    job.target.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own, so that two reports writing to the same folder do not share it
    handle, name = tempfile.mkstemp(
        dir=job.target.parent, prefix=f".{job.target.stem}.", suffix=".running.ipynb"
    )
    os.close(handle)
    tmp = Path(name)
    try:
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
        )
        write_text_atomic(job.target, normalise(tmp, job))
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Report:
    """What one report wrote: executed notebooks, the figure folder and the site's index page."""

    executed: list[Path]
    figures: Path
    site: Path | None


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
) -> Report:
    """Run every notebook, store the executed copies and (unless ``site`` is false) build the
    site, where ``publication_dirs`` says."""
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    executed, site_dir = publication_dirs(
        out_dir, Path(executed_dir).resolve() if executed_dir else None
    )
    work = plan(data_dir, out_dir, executed)
    progress = sys.stderr.isatty()
    # one more notebook than cores: a kernel starting up waits on its sockets part of the time
    workers = max(1, min(jobs or (os.cpu_count() or 1) + 1, len(work)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {job.name: pool.submit(run_job, job, progress) for job in work}
        failures = {}
        for name, future in futures.items():
            try:
                future.result()
            except Exception as exc:  # report every failed notebook, not only the first
                failures[name] = exc
    if failures:
        lines = "\n".join(f"  {name}: {type(e).__name__}: {e}" for name, e in failures.items())
        raise RuntimeError(
            f"{len(failures)} notebook(s) failed; their stored copies are unchanged:\n{lines}"
        )
    index = build_site(executed, out_dir, data_dir, site_dir) if site else None
    return Report([job.target for job in work], out_dir, index)
