"""Figures of notebook 01: occasions and instruments per year, the timeline, the instruments'
life cycles, corroboration, date precision."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D

from helpers.analysis.corroboration import ITEMS
from helpers.analysis.dataset_overview import Timeline
from helpers.dataset.dates import DAY, NO_DATE, PRECISIONS, year_axis
from helpers.figures.marks import marker_handle, partner_bars, spans, year_ticks
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, FigureContext


def counts_by_partner_year(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """Two panels: occasions and instruments (with a step that year) per year, one bar per
    partner. Every year of
    the scope has its place on the axis; a year without any is labelled in grey."""
    years = year_axis(table.year, context.years)
    partners = context.partners
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.4), sharey=True, layout="constrained")
    x = np.arange(len(years))
    panels = [
        ("occasions", "Meetings and visits", "Occasions"),
        ("instruments", "Instruments with a step that year", "Instruments"),
    ]
    for ax, (column, title, ylabel) in zip(axes, panels, strict=True):
        present = set(table.year[table[column] > 0].astype(str))
        heights = {}
        for partner in partners:
            rows = table[table.partner_id == partner].set_index("year")[column]
            heights[partner] = [int(rows.get(y, 0)) for y in years]
        partner_bars(ax, x, heights, context)
        year_ticks(ax, x, years, empty=set(years) - present)
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_title(title)
        ax.set_xlabel("Year (grey: none that year)")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_tick_params(labelleft=True)
    axes[0].yaxis.get_major_locator().set_params(integer=True)
    axes[1].legend(title="Partner", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


MAX_COUNTS = 200  # at most this many "×n" labels: a denser timeline is read from its table


def timeline(items: Timeline, context: FigureContext) -> plt.Figure:
    """Events and instrument steps over time, one row per partner; a bar spans what the date's
    precision leaves open (a whole year, a whole month), a marker shows a known day. Events are
    drawn above the partner's line, instrument steps below it, in a style of their own."""
    events, agreements = items.events, items.agreements
    partners = context.partners
    fig, ax = plt.subplots(layout="constrained", figsize=(PAGE_WIDTH, 0.6 * len(partners) + 1.2))
    rows = {p: i for i, p in enumerate(partners)}
    styles = {
        "event": {"offset": -0.14, "marker": "o", "span": {"lw": 4, "alpha": 0.45}},
        "agreement": {
            "offset": 0.14,
            "marker": "D",
            "span": {"lw": 2.2, "alpha": 0.9, "linestyles": (0, (1.5, 1))},
        },
    }
    counted = False
    for frame, style in ((events, styles["event"]), (agreements, styles["agreement"])):
        # one mark per partner and span, with the number of rows it stands for: identical
        # spans would only overdraw each other
        dated = (
            frame[frame.lo.notna().to_numpy()]
            .groupby(["partner_id", "precision", "lo", "hi"], observed=True, sort=False)
            .size()
            .reset_index(name="n")
        )
        row = dated.partner_id.astype("string").map(rows).to_numpy(dtype=int)
        y = row + style["offset"]
        color = to_rgba_array(list(context.colors.values()))[row]
        day = (dated.precision == DAY).fillna(False).to_numpy()
        spans(
            ax,
            y[~day],
            dated.lo.to_numpy()[~day],
            dated.hi.to_numpy()[~day],
            colors=color[~day],
            **style["span"],
        )
        ax.scatter(
            dated.lo.to_numpy()[day],
            y[day],
            marker=style["marker"],
            s=16,
            c=color[day],
            edgecolors="black",
            linewidths=0.4,
            zorder=3,
        )
        several = dated.n.to_numpy() > 1
        for at, height, n in list(
            zip(
                np.where(day, dated.lo, dated.hi)[several],
                y[several],
                dated.n.to_numpy()[several],
                strict=True,
            )
        )[:MAX_COUNTS]:
            ax.annotate(
                f"×{n}",
                (at, height),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=6,
            )
        counted = counted or bool(several.any())
    ax.set_yticks(range(len(partners)), [context.label(p) for p in partners])
    ax.set_ylim(-0.6, len(partners) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("Date")
    handles = [
        marker_handle("o", "grey", "event, day known"),
        marker_handle("D", "grey", "instrument step, day known"),
        Line2D(
            [],
            [],
            color="grey",
            **_line(styles["event"]["span"]),
            label="event, only month or year known",
        ),
        Line2D(
            [],
            [],
            color="grey",
            **_line(styles["agreement"]["span"]),
            label="instrument step, only month or year known",
        ),
    ]
    if counted:
        handles.append(Line2D([], [], ls="none", label="×n: n records with the same date"))
    undated = int(events.lo.isna().sum() + agreements.lo.isna().sum())
    if undated:
        handles.append(Line2D([], [], ls="none", label=f"not shown: {undated} undated row(s)"))
    # under the axis and its label, the layout making room for it
    fig.legend(handles=handles, loc="outside lower left", ncol=2)
    return fig


def _line(span: dict) -> dict:
    """A span's style as Line2D arguments (for its legend entry)."""
    return {"lw": span["lw"], "alpha": span["alpha"], "ls": span.get("linestyles", "-")}


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
    fig, ax = plt.subplots(layout="constrained", figsize=(COLUMN_WIDTH, 1.9))
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
    fig.legend(loc="outside lower center", ncol=2)  # under the axis, the layout making room
    return fig


MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


MAX_LIFE_CYCLES = 40  # instruments drawn, one row each, in the life-cycle figure


def life_cycles(cycles: pd.DataFrame, steps: list[str], context: FigureContext) -> plt.Figure:
    """One row per instrument, grouped by partner: a marker per step (shape and colour by step,
    in the order of the step vocabulary), at its day, or a bar over the month or year its date
    leaves open; a thin line joins an instrument's dated steps. The partner is named in each
    row's label, with its code; an undated step is named on its row, in grey."""
    colors = dict(zip(steps, OKABE_ITO, strict=False))
    markers = dict(zip(steps, MARKERS, strict=False))
    order = {p: i for i, p in enumerate(context.partners)}
    # partners and instruments numbered once (a categorical by its categories), so that the
    # hundreds of thousands of steps of a large dataset are never turned into text
    partner, partners = pd.factorize(cycles.partner_id)
    rank = np.append([order.get(str(p), np.nan) for p in partners], np.nan)[partner]
    instrument, instruments = pd.factorize(cycles.instrument_id)
    rows = (
        cycles.assign(_p=rank, _i=instrument)
        .dropna(subset=["_p"])
        .drop_duplicates("_i")
        .sort_values(["_p", "instrument_id"])
    )
    total = len(rows)
    if total > MAX_LIFE_CYCLES:  # a row each would make a figure no page (nor PNG) can hold
        latest = pd.Series(cycles.hi.to_numpy()).groupby(instrument).max()
        recent = latest.reindex(rows._i.to_numpy()).to_numpy()
        keep = pd.Series(recent).rank(method="first", ascending=False, na_option="bottom")
        rows = rows[(keep <= MAX_LIFE_CYCLES).to_numpy()]
    ids = list(rows.instrument_id.astype("string"))
    row_of = np.full(len(instruments) + 1, -1)  # each instrument's row in the figure, or -1
    row_of[rows._i.to_numpy()] = np.arange(len(rows))
    labels = [
        f"{i} {name[:28] + ('…' if len(name) > 28 else '')}\n{context.label(p)}"
        for i, name, p in zip(
            ids, rows.name.astype("string"), rows.partner_id.astype("string"), strict=True
        )
    ]
    y_of = {i: n for n, i in enumerate(ids)}
    fig, ax = plt.subplots(
        layout="constrained", figsize=(PAGE_WIDTH, 0.42 * max(len(ids), 1) + 1.3)
    )
    at_row = row_of[instrument]
    shown = cycles[at_row >= 0]
    y = at_row[at_row >= 0].astype(float)
    dated = shown.lo.notna().to_numpy()
    for instrument, group in shown[dated].groupby(shown.instrument_id.astype("string")[dated]):
        if len(group) > 1:
            ax.plot(
                [group.lo.min(), group.hi.max()],
                [y_of[instrument]] * 2,
                color="grey",
                lw=0.8,
                zorder=1,
            )
    for step in steps:
        mine = (shown.step.astype("string") == step).fillna(False).to_numpy() & dated
        day = mine & (shown.precision.astype("string") == DAY).fillna(False).to_numpy()
        wide = mine & ~day
        color = colors[step]
        spans(
            ax,
            y[wide],
            shown.lo.to_numpy()[wide],
            shown.hi.to_numpy()[wide],
            colors=[color] * int(wide.sum()),
            lw=4,
            alpha=0.55,
        )
        ax.scatter(
            shown.lo.to_numpy()[day],
            y[day],
            marker=markers[step],
            s=28,
            c=color,
            edgecolors="black",
            linewidths=0.4,
            zorder=3,
        )
    ax.set_yticks(range(len(ids)), labels, fontsize=6)
    ax.set_ylim(-0.6, len(ids) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("Date of the step")
    handles = []
    is_day = (shown.precision.astype("string") == DAY).fillna(False).to_numpy()
    for step in steps:
        mine = (shown.step.astype("string") == step).fillna(False).to_numpy() & dated
        if (mine & is_day).any():
            handles.append(marker_handle(markers[step], colors[step], f"{step}, day known"))
        if (mine & ~is_day).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colors[step],
                    lw=4,
                    alpha=0.55,
                    label=f"{step}, only month or year known",
                )  # fmt: skip
            )
    undated = shown[~dated]
    for instrument, group in undated.groupby(undated.instrument_id.astype("string")):
        ax.annotate(
            "undated: " + ", ".join(group.step.astype("string")),
            (0, y_of[instrument]),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=6,
            color="grey",
            style="italic",
        )
    if len(undated):
        handles.append(
            Line2D([], [], ls="none", label=f"undated: {len(undated)} step(s), named on their row")
        )
    ax.legend(handles=handles, title="Step", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if not dated.any():
        ax.set_xticks([])
    if len(ids) < total:
        ax.set_title(
            f"The {len(ids)} most recently active of {total:,d} instruments (the table has all)",
            loc="left",
            fontsize=7,
        )
    return fig


def corroboration(table: pd.DataFrame, context: FigureContext) -> plt.Figure:
    """One panel per item (occasions, theme links, instruments): how many of them rest on 1, 2,
    3, ... distinct sources, one bar per partner. Every count of sources from 1 to the largest
    found has its place on the axis, so that a panel shows at once how much rests on one
    source."""
    partners = context.partners
    most = int(table.sources.max()) if len(table) else 1
    counts = list(range(1, max(most, 1) + 1))
    fig, axes = plt.subplots(1, len(ITEMS), figsize=(PAGE_WIDTH, 2.3), layout="constrained")
    x = np.arange(len(counts))
    for ax, item in zip(axes, ITEMS, strict=True):
        rows = table[table["item"] == item]
        heights = {}
        for partner in partners:
            found = rows[rows.partner_id == partner].set_index("sources")["items"]
            heights[partner] = [int(found.get(n, 0)) for n in counts]
        partner_bars(ax, x, heights, context)
        ax.set_xticks(x, [str(n) for n in counts])
        ax.set_xlim(-0.6, len(counts) - 0.4)
        ax.set_title(item.capitalize())
        ax.set_xlabel("Sources reporting it")
        ax.set_ylabel(f"{item.capitalize()}")
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[-1].legend(title="Partner", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
