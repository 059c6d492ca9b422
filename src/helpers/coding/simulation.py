"""A simulated second coder, for the worked example of notebook 06: a copy of a coding changed
in a documented, seeded way, compared with the original. Never a substitute for a real coder.

The changes are drawn once (``_draw``) on the coding's columns as text, so that a seed gives the
same changes whether the copy is written to a folder (``perturb``) or made in memory from the
typed tables (``perturb_tables``, what notebook 06 uses: no copy of the data is written)."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.scope import Scope, scoped
from helpers.coding.reliability import Comparison, LineFinder, compare_scopes, one_line_records
from helpers.dataset.dates import coarsen
from helpers.dataset.lines import row_lines
from helpers.dataset.read import typed_column
from helpers.dataset.schema import Schema
from helpers.errors import DataError

EVENT_COLUMNS = ("event_type", "start_date", "date_precision")  # the columns perturb changes
CHANGED = ("events", "reports", "event_themes", "instrument_steps")  # the tables it changes
SIMULATED = "Simulated second coder (a seeded perturbation of this dataset, not a real coder)"
Columns = dict[str, dict[str, list[str]]]  # table -> column -> cells as text ("" if empty)
NEEDED = {
    "events": ("event_id", "parent_event_id", *EVENT_COLUMNS, "end_date"),
    "reports": ("event_id", "start_date", "date_precision"),
    "event_themes": ("event_id", "theme_id", "voice"),
    "instrument_steps": ("instrument_id", "source_id", "step"),
}


@dataclass(frozen=True)
class Drawn:
    """The changes drawn for one coding: described one a line, and as new cells."""

    changes: list[str]
    events: dict[str, list[str]]  # the new cells of EVENT_COLUMNS
    reports: dict[str, np.ndarray]  # the new start_date and date_precision of every report
    links_kept: np.ndarray  # per event-theme link: kept (True) or dropped
    steps: list[str]  # the new step of every instrument step


def _draw(columns: Columns, schema: Schema, seed: int, rate: float) -> Drawn:
    """With probability ``rate`` per unit: an event's type is replaced by another type of the
    vocabulary; an event's date precision is coarsened (day -> month -> year, with the date cut
    to match, in the reports that gave it too); an event-theme link is dropped; an instrument
    step is replaced by another step the instrument does not have from that source."""
    rng = random.Random(seed)
    changes: list[str] = []
    # the random draws follow the rows in order, one decision after another, so that a seed
    # gives the changes it always gave; the tables are changed column by column afterwards
    events = columns["events"]
    types = schema.enum("events", "event_type")
    parents = set(events["parent_event_id"])  # a visit with meetings keeps its type
    event_type, start, precision = (list(events[c]) for c in EVENT_COLUMNS)
    coarsened: dict[str, tuple[str, str, str]] = {}  # event -> (date before, date, precision)
    rows = zip(events["event_id"], event_type, start, precision, events["end_date"], strict=True)
    for i, (event, kind, date, was, end) in enumerate(rows):
        if event not in parents and rng.random() < rate:
            event_type[i] = rng.choice([t for t in types if t != kind])
            changes.append(f"{event}: event_type {kind} -> {event_type[i]}")
        coarser = coarsen(date, was)
        if coarser is not None and end == "" and rng.random() < rate:
            start[i], precision[i] = coarser
            coarsened[event] = (date, *coarser)
            changes.append(f"{event}: date_precision {was} -> {precision[i]}")
    reports = _coarsened_reports(columns["reports"], coarsened)
    links = columns["event_themes"]
    keep = np.array([rng.random() >= rate for _ in range(len(links["event_id"]))], dtype=bool)
    for i in np.flatnonzero(~keep).tolist():
        event, theme, voice = (links[c][i] for c in ("event_id", "theme_id", "voice"))
        changes.append(f"{event}: theme {theme} ({voice}) dropped")
    steps = columns["instrument_steps"]
    vocabulary = schema.enum("instrument_steps", "step")
    step = list(steps["step"])
    keys = list(zip(steps["instrument_id"], steps["source_id"], strict=True))
    taken: dict[tuple[str, str], set[str]] = {}  # the steps of an instrument from a source
    for key, value in zip(keys, step, strict=True):
        taken.setdefault(key, set()).add(value)
    for i, key in enumerate(keys):
        if rng.random() < rate:
            new = rng.choice([s for s in vocabulary if s not in taken[key]])
            taken[key].discard(step[i])
            taken[key].add(new)
            changes.append(f"{key[0]}: step {step[i]} -> {new}")
            step[i] = new
    new_events = dict(zip(EVENT_COLUMNS, (event_type, start, precision), strict=True))
    return Drawn(changes, new_events, reports, keep, step)


def _coarsened_reports(
    reports: dict[str, list[str]], coarsened: dict[str, tuple[str, str, str]]
) -> dict[str, np.ndarray]:
    """The reports' start_date and date_precision, with the reports of each coarsened event
    that gave the event's date before coarsened too."""
    dates = np.asarray(reports["start_date"], dtype=object)
    precisions = np.asarray(reports["date_precision"], dtype=object)
    if not coarsened:
        return {"start_date": dates, "date_precision": precisions}
    found = pd.DataFrame.from_dict(
        coarsened, orient="index", columns=["before", "start_date", "date_precision"]
    )
    at = found.reindex(pd.Index(reports["event_id"], dtype=object))
    same = (at.before.to_numpy() == dates) & at.before.notna().to_numpy()
    return {
        "start_date": np.where(same, at.start_date.to_numpy(), dates),
        "date_precision": np.where(same, at.date_precision.to_numpy(), precisions),
    }


