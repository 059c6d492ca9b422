"""Notebook 04: the kinds and statuses of agreements (proposed, signed, reviewed) per partner
and year."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.dates import year_label, year_of


def agreements_by_kind_status(scope: Scope) -> pd.DataFrame:
    """Partner x kind x status: number of agreement records and sources."""
    ag = scope.tables["agreements"]
    ag = ag[ag.kind.notna().to_numpy() & ag.status.notna().to_numpy()]
    keys = ["partner_id", "kind", "status"]
    table = tally(ag, keys, distinct={"agreements": "agreement_id", "sources": "source_id"})
    table["partner_id"] = table.partner_id.astype("string")
    return table.sort_values(["partner_id", "kind", "status"]).reset_index(drop=True)


def agreements_by_year(scope: Scope) -> pd.DataFrame:
    """Agreement records with partner, year, kind and status, ready to count or plot."""
    ag = scope.tables["agreements"]
    out = ag[["agreement_id", "partner_id", "kind", "status", "name_as_stated", "source_id"]].copy()
    for column in ("agreement_id", "partner_id", "source_id"):  # keys as text, sorted as text
        out[column] = out[column].astype("string")
    out["year"] = year_label(year_of(ag.date))
    out["date_precision"] = ag.date_precision
    return out.sort_values(["partner_id", "year", "agreement_id"]).reset_index(drop=True)
