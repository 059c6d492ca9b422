"""Figure of notebook 06: Krippendorff's alpha per coded variable."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from helpers.coding.reliability import RELIABLE, SECOND_CODER, TENTATIVE
from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO


def alpha_by_variable(alphas: pd.DataFrame, note: str = "") -> plt.Figure:
    """Krippendorff's alpha per variable, coloured by the customary thresholds (tentative,
    reliable); undefined alphas (no variation) are listed as such. ``note`` is printed above the
    bars (e.g. that the second coding is simulated)."""
    table = alphas.sort_values(["alpha", "label"], na_position="first").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH + 0.8, 0.16 * len(table) + 1.6))
    y = np.arange(len(table))
    values = table.alpha.fillna(0).to_numpy()
    classes = [
        (f"below {TENTATIVE:g}: not reliable", OKABE_ITO[5]),
        (f"{TENTATIVE:g} to {RELIABLE:g}: tentative", OKABE_ITO[1]),
        (f"{RELIABLE:g} and above: reliable", OKABE_ITO[0]),
    ]
    which = np.where(values < TENTATIVE, 0, np.where(values < RELIABLE, 1, 2))
    ax.barh(y, values, color=[classes[k][1] for k in which])
    for i, row in table.iterrows():
        if pd.isna(row.alpha):
            ax.text(0.01, i, "undefined (no variation)", va="center", fontsize=6, color="#555555")
        else:
            ax.text(max(row.alpha, 0) + 0.01, i, f"{row.alpha:.2f}", va="center", fontsize=6)
    for threshold in (TENTATIVE, RELIABLE):
        ax.axvline(threshold, color="black", lw=0.6, ls="--")
    ax.set_yticks(y, list(table.label))
    ax.set_ylim(len(table) - 0.5, -0.7)
    ax.set_xlim(min(0, float(np.nanmin(values))), 1.12)
    ax.set_xlabel("Krippendorff's alpha (nominal)")
    ax.legend(
        handles=[Patch(color=c, label=text) for text, c in classes],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=1,
        title=textwrap.fill(note, 48) if note else None,
        alignment="left",
    )
    fig.tight_layout()
    return fig


def alpha_second_coder(alphas: pd.DataFrame) -> plt.Figure:
    """``alpha_by_variable`` for the data folder's own second coding, saying which it is."""
    return alpha_by_variable(alphas, note=SECOND_CODER)