def perturb(
    source: Path | str, target: Path | str, seed: int = 20261122, rate: float = 0.2
) -> list[str]:
    """Write to ``target`` a copy of a coding with documented, seeded changes (see ``_draw``),
    as a worked example of a second coder. Returns what was changed, one line per change."""
    source, target = Path(source), Path(target)
    if target.exists():
        raise DataError(f"{target} exists already; perturb writes only to a new directory")
    shutil.copytree(source, target)
    tables = {
        name: pd.read_csv(target / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in CHANGED
    }
    columns = {t: {c: tables[t][c].tolist() for c in NEEDED[t]} for t in CHANGED}
    drawn = _draw(columns, Schema.of(target), seed, rate)
    tables["events"] = tables["events"].assign(**drawn.events)
    tables["reports"] = tables["reports"].assign(**drawn.reports)
    tables["event_themes"] = tables["event_themes"][drawn.links_kept]
    tables["instrument_steps"] = tables["instrument_steps"].assign(step=drawn.steps)
    for name, frame in tables.items():
        frame.to_csv(target / f"{name}.csv", index=False, lineterminator="\n")
    return drawn.changes


def perturb_tables(
    tables: dict[str, pd.DataFrame], schema: Schema, seed: int = 20261122, rate: float = 0.2
) -> tuple[dict[str, pd.DataFrame], list[str], np.ndarray]:
    """``perturb`` in memory: the typed tables of a whole coding (as ``load_dataset`` gives
    them) with the same changes, typed as reading the perturbed copy would type them (the
    tables not changed are the same frames). Returns the tables, the changes, and which
    event-theme links were kept (for the line each row would have in a written copy)."""
    columns = {t: {c: _cells(tables[t][c]) for c in NEEDED[t]} for t in CHANGED}
    drawn = _draw(columns, schema, seed, rate)
    out = dict(tables)

    def typed(table: str, new: dict) -> dict:
        return {c: typed_column(schema.table(table), c, v) for c, v in new.items()}

    out["events"] = tables["events"].assign(**typed("events", drawn.events))
    out["reports"] = tables["reports"].assign(**typed("reports", drawn.reports))
    links = tables["event_themes"]
    out["event_themes"] = links[drawn.links_kept].reset_index(drop=True)
    steps = tables["instrument_steps"]
    out["instrument_steps"] = steps.assign(**typed("instrument_steps", {"step": drawn.steps}))
    return out, drawn.changes, drawn.links_kept


def _cells(column: pd.Series) -> list[str]:
    """A typed column's cells as the CSV file has them (an empty cell as "")."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        text = column.cat.categories.astype(str).to_numpy(dtype=object)
        return np.append(text, "")[column.cat.codes.to_numpy()].tolist()
    return column.astype("string").fillna("").tolist()


def listed(changes: list[str], shown: int = 50) -> str:
    """The changes one a line, the first ``shown`` of them, and how many more there are (a
    generated dataset of a million events gets hundreds of thousands)."""
    more = len(changes) - shown
    return "\n".join(changes[:shown] + ([f"... and {more:,d} more"] if more > 0 else []))


class _PerturbedLines(LineFinder):
    """The lines of the perturbed copy's CSV files, as ``perturb`` would write them, without
    writing it: a row keeps the lines it takes in the original file, and the dropped
    event-theme links' lines close up."""

    def __init__(self, scope: Scope, tables: dict[str, pd.DataFrame], links_kept: np.ndarray):
        super().__init__(scope)
        self.tables, self.kept = tables, {"event_themes": links_kept}

    def _frame(self, table: str) -> pd.DataFrame:
        return self.tables[table] if table in CHANGED else super()._frame(table)

    def _line_map(self, table: str) -> np.ndarray | None:
        if table not in CHANGED:  # copied as it is
            return super()._line_map(table)
        path = self.scope.data_dir / self.schema.table(table).path
        rows = len(self.scope.loaded[table])  # in the original file
        if one_line_records(path, rows):  # so is every row of the copy
            return None
        lines = np.asarray(row_lines(path, rows), dtype=np.int64)
        kept = self.kept.get(table)
        if kept is not None:
            spans = np.diff(lines, append=lines[-1] + 1 if len(lines) else 0)[kept]
            first = lines[0] if len(lines) else 0
            lines = first + np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)
        return lines


def simulated_second_coder(scope: Scope, seed: int, rate: float) -> tuple[list[str], Comparison]:
    """The worked example of notebook 06: the scope's whole coding perturbed in memory (see
    ``perturb_tables``), cut to the same scope, compared with the original; returns the changes
    made and the comparison (its lines of coding B are those of the copy ``perturb`` writes)."""
    schema = Schema.of(scope.data_dir)
    tables, changes, kept = perturb_tables(scope.loaded, schema, seed=seed, rate=rate)
    # made from data validated already (the tests check that perturb keeps data valid)
    coder_b = scoped(tables, scope.data_dir, **scope.parameters())
    lines_b = _PerturbedLines(scope, tables, kept)
    return changes, compare_scopes(scope, coder_b, lines_b=lines_b)
