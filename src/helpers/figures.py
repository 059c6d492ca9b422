"""The report's figures: each function takes a table from ``helpers.analysis`` and returns a
matplotlib Figure in the report style. Nothing here knows today's partners, years or themes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.analysis import UNDATED
from helpers.plotting import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH, SEQUENTIAL, partner_colors


def _years_axis(years: pd.Series) -> list[str]:
    """Sorted year labels with 'undated' last."""
    labels = sorted(set(years.astype(str)), key=lambda y: (y == UNDATED, y))
    return labels


def _year_ticks(ax: plt.Axes, positions, years: list[str]) -> None:
    """Year labels on the x axis, turned when there are too many to sit side by side."""
    many = len(years) > 6
    ax.set_xticks(positions, years, rotation=90 if many else 0)


def _marker_handle(marker: str, color: str, label: str) -> Line2D:
    """A legend entry for a marker drawn with the report's black edge."""
    return Line2D([], [], marker=marker, ls="none", color=color, mec="black", mew=0.4, label=label)


def _bars(ax: plt.Axes, x: np.ndarray, heights: list[int], width: float, **style) -> None:
    """Vertical bars from 0 centred on ``x``, drawn as one collection: the same picture as
    ``ax.bar``, without one patch object (and one limits update) per bar."""
    left, top = np.asarray(x, dtype=float) - width / 2, np.asarray(heights, dtype=float)
    corners = np.stack(
        [
            np.column_stack([left, np.zeros_like(top)]),
            np.column_stack([left, top]),
            np.column_stack([left + width, top]),
            np.column_stack([left + width, np.zeros_like(top)]),
        ],
        axis=1,
    )
    bars = PolyCollection(corners, edgecolors="none", linewidths=0, **style)
    bars.sticky_edges.y.append(0)  # like ax.bar: the axis starts at 0, with no margin below
    ax.add_collection(bars)
    ax.autoscale_view()


def _spans(ax: plt.Axes, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, **style) -> None:
    """Horizontal lines from date ``lo`` to date ``hi`` at heights ``y``, as one collection
    built from plain arrays (``ax.hlines`` goes through a masked array per line)."""
    ax.xaxis_date()
    start, end = mdates.date2num(lo), mdates.date2num(hi)
    y = np.asarray(y, dtype=float)
    segments = np.stack([np.column_stack([start, y]), np.column_stack([end, y])], axis=1)
    ax.add_collection(LineCollection(segments, **style))
    ax.autoscale_view()


def _dot_area(events: int) -> float:
    """Marker area for a count: grows with the count but stays readable for large counts."""
    return 14 + 10 * min(events, 12)


