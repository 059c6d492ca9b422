"""Notebook 01, the dataset at a glance: meetings and instruments per partner and year, when
they happened and what happened to each instrument, and how precisely their dates are known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.analysis.occasions import occasions, report_occasions, step_occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.dates import (
    NO_DATE,
    date_intervals,
    precision_rank,
    undated_last,
    year_label,
)
from helpers.dataset.keys import codes, groups, positions, take
from helpers.dataset.reconcile import pick_dates


def counts_by_partner_year(scope: Scope) -> pd.DataFrame:
    """Per partner and year (undated ones in their own row): events, occasions (each once
    however many sources report it), instruments with a step that year (each once), their
    steps (each instrument and step once), and the sources behind them."""
    t = scope.tables
    occ = occasions(t["events"])
    steps = step_occasions(occ, t["instrument_steps"], t["instruments"])
    steps["instrument_step"], _ = groups(steps, ["instrument", "step"])
    keys = ["partner_id", "year"]
    frames = [
        tally(
            occ.assign(occasion=codes(occ.occasion_id)[0]),
            keys,
            count="events",
            distinct={"occasions": "occasion"},
        ),
        tally(steps, keys, distinct={"instruments": "instrument", "steps": "instrument_step"}),
        tally(
            pd.concat(
                [
                    report_occasions(occ, t["reports"])[[*keys, "source_id"]],
                    steps[[*keys, "source_id"]],
                ],
                ignore_index=True,
            ),
            keys,
            distinct={"sources": "source_id"},
        ),
    ]
    for frame in frames:
        frame["partner_id"] = frame.partner_id.astype("string")
        frame["year"] = frame.year.astype("Int64")
    table = frames[0].merge(frames[1], on=keys, how="outer").merge(frames[2], on=keys, how="outer")
    columns = ["events", "occasions", "instruments", "steps", "sources"]
    table[columns] = table[columns].fillna(0).astype(np.int64)
    table = table[[*keys, *columns]]
    table["year"] = year_label(table.year)
    return table.sort_values(keys, key=undated_last).reset_index(drop=True)


def date_precision(scope: Scope) -> pd.DataFrame:
    """How dates are known: per table (the events' reconciled dates, each report's dating and
    each instrument step), rows per precision (or none) and whether inferred."""
    rows = []
    for name in ("events", "reports", "instrument_steps"):
        frame = scope.tables[name]
        counted = tally(frame, ["date_precision", "date_inferred"], count="rows")  # on codes
        for row in counted.itertuples():
            precision = NO_DATE if pd.isna(row.date_precision) else str(row.date_precision)
            inferred = False if pd.isna(row.date_inferred) else bool(row.date_inferred)
            rows.append({"table": name, "precision": precision, "inferred": inferred,
                         "rows": int(row.rows)})  # fmt: skip
    table = pd.DataFrame(rows, columns=["table", "precision", "inferred", "rows"])
    table = table.groupby(["table", "precision", "inferred"], as_index=False).rows.sum()
    return table.sort_values(
        ["table", "precision", "inferred"],
        key=lambda c: precision_rank(c) if c.name == "precision" else c,
    ).reset_index(drop=True)


@dataclass(frozen=True)
class Timeline:
    """Top-level events, and the steps of instruments (one per instrument and step, dated by the
    codebook's rule from the sources that report it), with the span their dates leave open
    (``lo``, ``hi``)."""

    events: pd.DataFrame
    agreements: pd.DataFrame  # instrument steps

    @property
    def table(self) -> pd.DataFrame:
        """The rows behind the timeline figure, events and steps in one table."""
        return _table(self.events, self.agreements)


def timeline(scope: Scope) -> Timeline:
    """Top-level events and instrument steps of the scope, each with the span its date leaves
    open and the number of sources that report it."""
    t = scope.tables
    events = t["events"]
    top = events[events.parent_event_id.isna().to_numpy()]
    out = top[["event_id", "partner_id"]].reset_index(drop=True)
    out["precision"] = top.date_precision.reset_index(drop=True)
    out["lo"], out["hi"] = date_intervals(top.start_date, out.precision)
    reporting = tally(t["reports"], ["event_id"], distinct={"sources": "source_id"})
    at = positions(out.event_id, reporting.event_id)
    out["sources"] = np.append(reporting.sources.to_numpy(), 0)[at]
    return Timeline(out, life_cycles(scope))


def life_cycles(scope: Scope) -> pd.DataFrame:
    """One row per instrument and step: partner, kind, name, the step's date (the most precise,
    then earliest, that its sources give: rules R1-R3 of the codebook), the span it leaves
    open, and the number of sources reporting the step. Ordered by instrument and date."""
    t = scope.tables
    steps, instruments = t["instrument_steps"], t["instruments"]
    occ = occasions(t["events"])
    where = step_occasions(occ, steps, instruments)
    group, first = groups(where, ["instrument", "step"])
    chosen = pick_dates(group, len(first), steps.date, steps.date_precision, steps.date_inferred)
    row = np.where(chosen >= 0, chosen, first)
    dated = chosen >= 0
    sources = tally(
        pd.DataFrame({"group": group, "source_id": steps.source_id.array}),
        ["group"],
        distinct={"sources": "source_id"},
    )
    n_sources = np.zeros(len(first), dtype=np.int64)
    n_sources[sources.group.to_numpy()] = sources.sources.to_numpy()
    at = where.instrument.to_numpy()[first]
    out = pd.DataFrame(
        {
            "instrument_id": take(instruments.instrument_id, at),
            "partner_id": take(instruments.partner_id, at),
            "kind": take(instruments.kind, at),
            "name": take(instruments.name, at),
            "step": steps.step.array.take(first),
            "precision": pd.Series(steps.date_precision.array.take(row)).where(dated).array,
            "date": pd.Series(steps.date.array.take(row)).where(dated).array,
            "sources": n_sources,
        }
    )
    out["lo"], out["hi"] = date_intervals(out.date, out.precision)
    order = np.lexsort((out.step.cat.codes.to_numpy(), out.lo.to_numpy(), at))
    return out.iloc[order].reset_index(drop=True)


def _table(events: pd.DataFrame, steps: pd.DataFrame) -> pd.DataFrame:
    """The rows behind the timeline figure, events and instrument steps in one table."""
    parts = [
        events.rename(columns={"event_id": "id"}).assign(item="event", step=pd.NA),
        steps.rename(columns={"instrument_id": "id"}).assign(item="instrument step"),
    ]
    columns = ["item", "id", "step", "partner_id", "sources", "precision", "lo", "hi"]
    table = pd.concat([p[columns] for p in parts], ignore_index=True)
    for column in ("lo", "hi"):
        table[column] = table[column].dt.strftime("%Y-%m-%d").astype("string")
    for column in ("id", "step", "partner_id", "precision"):
        table[column] = table[column].astype("string")
    return table.sort_values(["partner_id", "lo", "item", "id"], na_position="last").reset_index(
        drop=True
    )
