"""Notebook 02: which crimes and means of cooperation are raised with each partner, and how
official statements compare with observers' commentary."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.occasions import occasion_totals, occasions
from helpers.analysis.scope import Scope
from helpers.analysis.themes import theme_counts
from helpers.dataset.vocabulary import OFFICIAL


def themes_by_voice(scope: Scope) -> pd.DataFrame:
    """Partner x theme x voice: occasions raising the theme, their share, and sources behind it."""
    occ = occasions(scope.tables["events"])
    table = theme_counts(scope, ["partner_id", "theme_id", "voice"], occ)
    totals = occasion_totals(scope.tables, scope.partners, occ)
    table["partner_occasions"] = table.partner_id.map(totals).astype(int)
    table["share"] = (table.occasions / table.partner_occasions).round(3)
    columns = [
        "partner_id",
        "theme_id",
        "kind",
        "label",
        "voice",
        "occasions",
        "sources",
        "partner_occasions",
        "share",
    ]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "partner_id", "voice"])
        .reset_index(drop=True)
    )


def themes_official_share(by_voice: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``themes_by_voice`` for official statements: the share of each partner's
    occasions at which the governments raised each theme (computed once, filtered here)."""
    return by_voice[by_voice.voice == OFFICIAL.value]
