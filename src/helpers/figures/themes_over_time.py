"""Figures of notebook 03: themes per partner and year, and how many partners raised each theme
each year."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.dataset.dates import sorted_year_labels
from helpers.figures.marks import theme_grid, year_ticks
from helpers.figures.style import COLUMN_WIDTH, PAGE_WIDTH


def themes_by_year(table: pd.DataFrame, partners: dict[str, str]) -> plt.Figure:
    """One panel per partner: themes (rows) x years (columns), shaded by occasions raising it."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = sorted_year_labels(table.year)
    # the panels' rows line up (same themes, same limits) without sharing an axis, so that only
    # the first panel makes tick marks for them
    fig, axes = plt.subplots(
        1, len(partners), figsize=(PAGE_WIDTH, 0.18 * len(themes) + 1.3), squeeze=False
    )
    vmax = max(int(table.occasions.max()) if len(table) else 1, 1)
    # label every year if the panel is wide enough, else every step-th (about 0.12 in a label)
    fitting = max(2, int(PAGE_WIDTH / max(len(partners), 1) / 0.12))
    step = max(1, -(-len(years) // fitting))
    row_of = {theme: i for i, theme in enumerate(theme_ids)}
    column_of = {year: i for i, year in enumerate(years)}
    for ax, partner in zip(axes[0], partners, strict=True):
        grid = np.full((len(themes), len(years)), np.nan)
        for cell in table[table.partner_id == partner].itertuples():
            grid[row_of[cell.theme_id], column_of[cell.year]] = cell.occasions
        theme_grid(ax, grid, themes, vmax, label_rows=ax is axes[0][0])
        ax.set_xticks(np.arange(0, len(years), step) + 0.5, years[::step], rotation=90)
        ax.set_title(partner)
    fig.supxlabel("Year of the occasion", fontsize=8)
    fig.tight_layout()
    return fig


def theme_spread_by_year(table: pd.DataFrame) -> plt.Figure:
    """Themes (rows) x years (columns): number of partners that raised the theme that year."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = sorted_year_labels(table.year)
    grid = np.full((len(themes), len(years)), np.nan)
    for cell in table.itertuples():
        grid[theme_ids.index(cell.theme_id), years.index(cell.year)] = cell.partners
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 1.0, 0.18 * len(themes) + 1.0))
    vmax = max(np.nanmax(grid) if len(table) else 1, 1)
    theme_grid(ax, grid, themes, vmax)
    for r in range(len(themes)):
        for c in range(len(years)):
            if not np.isnan(grid[r, c]):
                ax.text(
                    c + 0.5,
                    r + 0.5,
                    f"{int(grid[r, c])}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if grid[r, c] / vmax > 0.6 else "black",
                    in_layout=False,  # inside its cell: no need to measure it for the layout
                )
    year_ticks(ax, np.arange(len(years)) + 0.5, years)
    ax.set_xlabel("Year of the occasion (cell: number of partners raising the theme)")
    fig.tight_layout()
    return fig