def _theme_grid(
    ax: plt.Axes, grid: np.ndarray, themes: pd.DataFrame, vmax: float, label_rows: bool = True
) -> None:
    """Shade a themes x years grid (empty cells left blank) and label its theme rows (panels
    that share their rows with a labelled one need not label them again)."""
    ax.pcolormesh(
        np.ma.masked_invalid(grid),
        cmap=SEQUENTIAL,
        vmin=0,
        vmax=vmax,
        edgecolors="#dddddd",
        linewidth=0.4,
    )
    if label_rows:
        rows = [f"{t.label} ({t.kind})" for t in themes.itertuples()]
        ax.set_yticks(np.arange(len(themes)) + 0.5, rows)
    else:
        ax.set_yticks([])
    ax.set_xlim(0, max(grid.shape[1], 1))
    ax.set_ylim(max(len(themes), 1), 0)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def counts_by_year(table: pd.DataFrame, partners: list[str]) -> plt.Figure:
    """Two panels: occasions and agreements per year, one bar per partner."""
    years = _years_axis(table.year)
    colors = partner_colors(partners)
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.4), sharey=True)
    width = 0.8 / max(len(partners), 1)
    x = np.arange(len(years))
    for ax, column, title in zip(
        axes, ["occasions", "agreements"], ["Meetings and visits", "Agreement records"], strict=True
    ):
        for i, partner in enumerate(partners):
            rows = table[table.partner_id == partner].set_index("year")[column]
            heights = [int(rows.get(y, 0)) for y in years]
            _bars(
                ax,
                x + (i - (len(partners) - 1) / 2) * width,
                heights,
                width,
                facecolors=colors[partner],
                label=partner,
            )
        _year_ticks(ax, x, years)
        ax.set_title(title)
        ax.set_xlabel("Year (occasion or agreement)")
    axes[0].set_ylabel("Count")
    axes[0].yaxis.get_major_locator().set_params(integer=True)
    axes[1].legend(title="Partner", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def timeline(events: pd.DataFrame, agreements: pd.DataFrame, partners: list[str]) -> plt.Figure:
    """Events and agreements over time, one row per partner; a bar spans what the date's
    precision leaves open (a whole year, a whole month), a dot marks a known day."""
    colors = partner_colors(partners)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 0.55 * len(partners) + 1.1))
    rows = {p: i for i, p in enumerate(partners)}
    for frame, offset, marker in ((events, 0.12, "o"), (agreements, -0.12, "D")):
        # one mark per partner and span: identical spans would only overdraw each other
        dated = frame[frame.lo.notna().to_numpy()].drop_duplicates(
            ["partner_id", "precision", "lo", "hi"]
        )
        row = dated.partner_id.astype("string").map(rows).to_numpy(dtype=int)
        y = row + offset
        color = to_rgba_array([colors[p] for p in partners])[row]
        day = (dated.precision == "day").fillna(False).to_numpy()
        _spans(
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
        _marker_handle("o", "grey", "event, day known"),
        _marker_handle("D", "grey", "agreement, day known"),
        Line2D([], [], lw=4, alpha=0.45, color="grey", label="only month or year known"),
    ]
    undated = int(events.lo.isna().sum() + agreements.lo.isna().sum())
    if undated:
        handles.append(Line2D([], [], ls="none", label=f"not shown: {undated} undated row(s)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.25), ncol=2)
    fig.tight_layout()
    return fig


def date_quality(table: pd.DataFrame) -> plt.Figure:
    """Stacked bars per table: how many dates are known to the day, month or year, or not at
    all, split into stated and inferred."""
    table = table.assign(
        category=table.precision + np.where(table.inferred, " (inferred)", " (stated)")
    )
    order = [
        f"{p} ({s})" for p in ("day", "month", "year", "no date") for s in ("stated", "inferred")
    ]
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


def theme_heatmap(
    table: pd.DataFrame, partners: list[str], value: str = "share", title: str = ""
) -> plt.Figure:
    """Themes (rows, grouped by kind) x partners (columns); cells coloured by ``value`` and
    annotated with occasions / partner occasions."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.2 * len(themes) + 1.0))
    grid = np.full((len(themes), len(partners)), np.nan)
    cells = {(row.theme_id, row.partner_id): row for row in table.itertuples()}
    for r, theme in enumerate(themes.theme_id):
        for c, partner in enumerate(partners):
            cell = cells.get((theme, partner))
            if cell is not None:
                grid[r, c] = getattr(cell, value)
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
    ax.set_xticks(range(len(partners)), partners)
    ax.set_yticks(range(len(themes)), [f"{t.label} ({t.kind})" for t in themes.itertuples()])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("Partner")
    if title:
        ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label("Share of the partner's occasions")
    fig.tight_layout()
    return fig


def voice_comparison(table: pd.DataFrame) -> plt.Figure:
    """Occasions per theme, official statements and observers' commentary side by side,
    one panel per partner."""
    partners = sorted(table.partner_id.unique())
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    fig, axes = plt.subplots(
        1, len(partners), figsize=(PAGE_WIDTH, 0.17 * len(themes) + 1.2), sharey=True, squeeze=False
    )
    y = np.arange(len(themes))
    voices = [("official", OKABE_ITO[0], None), ("observer", OKABE_ITO[1], "//")]
    for ax, partner in zip(axes[0], partners, strict=True):
        for i, (voice, color, hatch) in enumerate(voices):
            rows = table[(table.partner_id == partner) & (table.voice == voice)].set_index(
                "theme_id"
            )
            values = [int(rows.occasions.get(t, 0)) for t in themes.theme_id]
            ax.barh(
                y + (i - 0.5) * 0.4,
                values,
                0.4,
                color=color,
                hatch=hatch,
                edgecolor="white",
                lw=0.3,
                label=voice,
            )
        ax.set_title(partner)
        ax.set_xlabel("Occasions")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0][0].set_yticks(y, [f"{t.label} ({t.kind})" for t in themes.itertuples()])
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(
        handles=[Patch(color=c, hatch=h, label=v) for v, c, h in voices],
        title="Voice",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    fig.tight_layout()
    return fig


def theme_year_grid(table: pd.DataFrame, partners: list[str]) -> plt.Figure:
    """One panel per partner: themes (rows) x years (columns), shaded by occasions raising it."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = _years_axis(table.year)
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
        _theme_grid(ax, grid, themes, vmax, label_rows=ax is axes[0][0])
        ax.set_xticks(np.arange(0, len(years), step) + 0.5, years[::step], rotation=90)
        ax.set_title(partner)
    fig.supxlabel("Year of the occasion", fontsize=8)
    fig.tight_layout()
    return fig


def agreement_bars(table: pd.DataFrame, statuses: list[str], partners: list[str]) -> plt.Figure:
    """Agreement records per partner and kind, stacked by status."""
    kinds = sorted(table.kind.astype(str).unique())
    fig, axes = plt.subplots(
        1, len(partners), figsize=(PAGE_WIDTH, 0.3 * len(kinds) + 1.2), sharey=True, squeeze=False
    )
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    for ax, partner in zip(axes[0], partners, strict=True):
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
        ax.set_title(partner)
        ax.set_xlabel("Records")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(title="Status", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def interlocutor_grid(table: pd.DataFrame, partners: list[str]) -> plt.Figure:
    """Who met whom over time: one panel per partner, persons of both sides (rows) x years;
    dot size is the number of events the person attended that year."""
    years = _years_axis(table.year)
    groups = [table[table.partner_id == p] for p in partners]
    heights = [max(g.person_id.nunique(), 1) for g in groups]
    fig, axes = plt.subplots(
        len(partners),
        1,
        figsize=(COLUMN_WIDTH + 1.2, 0.24 * sum(heights) + 0.5 * len(partners) + 0.6),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    colors = {"cambodia": OKABE_ITO[0], "partner": OKABE_ITO[1]}
    for ax, partner, group in zip(axes[:, 0], partners, groups, strict=True):
        people = group.drop_duplicates("person_id").sort_values(["side", "person_id"])
        order = list(people.person_id)
        for row in group.itertuples():
            ax.scatter(
                years.index(row.year),
                order.index(row.person_id),
                s=_dot_area(row.events),
                color=colors[row.side],
                edgecolor="black",
                lw=0.4,
                zorder=3,
            )
        ax.set_yticks(range(len(order)), list(people.name))
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.grid(axis="y", color="#eeeeee", lw=0.5)
        ax.set_title(f"with {partner}", loc="left")
    _year_ticks(axes[-1, 0], range(len(years)), years)
    axes[-1, 0].set_xlim(-0.5, len(years) - 0.5)
    axes[-1, 0].set_xlabel("Year")
    handles = [
        _marker_handle("o", c, "Cambodian side" if s == "cambodia" else "partner side")
        for s, c in colors.items()
    ]
    handles += [
        plt.scatter(
            [],
            [],
            s=_dot_area(n),
            color="white",
            edgecolor="black",
            lw=0.4,
            label=f"{n} event{'s' if n > 1 else ''} that year",
        )
        for n in (1, 3)
    ]
    axes[0, 0].legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), labelspacing=1.0
    )
    fig.tight_layout()
    return fig


def theme_spread(table: pd.DataFrame) -> plt.Figure:
    """Themes (rows) x years (columns): number of partners that raised the theme that year."""
    themes = table.drop_duplicates("theme_id").sort_values(["kind", "label"])
    theme_ids = list(themes.theme_id)
    years = _years_axis(table.year)
    grid = np.full((len(themes), len(years)), np.nan)
    for cell in table.itertuples():
        grid[theme_ids.index(cell.theme_id), years.index(cell.year)] = cell.partners
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 1.0, 0.18 * len(themes) + 1.0))
    vmax = max(np.nanmax(grid) if len(table) else 1, 1)
    _theme_grid(ax, grid, themes, vmax)
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
    _year_ticks(ax, np.arange(len(years)) + 0.5, years)
    ax.set_xlabel("Year of the occasion (cell: number of partners raising the theme)")
    fig.tight_layout()
    return fig


