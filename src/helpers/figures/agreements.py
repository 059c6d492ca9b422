"""Figures of notebook 04: agreement records by kind and status, and by year."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.dataset.dates import year_axis
from helpers.figures.marks import (
    compared_panels,
    dot_area,
    marker_handle,
    scale_at_the_foot,
    year_ticks,
)
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, FigureContext


def agreements_by_kind_status(
    table: pd.DataFrame, statuses: list[str], context: FigureContext
) -> plt.Figure:
    """Agreement records per partner and kind, stacked by status; one scale for every panel."""
    partners = context.partners
    kinds = sorted(table.kind.astype(str).unique())
    fig, axes, cols = compared_panels(len(partners), 0.3 * len(kinds) + 1.0)
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    for ax, partner in zip(axes, partners, strict=True):
        left = np.zeros(len(kinds))
        for status in statuses:
            rows = table[(table.partner_id == partner) & (table.status == status)]
            values = np.array([int(rows[rows.kind == k].agreements.sum()) for k in kinds])
            ax.barh(
                [k.replace("_", " ") for k in kinds],
                values,
                left=left,
                color=colors[status],
                label=status,
            )
            left += values
        ax.xaxis.get_major_locator().set_params(integer=True)
    scale_at_the_foot(fig, axes, cols, "Agreement records")
    axes[0].invert_yaxis()
    axes[cols - 1].legend(title="Status", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    context.title_panels(fig, axes, partners)
    fig.tight_layout()
    return fig


def agreements_by_year(
    table: pd.DataFrame, statuses: list[str], context: FigureContext
) -> plt.Figure:
    """Agreement records per partner (rows) and every year of the scope (columns), one marker
    per status, sized by the number of records; a year without any is labelled in grey."""
    years = year_axis(table.year, context.years)
    rows = partners = context.partners
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    markers = dict(zip(statuses, ["o", "s", "D", "^", "v", "P"], strict=False))
    # a column's width while the year x status slots fit in it (about 0.13 in each), else a page's
    slots = len(years) * len(statuses)
    width = COLUMN_WIDTH + 1.0 if slots * 0.13 <= COLUMN_WIDTH - 1.0 else PAGE_WIDTH
    fig, ax = plt.subplots(figsize=(width, 0.45 * len(partners) + 1.2))
    counts = (
        table.groupby(["partner_id", "year", "status"], observed=True).size().reset_index(name="n")
    )
    # the statuses of a year side by side, a third of the year's width apart, so that neither
    # their markers nor their counts run into each other
    offsets = {
        s: (i - (len(statuses) - 1) / 2) * 0.8 / len(statuses) for i, s in enumerate(statuses)
    }
    for row in counts.itertuples():
        ax.scatter(
            years.index(row.year) + offsets[row.status],
            rows.index(row.partner_id),
            s=1.2 * dot_area(row.n),
            marker=markers[row.status],
            color=colors[row.status],
            edgecolor="black",
            lw=0.4,
            zorder=3,
        )
        if row.n > 1:
            ax.annotate(
                str(row.n),
                (years.index(row.year) + offsets[row.status], rows.index(row.partner_id)),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=6,
            )
    year_ticks(ax, range(len(years)), years, empty=set(years) - set(table.year.astype(str)))
    # thin lines between the years, so that each marker reads with its own year
    ax.set_xticks(np.arange(len(years) + 1) - 0.5, minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.grid(axis="x", which="minor", color="#dddddd", lw=0.5)
    ax.set_yticks(range(len(rows)), [context.label(p) for p in rows])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylim(len(partners) - 0.5, -0.5)
    ax.grid(axis="y", color="#eeeeee", lw=0.5)
    ax.set_xlabel("Year of the action (signature, proposal, review; grey: none)")
    ax.legend(
        handles=[marker_handle(markers[s], colors[s], s) for s in statuses],
        title="Status",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    fig.tight_layout()
    return fig
