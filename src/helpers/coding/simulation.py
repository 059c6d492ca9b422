"""A simulated second coder, for the worked example of notebook 06: a copy of a coding changed
in a documented, seeded way, compared with the original. Never a substitute for a real coder."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.scope import Scope, resolve
from helpers.coding.reliability import Comparison, compare_scopes
from helpers.dataset.dates import coarsen
from helpers.dataset.schema import Schema
from helpers.errors import DataError

EVENT_COLUMNS = ("event_type", "start_date", "date_precision")  # the columns perturb changes
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
    changes: list[str] = []
    # the random draws follow the rows in order, one decision after another, so that a seed
    # gives the changes it always gave; the tables are changed column by column afterwards
    events = tables["events"]
    types = schema.enum("events", "event_type")
    parents = set(events.parent_event_id)  # a visit with meetings keeps its type
    event_type, start, precision = (events[c].tolist() for c in EVENT_COLUMNS)
    coarsened: dict[str, tuple[str, str, str]] = {}  # event -> (date before, date, precision)
    rows = zip(events.event_id, event_type, start, precision, events.end_date, strict=True)
    for i, (event, kind, date, was, end) in enumerate(rows):
        if event not in parents and rng.random() < rate:
            event_type[i] = rng.choice([t for t in types if t != kind])
            changes.append(f"{event}: event_type {kind} -> {event_type[i]}")
        coarser = coarsen(date, was)
        if coarser is not None and end == "" and rng.random() < rate:
            start[i], precision[i] = coarser
            coarsened[event] = (date, *coarser)
            changes.append(f"{event}: date_precision {was} -> {precision[i]}")
    tables["events"] = events.assign(
        **dict(zip(EVENT_COLUMNS, (event_type, start, precision), strict=True))
    )
    tables["reports"] = _coarsened_reports(tables["reports"], coarsened)
    links = tables["event_themes"]
    keep = [rng.random() >= rate for _ in range(len(links))]
    dropped = links[[not k for k in keep]]
    for event, theme, voice in zip(dropped.event_id, dropped.theme_id, dropped.voice, strict=True):
        changes.append(f"{event}: theme {theme} ({voice}) dropped")
    tables["event_themes"] = links[keep]
    steps = tables["instrument_steps"]
    vocabulary = schema.enum("instrument_steps", "step")
    step = steps.step.tolist()
    taken: dict[tuple[str, str], set[str]] = {}  # the steps of an instrument from a source
    for key, value in zip(
        zip(steps.instrument_id, steps.source_id, strict=True), step, strict=True
    ):
        taken.setdefault(key, set()).add(value)
    for i, key in enumerate(zip(steps.instrument_id, steps.source_id, strict=True)):
        if rng.random() < rate:
            new = rng.choice([s for s in vocabulary if s not in taken[key]])
            taken[key].discard(step[i])
            taken[key].add(new)
            changes.append(f"{key[0]}: step {step[i]} -> {new}")
            step[i] = new
    tables["instrument_steps"] = steps.assign(step=step)
    for name, frame in tables.items():
        frame.to_csv(target / f"{name}.csv", index=False, lineterminator="\n")
    return changes


def listed(changes: list[str], shown: int = 50) -> str:
    """The changes one a line, the first ``shown`` of them, and how many more there are (a
    generated dataset of a million events gets hundreds of thousands)."""
    more = len(changes) - shown
    return "\n".join(changes[:shown] + ([f"... and {more:,d} more"] if more > 0 else []))


def _coarsened_reports(
    reports: pd.DataFrame, coarsened: dict[str, tuple[str, str, str]]
) -> pd.DataFrame:
    """The reports of each coarsened event that gave the event's date before: coarsened too."""
    if not coarsened:
        return reports
    found = pd.DataFrame.from_dict(
        coarsened, orient="index", columns=["before", "start_date", "date_precision"]
    )
    at = found.reindex(reports.event_id)
    same = (at.before.to_numpy() == reports.start_date.to_numpy()) & at.before.notna().to_numpy()
    out = reports.copy()
    for column in ("start_date", "date_precision"):
        out[column] = np.where(same, at[column].to_numpy(), reports[column].to_numpy())
    return out


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
        # made by perturb from data validated already (the tests check that perturb keeps data
        # valid): not validated again, which would take longer than the whole comparison
        coder_b = resolve(copy, **scope.parameters(), validate=False)
        return changes, compare_scopes(scope, coder_b)
