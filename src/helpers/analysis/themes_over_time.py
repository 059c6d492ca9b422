"""Notebook 03: how the themes raised change over the years, within and across partners."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.occasions import occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import joined, tally
from helpers.analysis.themes import theme_counts, theme_labels, theme_links
from helpers.dataset.dates import undated_last, year_label


def themes_by_year(scope: Scope) -> pd.DataFrame:
    """Partner x year x theme: occasions raising the theme (any voice in scope) and sources."""
    table = theme_counts(
        scope, ["partner_id", "year", "theme_id"], occasions(scope.tables["events"])
    )
    table["year"] = year_label(table.year)
    columns = ["partner_id", "year", "theme_id", "kind", "label", "occasions", "sources"]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "partner_id", "year"])
        .reset_index(drop=True)
    )


def theme_spread_by_year(scope: Scope) -> pd.DataFrame:
    """Theme x year: how many partners raised the theme that year, which, and how many distinct
    sources say so (any voice in scope)."""
    links = theme_links(scope)
    keys = ["theme_id", "year"]
    table = tally(links, keys, distinct={"partners": "partner_id", "sources": "source_id"})
    which = joined(links, keys, "partner_id", ", ")
    found = zip(table.theme_id.astype(str), table.year.astype(str), strict=True)
    table["partner_ids"] = pd.array([which[key] for key in found], dtype="string")
    table["theme_id"] = table.theme_id.astype("string")
    table = table.join(theme_labels(scope), on="theme_id")
    table["year"] = year_label(table.year)
    columns = ["theme_id", "kind", "label", "year", "partners", "partner_ids", "sources"]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "year"], key=undated_last)
        .reset_index(drop=True)
    )
