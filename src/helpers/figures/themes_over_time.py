"""Figures of notebook 03: themes per partner and year, and how many partners raised each theme
each year."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.dataset.dates import year_axis
from helpers.figures.marks import (
    compared_panels,
    count_key,
    grey_empty_years,
    theme_grid,
    year_ticks,
)
from helpers.figures.style import COLUMN_WIDTH, FOOT_LABEL_SIZE, FigureContext


def themes_by_year(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """One panel per partner: themes (rows) x every year of the scope (columns), shaded by the
    number of occasions raising the theme; a year without any theme of the partner is greyed.
    More partners than ``PANELS_PER_ROW`` wrap onto further rows (``compared_panels``)."""
    partners = context.partners
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = year_axis(table.year, context.years)
    # the panels' rows line up (same themes, same limits) without sharing an axis, so that only
    # the first panel of each row makes tick marks for them
    # each row as tall as the one-row figure always was (its size in the same floating point)
    fig, axes, cols = compared_panels(
        len(partners), 0.18 * len(themes) + 1.6, extra=0.0, sharey=False, sharex=False
    )
    vmax = max(int(table.occasions.max()) if len(table) else 1, 1)
    row_of = {theme: i for i, theme in enumerate(theme_ids)}
    column_of = {year: i for i, year in enumerate(years)}
    mesh = None
    empty_years: dict[plt.Axes, set[str]] = {}
    for index, (ax, partner) in enumerate(zip(axes, partners, strict=True)):
        grid = np.full((len(themes), len(years)), np.nan)
        found = table[table.partner_id == partner]
        for cell in found.itertuples():
            grid[row_of[cell.theme_id], column_of[cell.year]] = cell.occasions
        empty = [column_of[y] for y in set(years) - set(found.year.astype(str))]
        mesh = theme_grid(
            ax, grid, themes, vmax, label_rows=index % cols == 0, empty_columns=sorted(empty)
        )
        empty_years[ax] = {years[i] for i in empty}
    fig.supxlabel(
        "Year of the occasion (grey: no theme with this partner that year)",
        fontsize=FOOT_LABEL_SIZE,
    )
    # the key beside the first row's last panel, at the top right
    count_key(fig, mesh, axes[:cols], vmax, "Occasions\nraising the theme")
    context.title_panels(fig, axes, partners)  # lays the panels out, to measure them
    # label every year if the laid-out panel is wide enough, else every step-th (a label takes
    # about 0.14 in), the first year always
    width = axes[0].get_position().width * fig.get_figwidth()
    step = max(1, -(-len(years) // max(1, int(width / 0.14))))
    for ax in axes:
        shown = np.arange(0, len(years), step)
        ax.set_xticks(shown + 0.5, [years[i] for i in shown], rotation=90)
        grey_empty_years(ax, empty_years[ax])
    return fig


def theme_spread_by_year(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """Themes (rows) x every year of the scope (columns): the number of partners that raised the
    theme that year, shaded and written in the cell."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = year_axis(table.year, context.years)
    grid = np.full((len(themes), len(years)), np.nan)
    for cell in table.itertuples():
        grid[theme_ids.index(cell.theme_id), years.index(cell.year)] = cell.partners
    fig, ax = plt.subplots(
        layout="constrained", figsize=(COLUMN_WIDTH + 1.4, 0.18 * len(themes) + 1.2)
    )
    vmax = int(max(np.nanmax(grid) if len(table) else 1, 1))
    empty = [i for i, y in enumerate(years) if y not in set(table.year.astype(str))]
    mesh = theme_grid(ax, grid, themes, vmax, empty_columns=empty)
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
    year_ticks(ax, np.arange(len(years)) + 0.5, years, empty={years[i] for i in empty})
    ax.set_xlabel("Year of the occasion (grey: no theme that year)")
    count_key(fig, mesh, ax, vmax, "Partners\nraising the theme")
    return fig
