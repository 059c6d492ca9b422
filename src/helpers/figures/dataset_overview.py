"""Figures of notebook 01: occasions and agreements per year, the timeline, date precision."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D

from helpers.analysis.dataset_overview import Timeline
from helpers.dataset.dates import DAY, NO_DATE, PRECISIONS, sorted_year_labels
from helpers.figures.marks import bars, marker_handle, spans, year_ticks
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH


def counts_by_partner_year(table: pd.DataFrame, partners: dict[str, str]) -> plt.Figure:
    """Two panels: occasions and agreements per year, one bar per partner (``partners``: the
    partners in order, each with its colour)."""
    years = sorted_year_labels(table.year)
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.4), sharey=True)
    width = 0.8 / max(len(partners), 1)
    x = np.arange(len(years))
    for ax, column, title in zip(
        axes, ["occasions", "agreements"], ["Meetings and visits", "Agreement records"], strict=True
    ):
        for i, partner in enumerate(partners):
            rows = table[table.partner_id == partner].set_index("year")[column]
            heights = [int(rows.get(y, 0)) for y in years]
            bars(
                ax,
                x + (i - (len(partners) - 1) / 2) * width,
                heights,
                width,
                facecolors=partners[partner],
                label=partner,
            )
        year_ticks(ax, x, years)
        ax.set_title(title)
        ax.set_xlabel("Year (occasion or agreement)")
    axes[0].set_ylabel("Count")
    axes[0].yaxis.get_major_locator().set_params(integer=True)
    axes[1].legend(title="Partner", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def timeline(items: Timeline, partners: dict[str, str]) -> plt.Figure:
    """Events and agreements over time, one row per partner; a bar spans what the date's
    precision leaves open (a whole year, a whole month), a dot marks a known day."""
    events, agreements = items.events, items.agreements
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 0.55 * len(partners) + 1.1))
    rows = {p: i for i, p in enumerate(partners)}
    for frame, offset, marker in ((events, 0.12, "o"), (agreements, -0.12, "D")):
        # one mark per partner and span: identical spans would only overdraw each other
        dated = frame[frame.lo.notna().to_numpy()].drop_duplicates(
            ["partner_id", "precision", "lo", "hi"]
        )
        row = dated.partner_id.astype("string").map(rows).to_numpy(dtype=int)
        y = row + offset
        color = to_rgba_array(list(partners.values()))[row]
        day = (dated.precision == DAY).fillna(False).to_numpy()
        spans(
            ax,
            y[~day],
            dated.lo.to_numpy()[~day],
            dated.hi.to_numpy()[~day],
            colors=color[~day],
            lw=4,
            alpha=0.45,
        )
        ax.scatter(
            dated.lo.to_numpy()[day],
            y[day],
            marker=marker,
            s=16,
            c=color[day],
            edgecolors="black",
            linewidths=0.4,
            zorder=3,
        )
    ax.set_yticks(range(len(partners)), partners)
    ax.set_ylim(-0.6, len(partners) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("Date")
    ax.set_ylabel("Partner")
    handles = [
        marker_handle("o", "grey", "event, day known"),
        marker_handle("D", "grey", "agreement, day known"),
        Line2D([], [], lw=4, alpha=0.45, color="grey", label="only month or year known"),
    ]
    undated = int(events.lo.isna().sum() + agreements.lo.isna().sum())
    if undated:
        handles.append(Line2D([], [], ls="none", label=f"not shown: {undated} undated row(s)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.25), ncol=2)
    fig.tight_layout()
    return fig


def date_precision(table: pd.DataFrame) -> plt.Figure:
    """Stacked bars per table: how many dates are known to the day, month or year, or not at
    all, split into stated and inferred."""
    table = table.assign(
        category=table.precision + np.where(table.inferred, " (inferred)", " (stated)")
    )
    order = [f"{p} ({s})" for p in (*PRECISIONS, NO_DATE) for s in ("stated", "inferred")]
    order = [c for c in order if c in set(table.category)]
    pivot = table.pivot_table(
        index="table", columns="category", values="rows", aggfunc="sum", fill_value=0
    ).reindex(columns=order)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.9))
    left = np.zeros(len(pivot))
    for i, category in enumerate(order):
        values = pivot[category].to_numpy()
        ax.barh(
            pivot.index,
            values,
            left=left,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            hatch="//" if "inferred" in category else None,
            edgecolor="white",
            lw=0.5,
            label=category,
        )
        left += values
    ax.set_xlabel("Rows")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.35), ncol=2)
    fig.tight_layout()
    return fig
