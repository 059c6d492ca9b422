"""Notebook 01, the dataset at a glance: meetings and agreements per partner and year, when they
happened, and how precisely their dates are known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.analysis.occasions import occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.dates import (
    NO_DATE,
    date_intervals,
    precision_rank,
    undated_last,
    year_label,
    year_of,
)
from helpers.dataset.keys import codes


def counts_by_partner_year(scope: Scope) -> pd.DataFrame:
    """Events, occasions and agreements per partner and year (undated ones in their own row)."""
    ev = occasions(scope.tables["events"])
    ag = scope.tables["agreements"]
    rows = pd.DataFrame(
        {
            "partner_id": pd.concat([ev.partner_id, ag.partner_id], ignore_index=True),
            "year": pd.concat([ev.year, year_of(ag.date)], ignore_index=True),
            "occasion": pd.arrays.IntegerArray(  # agreements' rows: missing
                np.concatenate([codes(ev.occasion_id)[0], np.zeros(len(ag), dtype=np.int64)]),
                np.arange(len(ev) + len(ag)) >= len(ev),
            ),
            "events": np.repeat([1, 0], [len(ev), len(ag)]),
            "agreements": np.repeat([0, 1], [len(ev), len(ag)]),
            "source_id": pd.concat([ev.source_id, ag.source_id], ignore_index=True),
        }
    )
    table = tally(
        rows,
        ["partner_id", "year"],
        sums=("events", "agreements"),
        distinct={"occasions": "occasion", "sources": "source_id"},
    )
    table = table[["partner_id", "year", "events", "occasions", "agreements", "sources"]]
    table["partner_id"] = table.partner_id.astype("string")
    table["year"] = year_label(table.year)
    return table.sort_values(["partner_id", "year"], key=undated_last).reset_index(drop=True)


def date_precision(scope: Scope) -> pd.DataFrame:
    """How dates are known: rows per table, precision (or none) and whether inferred."""
    rows = []
    for name in ("events", "agreements"):
        frame = scope.tables[name]
        precision = frame.date_precision.astype("string").fillna(NO_DATE)
        grouped = frame.assign(precision=precision).groupby(
            ["precision", "date_inferred"], observed=True
        )
        for (prec, inferred), group in grouped:
            rows.append(
                {
                    "table": name,
                    "precision": prec,
                    "inferred": bool(inferred),
                    "rows": len(group),
                    "sources": group.source_id.nunique(),
                }
            )
    table = pd.DataFrame(rows, columns=["table", "precision", "inferred", "rows", "sources"])
    return table.sort_values(
        ["table", "precision", "inferred"],
        key=lambda c: precision_rank(c) if c.name == "precision" else c,
    ).reset_index(drop=True)


@dataclass(frozen=True)
class Timeline:
    """Top-level events and agreements with the span their dates leave open (``lo``, ``hi``)."""

    events: pd.DataFrame
    agreements: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        """The rows behind the timeline figure, events and agreements in one table."""
        return _table(self.events, self.agreements)


def timeline(scope: Scope) -> Timeline:
    """Top-level events and agreements of the scope, each with the span its date leaves open."""

    def spans(frame: pd.DataFrame, id_column: str, date_column: str) -> pd.DataFrame:
        out = frame[[id_column, "partner_id", "source_id"]].reset_index(drop=True)
        out["precision"] = frame.date_precision.reset_index(drop=True)
        out["lo"], out["hi"] = date_intervals(frame[date_column], out.precision)
        return out

    events = scope.tables["events"]
    top = events[events.parent_event_id.isna().to_numpy()]
    return Timeline(
        spans(top, "event_id", "start_date"),
        spans(scope.tables["agreements"], "agreement_id", "date"),
    )


def _table(events: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """The rows behind the timeline figure, events and agreements in one table."""
    parts = []
    for item, frame, id_column in (
        ("event", events, "event_id"),
        ("agreement", agreements, "agreement_id"),
    ):
        part = frame.rename(columns={id_column: "id"}).assign(item=item)
        parts.append(part[["item", "id", "partner_id", "source_id", "precision", "lo", "hi"]])
    table = pd.concat(parts, ignore_index=True)
    for column in ("lo", "hi"):
        table[column] = table[column].dt.strftime("%Y-%m-%d").astype("string")
    for column in ("id", "partner_id", "source_id", "precision"):
        table[column] = table[column].astype("string")
    return table.sort_values(["partner_id", "lo", "item", "id"], na_position="last").reset_index(
        drop=True
    )
