"""Figure of notebook 06: Krippendorff's alpha per coded variable."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from helpers.coding.reliability import RELIABLE, SECOND_CODER, TENTATIVE
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO, PAGE_WIDTH

PERFECT = 0.9995  # alpha shown as 1.00
COLLAPSE_AT = 4  # this many variables in perfect agreement or more share one bar
ROWS_PER_PANEL = 24  # more rows than this: two panels side by side
ROW_HEIGHT = 0.15  # inches a bar
CLASSES = (
    (f"below {TENTATIVE:g}: not reliable", OKABE_ITO[5]),
    (f"{TENTATIVE:g} to {RELIABLE:g}: tentative", OKABE_ITO[1]),
    (f"{RELIABLE:g} and above: reliable", OKABE_ITO[0]),
)


def _rows(alphas: pd.DataFrame) -> pd.DataFrame:
    """The bars: every variable below 1.00 or undefined, lowest first, and the variables in
    perfect agreement in one bar when there are ``COLLAPSE_AT`` or more (the CSV lists them)."""
    table = alphas.sort_values(["alpha", "label"], na_position="first").reset_index(drop=True)
    perfect = table.alpha >= PERFECT
    if perfect.sum() < COLLAPSE_AT:
        return table[["label", "alpha"]]
    summary = pd.DataFrame(
        {"label": [f"{int(perfect.sum())} other variables, each"], "alpha": [1.0]}
    )
    return pd.concat([table.loc[~perfect, ["label", "alpha"]], summary], ignore_index=True)


def _panel(ax: plt.Axes, rows: pd.DataFrame, low: float) -> None:
    y = np.arange(len(rows))
    values = rows.alpha.fillna(0).to_numpy()
    which = np.where(values < TENTATIVE, 0, np.where(values < RELIABLE, 1, 2))
    ax.barh(y, values, color=[CLASSES[k][1] for k in which], height=0.75)
    for threshold in (TENTATIVE, RELIABLE):
        ax.axvline(threshold, color="black", lw=0.6, ls="--", zorder=0.5)
    for i, alpha in enumerate(rows.alpha):
        if pd.isna(alpha):
            ax.text(
                0.01,
                i,
                "undefined: no variation",
                va="center",
                fontsize=6,
                color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                in_layout=False,  # inside the axes: not measured for the layout
            )
        else:
            ax.text(
                max(alpha, 0) + 0.01, i, f"{alpha:.2f}", va="center", fontsize=6, in_layout=False
            )
    # the thresholds named at the top, each on the side away from the other line
    top = -0.95
    for x, text, side in (
        (TENTATIVE - 0.01, f"tentative {TENTATIVE:g}", "right"),
        (RELIABLE + 0.01, f"reliable {RELIABLE:g}", "left"),
    ):
        ax.text(x, top, text, ha=side, va="center", fontsize=6, in_layout=False)
    ax.set_yticks(y, list(rows.label))
    ax.set_ylim(len(rows) - 0.5, -1.4)
    ax.set_xlim(low, 1.14)
    ax.set_xlabel("Krippendorff's alpha (nominal)")


def alpha_by_variable(alphas: pd.DataFrame, note: str = "") -> plt.Figure:
    """Krippendorff's alpha per variable, coloured by the customary thresholds (tentative,
    reliable, named on their lines); undefined alphas (no variation) are said to be so, and
    many variables in perfect agreement share one bar. Past ``ROWS_PER_PANEL`` bars the list
    runs on in a second panel. ``note`` heads the legend (e.g. that the coding is simulated)."""
    rows = _rows(alphas)
    panels = 2 if len(rows) > ROWS_PER_PANEL else 1
    per_panel = -(-len(rows) // panels)
    width = PAGE_WIDTH if panels == 2 else COLUMN_WIDTH + 0.9
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(width, ROW_HEIGHT * per_panel + 1.9),
        squeeze=False,
        layout="constrained",
    )
    low = min(0.0, float(np.nanmin(rows.alpha.to_numpy(dtype=float), initial=0.0)))
    for k, ax in enumerate(axes[0]):
        part = rows.iloc[k * per_panel : (k + 1) * per_panel].reset_index(drop=True)
        _panel(ax, part, low)
    handles = [Patch(color=c, label=text) for text, c in CLASSES]
    if panels == 1:
        axes[0][0].legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            title=textwrap.fill(note, 48) if note else None,
            alignment="left",
        )
    else:  # above both panels, the layout making room for it
        fig.legend(
            handles=handles,
            loc="outside upper left",
            ncol=3,
            title=note or None,
            alignment="left",
        )
    return fig


def alpha_second_coder(alphas: pd.DataFrame) -> plt.Figure:
    """``alpha_by_variable`` for the data folder's own second coding, saying which it is."""
    return alpha_by_variable(alphas, note=SECOND_CODER)
