"""Figures of notebook 05: who met whom each year, and how long each person stayed in the
relationship."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.patches import Patch

from helpers.dataset.dates import year_axis
from helpers.dataset.vocabulary import side_label, with_declared
from helpers.figures.marks import dot_area, marker_handle, year_ticks
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, FigureContext

ONE_COLUMN_UP_TO = 4  # partners; more: the panels run in two columns, to fit a page
MAX_PERSONS = 15  # rows of a partner's panel; more: the persons met at the most events


def _most_met(group: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows of the persons a partner's panel shows (at most ``MAX_PERSONS``: those who
    attended the most events, ties in the table's order) and how many persons there are."""
    events = group.groupby("person_id", sort=False, observed=True).events.sum()
    if len(events) <= MAX_PERSONS:
        return group, len(events)
    kept = events.sort_values(ascending=False, kind="stable").index[:MAX_PERSONS]
    return group[group.person_id.isin(kept).to_numpy()], len(events)


def interlocutors_by_year(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """Who met whom over time: one panel per partner, persons of both sides (rows) x every year
    of the scope; dot size is the number of events the person attended that year. Past
    ``ONE_COLUMN_UP_TO`` partners the panels run in two columns, so that the figure fits a
    page; each column reads its years at its foot."""
    partners = context.partners
    years = year_axis(table.year, context.years)
    by_partner = dict(tuple(table.groupby(table.partner_id.astype(str), sort=False)))
    panels = [_most_met(by_partner.get(p, table.iloc[:0])) for p in partners]
    groups = [group for group, _ in panels]
    heights = [max(g.person_id.nunique(), 1) for g in groups]
    cols = 1 if len(partners) <= ONE_COLUMN_UP_TO else 2
    rows = -(-len(partners) // cols)
    row_heights = [max(heights[r * cols : (r + 1) * cols]) for r in range(rows)]
    fig, grid = plt.subplots(
        rows,
        cols,
        figsize=(
            COLUMN_WIDTH + 1.2 if cols == 1 else PAGE_WIDTH,
            (0.24 if cols == 1 else 0.2) * sum(row_heights)
            + (0.5 if cols == 1 else 0.45) * rows
            + 0.6,
        ),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": row_heights},
        layout="constrained",
    )
    axes = [ax for row in grid for ax in row]
    for ax in axes[len(partners) :]:
        ax.set_visible(False)
    colors = side_colors(table.side)
    side_rgba, sides = to_rgba_array(list(colors.values())), pd.Index(list(colors))
    for ax, partner, (group, everyone) in zip(axes, partners, panels, strict=False):
        people = group.drop_duplicates("person_id").sort_values(["side", "person_id"])
        order = list(people.person_id)
        # one collection per panel, its dots in the table's order (as one call per dot drew them)
        row_of = pd.Series(np.arange(len(order)), index=order)
        column_of = pd.Series(np.arange(len(years)), index=years)
        if len(group):
            ax.scatter(
                column_of.reindex(group.year.astype(str)).to_numpy(dtype=float),
                row_of.reindex(group.person_id).to_numpy(dtype=float),
                s=dot_area(group.events.to_numpy()),
                color=side_rgba[sides.get_indexer(group.side.astype(str))],
                edgecolor="black",
                lw=0.4,
                zorder=3,
            )
        ax.set_yticks(range(len(order)), list(people.name))
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.grid(axis="y", color="#eeeeee", lw=0.5)
        shown = f" ({len(order)} of {everyone} persons, those met at the most events)"
        ax.set_title(
            f"with {context.label(partner)}" + (shown if everyone > len(order) else ""), loc="left"
        )
    empty = set(years) - {str(y) for y in table.year.unique()}
    for column in range(cols):  # the lowest panel of each column carries the years
        bottom = [ax for ax in axes[column::cols][: len(partners)] if ax.get_visible()][-1]
        year_ticks(bottom, range(len(years)), years, empty)
        bottom.xaxis.set_tick_params(labelbottom=True)
        bottom.set_xlim(-0.5, len(years) - 0.5)
        bottom.set_xlabel("Year (grey: nobody met that year)")
    handles = [marker_handle("o", c, side_label(s)) for s, c in colors.items()]
    handles += [
        plt.scatter(
            [],
            [],
            s=dot_area(n),
            color="white",
            edgecolor="black",
            lw=0.4,
            label=f"{n} event{'s' if n > 1 else ''} that year",
        )
        for n in (1, 3)
    ]
    axes[cols - 1].legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), labelspacing=1.0
    )
    return fig


def continuity(table: pd.DataFrame) -> plt.Figure:
    """Per person, the span from the first to the last year met; the right-hand labels give the
    occasions. The year axis runs over the years of the data and no further."""
    table = table.reset_index(drop=True)
    fig, ax = plt.subplots(
        layout="constrained", figsize=(COLUMN_WIDTH + 1.0, 0.24 * len(table) + 1.2)
    )
    colors = side_colors(table.side)
    dated = table.dropna(subset=["first_year"])
    lo = int(dated.first_year.min()) if len(dated) else 0
    hi = int(dated.last_year.max()) if len(dated) else 1
    undated = table.first_year.isna().to_numpy()
    for i in np.flatnonzero(undated):
        ax.text(lo - 0.3, i, "year unknown", va="center", fontsize=6, color="#555555")
    # every person's span in one collection, drawn in the table's order
    rows = np.flatnonzero(~undated)
    first = table.first_year.to_numpy(dtype=float, na_value=np.nan)[rows] - 0.3
    last = table.last_year.to_numpy(dtype=float, na_value=np.nan)[rows] + 0.3
    segments = np.stack(
        [np.column_stack([first, rows]), np.column_stack([last, rows])], axis=1
    ).astype(float)
    side_rgba = to_rgba_array(list(colors.values()))
    at_side = pd.Index(list(colors)).get_indexer(table.side.astype(str).to_numpy()[rows])
    ax.add_collection(
        LineCollection(segments, colors=side_rgba[at_side], linewidths=5, capstyle="butt")
    )
    ax.set_yticks(range(len(table)), list(table.name))
    occasions = ax.secondary_yaxis("right")
    occasions.set_yticks(range(len(table)), [f"{n} occasion(s)" for n in table.occasions])
    occasions.tick_params(length=0, labelsize=6)
    occasions.spines["right"].set_visible(False)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    step = max(1, -(-(hi - lo + 1) // 10))
    ax.set_xticks(range(lo, hi + 1, step))
    ax.set_xlabel("Years in which the person was met (first to last)")
    fig.legend(  # under the axis and its label, the layout making room for it
        handles=[Patch(color=c, label=side_label(s)) for s, c in colors.items()],
        loc="outside lower left",
        ncol=len(colors),
    )
    return fig


def side_colors(sides: pd.Series) -> dict[str, str]:
    """A fixed colour per side of the vocabulary (and per side a study added)."""
    found = with_declared(sides.dropna(), "participants", "side")
    return {side: OKABE_ITO[i % len(OKABE_ITO)] for i, side in enumerate(found)}
