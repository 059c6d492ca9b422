"""A simulated second coder, for the worked example of notebook 06: a copy of a coding changed
in a documented, seeded way, compared with the original. Never a substitute for a real coder."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from helpers.analysis.scope import Scope, resolve
from helpers.coding.reliability import Comparison, compare_scopes
from helpers.dataset.dates import coarsen
from helpers.dataset.schema import Schema
from helpers.errors import DataError

SIMULATED = "Simulated second coder (a seeded perturbation of this dataset, not a real coder)"


def perturb(
    source: Path | str, target: Path | str, seed: int = 20261122, rate: float = 0.2
) -> list[str]:
    """Write to ``target`` a copy of a coding with documented, seeded changes, as a worked
    example of a second coder. Returns what was changed, one line per change.

    With probability ``rate`` per unit: an event's type is replaced by another type of the
    vocabulary; an event's date precision is coarsened (day -> month -> year, with the date cut
    to match, in the reports that gave it too); an event-theme link is dropped; an instrument
    step is replaced by another step the instrument does not have from that source.
    """
    source, target = Path(source), Path(target)
    if target.exists():
        raise DataError(f"{target} exists already; perturb writes only to a new directory")
    rng = random.Random(seed)
    shutil.copytree(source, target)
    tables = {
        name: pd.read_csv(target / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("events", "reports", "event_themes", "instrument_steps")
    }
    schema = Schema.of(target)
    changes = []
    events = tables["events"]
    types = schema.enum("events", "event_type")
    parents = set(events.parent_event_id)  # a visit with meetings keeps its type
    for i, ev in events.iterrows():
        if ev.event_id not in parents and rng.random() < rate:
            new = rng.choice([t for t in types if t != ev.event_type])
            events.loc[i, "event_type"] = new
            changes.append(f"{ev.event_id}: event_type {ev.event_type} -> {new}")
        coarser = coarsen(ev.start_date, ev.date_precision)
        if coarser is not None and ev.end_date == "" and rng.random() < rate:
            date, precision = coarser
            events.loc[i, ["date_precision", "start_date"]] = [precision, date]
            reports = tables["reports"]
            same = (reports.event_id == ev.event_id) & (reports.start_date == ev.start_date)
            reports.loc[same, ["date_precision", "start_date"]] = [precision, date]
            changes.append(f"{ev.event_id}: date_precision {ev.date_precision} -> {precision}")
    links = tables["event_themes"]
    keep = [rng.random() >= rate for _ in range(len(links))]
    for _, link in links[[not k for k in keep]].iterrows():
        changes.append(f"{link.event_id}: theme {link.theme_id} ({link.voice}) dropped")
    tables["event_themes"] = links[keep]
    steps = tables["instrument_steps"]
    vocabulary = schema.enum("instrument_steps", "step")
    for i, st in steps.iterrows():
        if rng.random() < rate:
            taken = set(
                steps.step[
                    (steps.instrument_id == st.instrument_id) & (steps.source_id == st.source_id)
                ]
            )
            new = rng.choice([s for s in vocabulary if s not in taken])
            steps.loc[i, "step"] = new
            changes.append(f"{st.instrument_id}: step {st.step} -> {new}")
    for name, frame in tables.items():
        frame.to_csv(target / f"{name}.csv", index=False, lineterminator="\n")
    return changes


def simulated_second_coder(
    scope: Scope, seed: int, rate: float, work_dir: Path | str | None = None
) -> tuple[list[str], Comparison]:
    """The worked example of notebook 06: a perturbed copy of the scope's data directory (see
    ``perturb``), cut to the same scope, compared with the original. The copy is made in
    ``work_dir`` (default: the system's temporary folder) and removed whatever happens; returns
    the changes made and the comparison."""
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    # named as a temporary of helpers.files (TEMP_NAME): if a killed run leaves it in a report's
    # figure folder, the next report removes it
    with tempfile.TemporaryDirectory(
        prefix=".second-coder.", suffix=".copy", dir=work_dir
    ) as workdir:
        copy = Path(workdir) / "coder_b"
        changes = perturb(scope.data_dir, copy, seed=seed, rate=rate)
        coder_b = resolve(copy, **scope.parameters())
        return changes, compare_scopes(scope, coder_b)
