"""The unit of comparison, the *occasion*: a visit with the meetings held during it, or a
stand-alone meeting. An agreement not tied to an event in scope is an occasion of its own. Each
occasion counts once, so that one long trip does not outweigh a one-day meeting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.tally import tally
from helpers.dataset.dates import year_of
from helpers.dataset.keys import codes, positions, take


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
    out = events[["event_id", "partner_id", "source_id", "event_type"]].copy()
    out["occasion_id"], out["year"] = occasion_keys(events)
    return out


def agreement_occasions(
    occ: pd.DataFrame, agreements: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Occasion code, row of the event in ``occ`` (-1 if none in scope) and occasion year of each
    agreement: its event's occasion, or (without an event in scope) an occasion of its own."""
    occasion, n_event_codes = codes(occ.occasion_id)
    at_event = positions(agreements.event_id, occ.event_id)
    own, _ = codes(agreements.agreement_id)
    tied = at_event >= 0
    occasion = np.where(tied, np.append(occasion, -1)[at_event], n_event_codes + own)
    years = pd.Series(take(occ.year, at_event)).where(tied, year_of(agreements.date).array)
    return occasion, at_event, years.astype("Int64")


def occasion_table(
    tables: dict[str, pd.DataFrame], occ: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every occasion in scope with its partner: the events' occasions, plus each agreement that
    is not tied to an event in scope (it is an occasion of its own). Columns: partner_id,
    occasion (an integer code)."""
    occ = occasions(tables["events"]) if occ is None else occ
    agreements = tables["agreements"]
    agreement_occasion, at_event, _ = agreement_occasions(occ, agreements)
    alone = at_event < 0
    return pd.DataFrame(
        {
            "partner_id": pd.concat(
                [occ.partner_id, agreements.partner_id[alone]], ignore_index=True
            ),
            "occasion": np.concatenate([codes(occ.occasion_id)[0], agreement_occasion[alone]]),
        }
    )


def occasion_totals(
    tables: dict[str, pd.DataFrame], partners: tuple[str, ...], occ: pd.DataFrame | None = None
) -> pd.Series:
    """Number of occasions per partner (the denominator of theme shares)."""
    table = tally(occasion_table(tables, occ), ["partner_id"], distinct={"occasions": "occasion"})
    totals = table.set_index(table.partner_id.astype("string")).occasions
    return totals.reindex(list(partners), fill_value=0)
