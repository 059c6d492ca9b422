"""Drawing pieces shared by the report's figures: year ticks, legend markers, bars and spans
drawn as one collection, dot sizes, and the shaded themes x years grid."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.figures.style import FOOT_LABEL_SIZE, PAGE_WIDTH, SEQUENTIAL, FigureContext

EMPTY = "#9a9a9a"  # colour of the label of a year without data


def year_ticks(ax: plt.Axes, positions, years: list[str], empty: set[str] = frozenset()) -> None:
    """Year labels on the x axis, turned when there are too many to sit side by side; the years
    in ``empty`` (no data) are labelled in grey italics, so that a gap reads as a gap."""
    many = len(years) > 6
    ax.set_xticks(positions, years, rotation=90 if many else 0)
    grey_empty_years(ax, empty)


def grey_empty_years(ax: plt.Axes, empty: set[str]) -> None:
    """Label the years in ``empty`` (no data) in grey italics."""
    for label in ax.get_xticklabels():
        if label.get_text() in empty:
            label.set_color(EMPTY)
            label.set_fontstyle("italic")


def marker_handle(marker: str, color: str, label: str) -> Line2D:
    """A legend entry for a marker drawn with the report's black edge."""
    return Line2D([], [], marker=marker, ls="none", color=color, mec="black", mew=0.4, label=label)


def _rectangles(
    ax: plt.Axes, x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray, **style
) -> PolyCollection:
    """Rectangles from (x0, y0) to (x1, y1), added to ``ax`` as one collection."""
    corners = np.stack(
        [
            np.column_stack([x0, y0]),
            np.column_stack([x0, y1]),
            np.column_stack([x1, y1]),
            np.column_stack([x1, y0]),
        ],
        axis=1,
    )
    style = {"edgecolors": "none", "linewidths": 0} | style
    rectangles = PolyCollection(corners, **style)
    ax.add_collection(rectangles)
    return rectangles


def bars(ax: plt.Axes, x: np.ndarray, heights: list[int], width: float, **style) -> None:
    """Vertical bars from 0 centred on ``x``, drawn as one collection: the same picture as
    ``ax.bar``, without one patch object (and one limits update) per bar."""
    left, top = np.asarray(x, dtype=float) - width / 2, np.asarray(heights, dtype=float)
    bars = _rectangles(ax, left, left + width, np.zeros_like(top), top, **style)
    bars.sticky_edges.y.append(0)  # like ax.bar: the axis starts at 0, with no margin below
    ax.autoscale_view()


def hbars(ax: plt.Axes, y: np.ndarray, widths, height: float, left=0.0, **style) -> None:
    """Horizontal bars from ``left`` centred on ``y``, drawn as one collection (``facecolors``
    may give one colour per bar): the picture of ``ax.barh`` (stacked through ``left``),
    without one patch object per bar. The view is scaled when it is next needed (see
    ``scaled_once``)."""
    y = np.asarray(y, dtype=float)
    start = np.broadcast_to(np.asarray(left, dtype=float), y.shape)
    end = start + np.asarray(widths, dtype=float)
    bars = _rectangles(ax, start, end, y - height / 2, y + height / 2, **style)
    # like ax.barh: no margin beyond where a bar starts (stacked, also where the last one ends)
    bars.sticky_edges.x.extend(np.unique(start).tolist())


def partner_bars(
    ax: plt.Axes,
    x: np.ndarray,
    heights: dict[str, list[int]],
    context: FigureContext,
) -> None:
    """One bar per partner at each ``x``, side by side in the partners' order and colours
    (``heights``: partner -> a height per position), labelled for the legend."""
    width = 0.8 / max(len(heights), 1)
    for i, (partner, values) in enumerate(heights.items()):
        bars(
            ax,
            x + (i - (len(heights) - 1) / 2) * width,
            values,
            width,
            facecolors=context.colors[partner],
            label=context.label(partner),
        )


@contextmanager
def scaled_once(axes: list[plt.Axes]) -> Iterator[None]:
    """Draw into ``axes`` with their autoscaling paused, then scale each view once to
    everything drawn: with shared scales, each collection added would otherwise scale every
    panel again."""
    for ax in axes:
        ax.set_autoscale_on(False)
    try:
        yield
    finally:
        for ax in axes:
            ax.set_autoscale_on(True)
        for ax in axes:
            ax.autoscale_view()


