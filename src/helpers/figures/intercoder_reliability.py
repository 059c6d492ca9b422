"""Figure of notebook 06: Krippendorff's alpha per coded variable."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.figures.style import COLUMN_WIDTH, OKABE_ITO


def alpha_by_variable(alphas: pd.DataFrame) -> plt.Figure:
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
