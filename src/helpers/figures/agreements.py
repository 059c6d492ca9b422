"""Figures of notebook 04: instruments by kind and furthest step, and their steps by year."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from helpers.dataset.dates import year_axis
from helpers.figures.marks import (
    compared_panels,
    dot_area,
    hbars,
    marker_handle,
    scale_at_the_foot,
    scaled_once,
    year_ticks,
)
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, FigureContext


def agreements_by_kind_status(
    table: pd.DataFrame, statuses: list[str], context: FigureContext
) -> plt.Figure:
    """Instruments per partner and kind (each once), stacked by the furthest step it reached;
    one scale for every panel."""
    partners = context.partners
    kinds = sorted(table.kind.astype(str).unique())
    fig, axes, cols = compared_panels(len(partners), 0.3 * len(kinds) + 1.0)
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    counted = table.pivot_table(  # partner x status x kind
        index=["partner_id", "status"],
        columns="kind",
        values="agreements",
        aggfunc="sum",
        observed=True,
    )
    counted = counted.reindex(columns=kinds, fill_value=0).fillna(0)
    counted.index = counted.index.map(lambda key: (str(key[0]), str(key[1])))
    y = np.arange(len(kinds))
    with scaled_once(axes):
        for ax, partner in zip(axes, partners, strict=True):
            # the statuses stacked in their order, every bar of the panel in one collection
            widths = np.array(
                [
                    counted.loc[(partner, status)].to_numpy(dtype=int)
                    if (partner, status) in counted.index
                    else np.zeros(len(kinds), dtype=int)
                    for status in statuses
                ]
            ).reshape(len(statuses), len(kinds))
            lefts = np.cumsum(widths, axis=0) - widths
            hbars(
                ax,
                np.tile(y, len(statuses)),
                widths.ravel(),
                0.8,
                left=lefts.ravel(),
                facecolors=np.repeat([colors[s] for s in statuses], len(kinds)),
            )
            ax.set_yticks(y, [k.replace("_", " ") for k in kinds])
            ax.xaxis.get_major_locator().set_params(integer=True)
    scale_at_the_foot(fig, axes, cols, "Instruments")
    axes[0].invert_yaxis()
    axes[cols - 1].legend(
        handles=[Patch(facecolor=colors[s], label=s) for s in statuses],
        title="Furthest step",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    context.title_panels(fig, axes, partners)
    return fig


def agreements_by_year(
    table: pd.DataFrame, statuses: list[str], context: FigureContext
) -> plt.Figure:
    """Instrument steps per partner (rows) and every year of the scope (columns), one marker
    per step, sized by the number of instruments taking it; a year without any is labelled in
    grey."""
    years = year_axis(table.year, context.years)
    rows = partners = context.partners
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    markers = dict(zip(statuses, ["o", "s", "D", "^", "v", "P"], strict=False))
    # a column's width while the year x status slots fit in it (about 0.13 in each), else a page's
    slots = len(years) * len(statuses)
    width = COLUMN_WIDTH + 1.0 if slots * 0.13 <= COLUMN_WIDTH - 1.0 else PAGE_WIDTH
    fig, ax = plt.subplots(layout="constrained", figsize=(width, 0.45 * len(partners) + 1.2))
    counts = (
        table.groupby(["partner_id", "year", "status"], observed=True).size().reset_index(name="n")
    )
    # the statuses of a year side by side, a third of the year's width apart, so that neither
    # their markers nor their counts run into each other
    offsets = {
        s: (i - (len(statuses) - 1) / 2) * 0.8 / len(statuses) for i, s in enumerate(statuses)
    }
    # one collection per step (its marker), one label per mark standing for several steps
    x = counts.year.map({y: i for i, y in enumerate(years)}).to_numpy(
        dtype=float
    ) + counts.status.astype("string").map(offsets).to_numpy(dtype=float)
    y = counts.partner_id.map({p: i for i, p in enumerate(rows)}).to_numpy(dtype=float)
    n = counts.n.to_numpy()
    for status in statuses:
        mine = (counts.status.astype("string") == status).to_numpy(dtype=bool)
        if mine.any():
            ax.scatter(
                x[mine],
                y[mine],
                s=1.2 * dot_area(n[mine]),
                marker=markers[status],
                color=colors[status],
                edgecolor="black",
                lw=0.4,
                zorder=3,
            )
    for at, height, count in zip(x[n > 1], y[n > 1], n[n > 1], strict=True):
        ax.annotate(
            str(count),
            (at, height),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=6,
            in_layout=False,  # just above its mark, inside the axes: not measured for the layout
        )
    year_ticks(ax, range(len(years)), years, empty=set(years) - set(table.year.unique()))
    # thin lines between the years, so that each marker reads with its own year
    ax.set_xticks(np.arange(len(years) + 1) - 0.5, minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.grid(axis="x", which="minor", color="#dddddd", lw=0.5)
    ax.set_yticks(range(len(rows)), [context.label(p) for p in rows])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylim(len(partners) - 0.5, -0.5)
    ax.grid(axis="y", color="#eeeeee", lw=0.5)
    ax.set_xlabel("Year of the step (proposal, signature, review, ...; grey: none)")
    ax.legend(
        handles=[marker_handle(markers[s], colors[s], s) for s in statuses],
        title="Step",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    return fig