def spans(ax: plt.Axes, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, **style) -> None:
    """Horizontal lines from date ``lo`` to date ``hi`` at heights ``y``, as one collection
    built from plain arrays (``ax.hlines`` goes through a masked array per line)."""
    ax.xaxis_date()
    start, end = mdates.date2num(lo), mdates.date2num(hi)
    y = np.asarray(y, dtype=float)
    segments = np.stack([np.column_stack([start, y]), np.column_stack([end, y])], axis=1)
    ax.add_collection(LineCollection(segments, **style))
    ax.autoscale_view()


def dot_area(events: int | np.ndarray) -> int | np.ndarray:
    """Marker area for a count (or an array of counts): grows with the count but stays
    readable for large counts."""
    return 14 + 10 * np.minimum(events, 12)


def count_colors(vmax: int) -> tuple[ListedColormap, BoundaryNorm]:
    """One shade per whole count from 1 to ``vmax``, light to dark, for grids of counts (a count
    of 1 is a mid shade, so that it does not read as the maximum of a longer scale)."""
    vmax = max(int(vmax), 1)
    shades = plt.get_cmap(SEQUENTIAL)(np.linspace(0.35, 1.0, vmax) if vmax > 1 else [0.6])
    return ListedColormap(shades), BoundaryNorm(np.arange(0.5, vmax + 1.5), vmax)


def count_key(fig: plt.Figure, mappable, axes, vmax: int, label: str) -> None:
    """What the shades of a grid of counts mean: a legend of one patch per count up to five
    counts, else a colour bar with one labelled step per whole count."""
    vmax = max(int(vmax), 1)
    target = axes[-1] if isinstance(axes, list) else axes
    if vmax <= 5:
        cmap, _ = count_colors(vmax)
        handles = [Patch(color=cmap(i), label=str(i + 1)) for i in range(vmax)]
        target.legend(handles=handles, title=label, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        return
    # a child of the last panel, so that the layout makes room for it
    cax = target.inset_axes((1.06, 0.35, 0.06, 0.6))
    step = max(1, -(-vmax // 10))
    bar = fig.colorbar(mappable, cax=cax, ticks=np.arange(1, vmax + 1, step))
    bar.set_label(label)
    bar.ax.tick_params(length=0)


def theme_grid(
    ax: plt.Axes,
    grid: np.ndarray,
    themes: pd.DataFrame,
    vmax: float,
    label_rows: bool = True,
    empty_columns: Sequence[int] = (),
):
    """Shade a themes x years grid of counts (empty cells left blank, columns without any data
    greyed) and label its theme rows (panels that share their rows with a labelled one need not
    label them again). Returns the shading, for a colour bar."""
    cmap, norm = count_colors(int(vmax))
    for column in empty_columns:
        ax.axvspan(column, column + 1, color="#f0f0f0", lw=0, zorder=0)
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(grid),
        cmap=cmap,
        norm=norm,
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
    return mesh


PANELS_PER_ROW = 5  # more partners than this: the panels wrap onto further rows


def panel_grid(n: int) -> tuple[int, int]:
    """Rows and columns of the panels of ``n`` partners: one row up to ``PANELS_PER_ROW``, else
    as few rows as that allows with the panels spread evenly over them (10: 2 x 5, 7: 2 x 4)."""
    rows = max(1, -(-n // PANELS_PER_ROW))
    return rows, max(1, -(-n // rows))


def compared_panels(
    n: int,
    row_height: float,
    width: float = PAGE_WIDTH,
    extra: float = 0.4,
    sharey: bool = True,
    sharex: bool = True,
):
    """``n`` panels (one per partner) sharing both scales (``sharey`` or ``sharex`` false: not
    that one, for panels whose rows or columns the caller lines up itself), so that they
    compare, in rows of at most
    ``PANELS_PER_ROW`` (``row_height`` inches each); return the figure, the ``n`` axes in
    reading order (the grid's spare ones hidden) and the number of columns."""
    rows, cols = panel_grid(n)
    fig, grid = plt.subplots(
        rows,
        cols,
        figsize=(width, rows * row_height + extra),
        sharey=sharey,
        sharex=sharex,
        squeeze=False,
        layout="constrained",
    )
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n], cols


def scale_at_the_foot(fig: plt.Figure, axes: list[plt.Axes], cols: int, label: str) -> None:
    """Show the shared x scale's numbers on each panel that has no panel below it, and name it
    there; when the name is wider than a panel (about 0.075 in a character), once for all."""
    for index, ax in enumerate(axes):
        if index + cols >= len(axes):
            ax.xaxis.set_tick_params(labelbottom=True)
    if len(label) * 0.075 > 0.8 * PAGE_WIDTH / cols - 0.1:
        fig.supxlabel(label, fontsize=FOOT_LABEL_SIZE)
        return
    for index, ax in enumerate(axes):
        if index + cols >= len(axes):
            ax.set_xlabel(label)
