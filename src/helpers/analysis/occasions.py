"""The unit of comparison, the *occasion*: a visit with the meetings held during it, or a
stand-alone meeting, counted once however many sources report it. An instrument step not tied
to an event in scope makes an occasion of its instrument's own. Each occasion counts once, so
that one long trip does not outweigh a one-day meeting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.tally import tally
from helpers.dataset.dates import year_of
from helpers.dataset.keys import codes, codes_at, positions, take


def occasion_keys(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Occasion of each event (its parent visit, or itself) and the occasion's year.

    A meeting takes the year of the visit it belongs to; a meeting whose visit is not in the
    table keeps its own year.
    """
    has_parent = events.parent_event_id.notna().to_numpy()
    occasion = events.parent_event_id.where(has_parent, events.event_id)
    years = year_of(events.start_date)
    if has_parent.any():
        parents = positions(events.parent_event_id[has_parent], events.event_id)
        found = parents >= 0
        own = years.to_numpy()[has_parent]
        years = years.copy()
        years[has_parent] = np.where(found, years.to_numpy()[np.maximum(parents, 0)], own)
        years = years.astype("Int64")
    return occasion, years


def occasions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event with its occasion (the parent visit, or itself) and occasion year."""
    out = events[["event_id", "partner_id", "event_type"]].copy()
    out["occasion_id"], out["year"] = occasion_keys(events)
    return out


def at_occasions(occ: pd.DataFrame, rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows of ``rows`` (a table with an ``event_id``) whose event is in ``occ``, each with
    its event's occasion (an integer code), partner and year, then its own ``columns``."""
    occasion, _ = codes(occ.occasion_id)
    at_event = positions(rows.event_id, occ.event_id)
    frame = pd.DataFrame(
        {
            "occasion": codes_at(occasion, at_event),
            "partner_id": take(occ.partner_id, at_event),
            "year": take(occ.year, at_event),
            **{column: rows[column].array for column in columns},
        },
        copy=False,  # the arrays are not changed: no copy of millions of rows
    )
    return frame[at_event >= 0].reset_index(drop=True)


def report_occasions(occ: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One row per report of an event in ``occ``: its occasion (an integer code), partner, year
    and source: what counts the sources behind each occasion."""
    return at_occasions(occ, reports, ["source_id"])


def step_occasions(
    occ: pd.DataFrame, steps: pd.DataFrame, instruments: pd.DataFrame
) -> pd.DataFrame:
    """One row per instrument step: its occasion, partner and year. A step at an event in scope
    takes the event's occasion and year; any other step is an occasion of its own instrument
    (one per instrument, however many such steps) in the year of the step's own date.

    Columns: occasion (code), at_event (row in ``occ``, -1 if none), instrument (row in
    ``instruments``), partner_id, year, source_id, step."""
    occasion, n_event_codes = codes(occ.occasion_id)
    at_event = positions(steps.event_id, occ.event_id)
    instrument = positions(steps.instrument_id, instruments.instrument_id)
    tied = at_event >= 0
    own = n_event_codes + instrument
    years = pd.Series(take(occ.year, at_event)).where(tied, year_of(steps.date).array)
    return pd.DataFrame(
        {
            "occasion": np.where(tied, np.append(occasion, -1)[at_event], own),
            "at_event": at_event,
            "instrument": instrument,
            "partner_id": take(instruments.partner_id, instrument),
            "year": years.astype("Int64").array,
            "source_id": steps.source_id.array,
            "step": steps.step.array,
        },
        copy=False,  # the arrays are not changed: no copy of millions of rows
    )


def occasion_table(
    tables: dict[str, pd.DataFrame], occ: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every occasion in scope with its partner: the events' occasions, plus the occasion of
    each instrument with a step not tied to an event in scope. Columns: partner_id, occasion
    (an integer code)."""
    occ = occasions(tables["events"]) if occ is None else occ
    steps = step_occasions(occ, tables["instrument_steps"], tables["instruments"])
    alone = steps.at_event.to_numpy() < 0
    return pd.DataFrame(
        {
            "partner_id": pd.concat([occ.partner_id, steps.partner_id[alone]], ignore_index=True),
            "occasion": np.concatenate([codes(occ.occasion_id)[0], steps.occasion[alone]]),
        }
    )


def occasion_totals(
    tables: dict[str, pd.DataFrame], partners: tuple[str, ...], occ: pd.DataFrame | None = None
) -> pd.Series:
    """Number of occasions per partner (the denominator of theme shares)."""
    table = tally(occasion_table(tables, occ), ["partner_id"], distinct={"occasions": "occasion"})
    totals = table.set_index(table.partner_id.astype("string")).occasions
    return totals.reindex(list(partners), fill_value=0)
