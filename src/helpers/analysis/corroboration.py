"""Corroboration: how many sources stand behind each occasion, each theme link (an occasion,
a theme and a voice) and each instrument. A count of occasions says how often the ministries
met; this says how many independent accounts each of those counts rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.occasions import occasions, report_occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import histogram
from helpers.analysis.themes import theme_links
from helpers.dataset.keys import positions, take

OCCASIONS, THEME_LINKS, INSTRUMENTS = "occasions", "theme links", "instruments"
ITEMS = (OCCASIONS, THEME_LINKS, INSTRUMENTS)  # in the order tables and figures show them


def _by_sources(frame: pd.DataFrame, unit: list[str], item: str) -> pd.DataFrame:
    """Per partner and number of sources: how many units (``unit`` columns) have that many."""
    counted = histogram(frame, ["partner_id"], unit, "source_id", name="sources", count="items")
    counted.insert(1, "item", item)
    return counted


def occasions_by_sources(scope: Scope, occ: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per partner and number of sources: how many occasions rest on that many distinct
    sources. Columns: partner_id (coded), item, sources, items."""
    occ = occasions(scope.tables["events"]) if occ is None else occ
    return _by_sources(report_occasions(occ, scope.tables["reports"]), ["occasion"], OCCASIONS)


def corroboration(scope: Scope) -> pd.DataFrame:
    """Per partner, item (occasions, theme links, instruments) and number of sources: how many
    items rest on that many distinct sources. Columns: partner_id, item, sources, items."""
    t = scope.tables
    occ = occasions(t["events"])
    steps, instruments = t["instrument_steps"], t["instruments"]
    at = positions(steps.instrument_id, instruments.instrument_id)
    step_rows = pd.DataFrame(
        {
            "partner_id": take(instruments.partner_id, at),
            "instrument_id": steps.instrument_id.array,
            "source_id": steps.source_id.array,
        },
        copy=False,  # the arrays are not changed: no copy of millions of rows
    )
    parts = [
        occasions_by_sources(scope, occ),
        _by_sources(theme_links(scope, occ), ["occasion", "theme_id", "voice"], THEME_LINKS),
        _by_sources(step_rows, ["instrument_id"], INSTRUMENTS),
    ]
    table = pd.concat(parts, ignore_index=True)
    table["partner_id"] = table.partner_id.astype("string")
    table["sources"] = table.sources.astype(np.int64)
    table["items"] = table["items"].astype(np.int64)
    order = table["item"].map({item: i for i, item in enumerate(ITEMS)})
    return (
        table.assign(_order=order)
        .sort_values(["_order", "partner_id", "sources"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )
