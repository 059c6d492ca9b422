"""Figures of notebook 02: the share of occasions raising each theme, and official statements
against observers' commentary."""

from __future__ import annotations

from functools import partial

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from helpers.dataset.vocabulary import with_declared
from helpers.figures.marks import (
    compared_panels,
    hbars,
    panel_grid,
    scale_at_the_foot,
    scaled_once,
)
from helpers.figures.style import (
    COLUMN_WIDTH,
    HATCHES,
    OKABE_ITO,
    PAGE_WIDTH,
    SEQUENTIAL,
    FigureContext,
    text_width,
)

COLOUR_BAR = 0.75  # inches beside the grid: the colour bar, its numbers and its label


def themes_official_share(
    table: pd.DataFrame, context: FigureContext, title: str = ""
) -> plt.Figure:
    """Themes (rows, grouped by kind) x partners (columns); cells coloured by the share of the
    partner's occasions and annotated with occasions / partner occasions."""
    partners = context.partners
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    rows = [f"{t.label} ({t.kind})" for t in themes.itertuples()]
    width = min(COLUMN_WIDTH + max(0, len(partners) - 3) * 0.25, PAGE_WIDTH)
    # names with codes, one per column: on two lines when they are few and fit the columns
    # left beside the theme labels and the colour bar, else turned upright, so that they never
    # run into each other
    size = mpl.rcParams["xtick.labelsize"]
    columns = width - max(map(partial(text_width, size=size), rows), default=0) - COLOUR_BAR
    stacked = max((text_width(context.label(p, "\n"), size) for p in partners), default=0)
    upright = (
        len(partners) > 4
        or max((len(context.names.get(p, p)) for p in partners), default=0) > 12
        or stacked > 0.9 * columns / max(len(partners), 1)
    )
    labels = [context.label(p, " " if upright else "\n") for p in partners]
    below = 0.065 * max(map(len, labels), default=0) if upright else 0.3
    fig, ax = plt.subplots(layout="constrained", figsize=(width, 0.2 * len(themes) + 1.1 + below))
    grid = np.full((len(themes), len(partners)), np.nan)
    cells = {(row.theme_id, row.partner_id): row for row in table.itertuples()}
    for r, theme in enumerate(themes.theme_id):
        for c, partner in enumerate(partners):
            cell = cells.get((theme, partner))
            if cell is not None:
                grid[r, c] = cell.share
                ax.text(
                    c,
                    r,
                    f"{cell.occasions}/{cell.partner_occasions}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if grid[r, c] > 0.6 else "black",
                    in_layout=False,  # inside its cell: no need to measure it for the layout
                )
    image = ax.imshow(grid, cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(partners)), labels, rotation=90 if upright else 0)
    ax.set_yticks(range(len(themes)), rows)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("Partner")
    if title:
        ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label("Share of the partner's occasions")
    return fig


def themes_by_voice(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """Occasions per theme, official statements and observers' commentary side by side, one
    panel per partner; every panel has the same scale, so that bars compare across panels.
    Past ``PANELS_PER_ROW`` partners the panels wrap onto further rows, each row labelled
    with the themes, so that no panel gets too narrow to read."""
    partners = context.partners
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    rows, _ = panel_grid(len(partners))
    per_theme = 0.17 if rows == 1 else 0.12  # inches; wrapped rows are packed closer
    # the panels' rows line up (same themes, same limits) without sharing an axis, so that only
    # the first panel of each row makes tick marks and labels for them (a shared axis gives every
    # panel a tick object per theme, the figure's largest cost with many partners)
    fig, axes, cols = compared_panels(len(partners), per_theme * len(themes) + 1.0, sharey=False)
    y = np.arange(len(themes))
    voices = [
        (voice, OKABE_ITO[i % len(OKABE_ITO)], HATCHES[i % len(HATCHES)])
        for i, voice in enumerate(with_declared(table.voice, "event_themes", "voice"))
    ]
    labels = [f"{t.label} ({t.kind})" for t in themes.itertuples()]
    occasions = (
        table.pivot_table(  # partner x voice x theme, in the rows' order
            index=["partner_id", "voice"],
            columns="theme_id",
            values="occasions",
            aggfunc="sum",
            observed=True,
        )
        .reindex(columns=list(themes.theme_id), fill_value=0)
        .fillna(0)
    )
    width = 0.8 / len(voices)
    with scaled_once(axes):
        for index, (ax, partner) in enumerate(zip(axes, partners, strict=True)):
            for i, (voice, color, hatch) in enumerate(voices):
                found = (partner, voice) in occasions.index
                values = occasions.loc[(partner, voice)].to_numpy(dtype=int) if found else 0
                hbars(
                    ax,
                    y + (i - (len(voices) - 1) / 2) * width,
                    np.broadcast_to(values, y.shape),
                    width,
                    facecolors=color,
                    hatch=hatch,
                    edgecolors="white",
                    linewidths=0.3,
                )
            ax.xaxis.get_major_locator().set_params(integer=True)
            if index % cols == 0:
                ax.set_yticks(y, labels)
            else:
                ax.set_yticks([])
    for ax in axes:  # the first theme at the top of every panel
        ax.set_ylim(max(len(themes), 1) - 0.5, -0.5)
    scale_at_the_foot(fig, axes, cols, "Occasions")
    axes[cols - 1].legend(
        handles=[Patch(color=c, hatch=h, label=v) for v, c, h in voices],
        title="Voice",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    context.title_panels(fig, axes, partners)
    return fig
