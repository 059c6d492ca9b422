"""Notebook 04: the kinds of instruments per partner, how far each got (proposed, signed,
reviewed, ...), and when their steps were taken. An instrument counts once, however many
steps and sources it has; by step where the question is about steps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.dataset_overview import life_cycles
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.dates import year_label, year_of
from helpers.dataset.keys import groups, positions, take
from helpers.dataset.rules import step_rank


def furthest_steps(scope: Scope) -> pd.DataFrame:
    """One row per instrument: partner, kind, and the furthest step it reached in scope
    (``status``: the latest of the codebook's step order; among later steps, the last dated,
    then the last in the vocabulary), with the number of sources behind its steps."""
    cycles = life_cycles(scope)
    rank = step_rank(cycles.step)
    vocabulary = cycles.step.cat.codes.to_numpy()
    lo = cycles.lo.to_numpy().astype("datetime64[ns]").astype(np.int64)  # NaT: the minimum
    instrument, first = groups(cycles, ["instrument_id"])
    order = np.lexsort((vocabulary, lo, rank, instrument))
    last = np.empty(len(first), dtype=np.int64)
    last[instrument[order]] = order  # the last row of each instrument in that order wins
    sources = tally(
        scope.tables["instrument_steps"], ["instrument_id"], distinct={"sources": "source_id"}
    )
    out = cycles.iloc[last][["instrument_id", "partner_id", "kind", "step"]].reset_index(drop=True)
    out = out.rename(columns={"step": "status"})
    at = positions(out.instrument_id, sources.instrument_id)
    out["sources"] = np.append(sources.sources.to_numpy(), 0)[at]
    return out


def agreements_by_kind_status(scope: Scope) -> pd.DataFrame:
    """Partner x kind x furthest step (``status``): number of instruments (``agreements``, each
    counted once) and of the sources behind them."""
    table = furthest_steps(scope)
    table = table[table.kind.notna().to_numpy() & table.status.notna().to_numpy()]
    keys = ["partner_id", "kind", "status"]
    steps = scope.tables["instrument_steps"]
    at = positions(steps.instrument_id, table.instrument_id)  # each step's instrument
    found = at >= 0
    evidence = pd.DataFrame(
        {column: take(table[column], at[found]) for column in keys}
        | {"source_id": steps.source_id.array[found]}
    )
    counted = tally(table, keys, count="agreements")
    sources = tally(evidence, keys, distinct={"sources": "source_id"})
    out = counted.merge(sources, on=keys, how="left")
    out["partner_id"] = out.partner_id.astype("string")
    return out.sort_values(keys).reset_index(drop=True)


def agreements_by_year(scope: Scope) -> pd.DataFrame:
    """One row per instrument and step (``status``), with partner, kind, year and how precisely
    the step is dated, the name the first source gives and the sources reporting the step."""
    cycles = life_cycles(scope)
    out = cycles[["instrument_id", "partner_id", "kind", "step", "name", "sources"]].copy()
    out = out.rename(columns={"step": "status"})
    for column in ("instrument_id", "partner_id"):  # keys as text, sorted as text
        out[column] = out[column].astype("string")
    out["year"] = year_label(year_of(cycles.date))
    out["date_precision"] = cycles.precision
    return out.sort_values(["partner_id", "year", "instrument_id"]).reset_index(drop=True)