def agreement_timeline(table: pd.DataFrame, statuses: list[str], partners: list[str]) -> plt.Figure:
    """Agreement records per partner (rows) and year (columns), one marker per status, sized by
    the number of records."""
    years = _years_axis(table.year)
    colors = dict(zip(statuses, OKABE_ITO, strict=False))
    markers = dict(zip(statuses, ["o", "s", "D", "^", "v", "P"], strict=False))
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 1.0, 0.45 * len(partners) + 1.2))
    counts = (
        table.groupby(["partner_id", "year", "status"], observed=True).size().reset_index(name="n")
    )
    offsets = {s: (i - (len(statuses) - 1) / 2) * 0.18 for i, s in enumerate(statuses)}
    for row in counts.itertuples():
        ax.scatter(
            years.index(row.year) + offsets[row.status],
            partners.index(row.partner_id),
            s=2 * _dot_area(row.n),
            marker=markers[row.status],
            color=colors[row.status],
            edgecolor="black",
            lw=0.4,
            zorder=3,
        )
        if row.n > 1:
            ax.annotate(
                str(row.n),
                (years.index(row.year) + offsets[row.status], partners.index(row.partner_id)),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=6,
            )
    _year_ticks(ax, range(len(years)), years)
    ax.set_yticks(range(len(partners)), partners)
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylim(len(partners) - 0.5, -0.5)
    ax.grid(axis="y", color="#eeeeee", lw=0.5)
    ax.set_xlabel("Year of the action (signature, proposal, review)")
    ax.set_ylabel("Partner")
    ax.legend(
        handles=[_marker_handle(markers[s], colors[s], s) for s in statuses],
        title="Status",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    fig.tight_layout()
    return fig


def continuity_bars(table: pd.DataFrame) -> plt.Figure:
    """Per person, the span from the first to the last year met; the label gives occasions."""
    table = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 1.0, 0.24 * len(table) + 0.9))
    colors = {"cambodia": OKABE_ITO[0], "partner": OKABE_ITO[1]}
    dated = table.dropna(subset=["first_year"])
    lo = int(dated.first_year.min()) if len(dated) else 0
    hi = int(dated.last_year.max()) if len(dated) else 1
    for i, row in table.iterrows():
        label = f"{row.occasions} occasion(s)"
        if pd.isna(row.first_year):
            ax.text(lo, i, "year unknown; " + label, va="center", fontsize=6, color="#555555")
            continue
        ax.plot(
            [row.first_year - 0.3, row.last_year + 0.3],
            [i, i],
            lw=5,
            color=colors[row.side],
            solid_capstyle="butt",
        )
        ax.text(row.last_year + 0.45, i, label, va="center", fontsize=6)
    ax.set_yticks(range(len(table)), list(table.name))
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(lo - 0.7, hi + 2.2)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Years in which the person was met (first to last)")
    ax.legend(
        handles=[
            Patch(color=c, label="Cambodian side" if s == "cambodia" else "partner side")
            for s, c in colors.items()
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    fig.tight_layout()
    return fig


def alpha_bars(alphas: pd.DataFrame) -> plt.Figure:
    """Krippendorff's alpha per variable, with the customary thresholds (0.667 tentative,
    0.8 reliable); undefined alphas (no variation) are listed as such."""
    table = alphas.sort_values(["alpha", "variable"], na_position="first").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 0.8, 0.16 * len(table) + 1.0))
    y = np.arange(len(table))
    values = table.alpha.fillna(0).to_numpy()
    colors = [
        OKABE_ITO[5] if v < 0.667 else OKABE_ITO[1] if v < 0.8 else OKABE_ITO[0] for v in values
    ]
    ax.barh(y, values, color=colors)
    for i, row in table.iterrows():
        if pd.isna(row.alpha):
            ax.text(0.01, i, "undefined (no variation)", va="center", fontsize=6, color="#555555")
        else:
            ax.text(max(row.alpha, 0) + 0.01, i, f"{row.alpha:.2f}", va="center", fontsize=6)
    for threshold, side in ((0.667, "right"), (0.8, "left")):
        ax.axvline(threshold, color="black", lw=0.6, ls="--")
        shift = -0.01 if side == "right" else 0.01
        ax.text(threshold + shift, -0.8, f"{threshold:g}", ha=side, va="bottom", fontsize=6)
    ax.set_yticks(y, list(table.variable))
    ax.set_ylim(len(table) - 0.5, -1.2)
    ax.set_xlim(min(0, float(np.nanmin(values))), 1.12)
    ax.set_xlabel("Krippendorff's alpha (nominal)")
    fig.tight_layout()
    return fig
