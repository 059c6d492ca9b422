"""One figure style for the whole report, colour-blind-safe colours, and deterministic saving.

Every figure is saved as PNG, SVG and PDF with the table behind it as CSV beside it:
``<out_dir>/<figure>.{png,svg,pdf,csv}``. The same inputs give the same bytes. Text cells of
the CSV that a spreadsheet would run as a formula are neutralised (see ``spreadsheet_safe``).
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.collections import Collection, QuadMesh
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from helpers.analysis.scope import Scope
from helpers.dataset.membership import distinct
from helpers.figures.pdf_fonts import without_layout_tables
from helpers.files import write_all_atomic

# Okabe & Ito (2008), distinguishable with the common forms of colour blindness.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEQUENTIAL = "Blues"
HATCHES = (None, "//", "..", "xx", "\\\\")  # told apart without colour, first one plain
COLUMN_WIDTH = 3.5  # inches: one journal column
PAGE_WIDTH = 7.2  # inches: two columns
FORMATS = ("png", "svg", "pdf")

STYLE = {
    # Every text is plain: labels, names and codes come from the data, where a "$" is a dollar
    # sign, not mathtext (which would typeset it or fail on it). Read when a text is created, so
    # it holds for what a figure function draws after use_style() and for the ticks save_figure
    # lays out under this style.
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    # a figure is saved at the size its code declares, laid out by constrained layout within
    # it (``lay_out``), never cropped or grown to what was drawn: the size is the one a page
    # was planned for, and each format is drawn once
    "savefig.bbox": None,
    "svg.hashsalt": "cambodia-moi-cooperation",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
}
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
}


# With no engine, set_layout_engine(None) (which savefig calls to put the figure's engine back
# after drawing) reads these two settings and would give the figure a new engine if one is on
# in a user's matplotlibrc: they are off wherever the report lays out or saves a figure.
NO_AUTOMATIC_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}

# zlib level 3 instead of 6: PNGs a few per cent larger, written in about half the time
SAVE_OPTIONS = {"png": {"pil_kwargs": {"compress_level": 3}}}


def use_style() -> None:
    """Apply the report style (call once at the top of a notebook).

    In a notebook it also selects the inline backend, so that figures show the same way whatever
    MPLBACKEND the kernel inherited (the stored outputs, checked by nbval, depend on it).
    """
    shell = _notebook_shell()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
    mpl.rcParams.update(STYLE)


def _notebook_shell():
    """The IPython shell of a notebook's kernel, or None outside one."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks only
        return None
    return shell if type(shell).__name__ == "ZMQInteractiveShell" else None


# Past Okabe & Ito's eight, colours from Paul Tol's "muted" scheme (also colour-blind safe)
# that differ from them, so that up to fourteen partners never share a colour.
PARTNER_PALETTE = [*OKABE_ITO, "#332288", "#882255", "#999933", "#CC6677", "#44AA99", "#AA4499"]


def partner_colors(partners: Sequence[str]) -> dict[str, str]:
    """A fixed colour per partner, by the partner's position in the sorted list of all partners
    (distinct for up to ``len(PARTNER_PALETTE)`` partners)."""
    return {p: PARTNER_PALETTE[i % len(PARTNER_PALETTE)] for i, p in enumerate(sorted(partners))}


@dataclass(frozen=True)
class FigureContext:
    """What the figures of one scope share: its partners in order, each with a colour fixed over
    all partners of the dataset (so a partner keeps its colour whatever the scope) and its name,
    and every year the scope covers."""

    colors: dict[str, str]
    names: dict[str, str]
    years: tuple[int, ...] = ()

    @property
    def partners(self) -> list[str]:
        return list(self.colors)

    def label(self, partner: str, sep: str = " ") -> str:
        """A partner as readers know it, with the code the tables use: "Vietnam (VNM)"."""
        name = self.names.get(partner)
        return f"{name}{sep}({partner})" if name and name != partner else partner

    def title(self, partner: str, width: float) -> str:
        """The partner's label wrapped to a panel ``width`` inches wide (at the title size,
        about 0.08 in a character); the code alone where a word of the name does not fit."""
        characters = int(width / 0.08)
        name = self.names.get(partner) or partner
        if name == partner or max(map(len, name.split())) > characters:
            return partner
        return f"{textwrap.fill(name, characters, break_long_words=False)}\n({partner})"

    def title_panels(self, fig: plt.Figure, axes, partners: list[str], **title) -> None:
        """Title each panel with its partner, wrapped to the panel's width in the figure's
        constrained layout (laid out here once to measure it; the layout makes room for the
        titles when the figure is drawn); names that do not fit are given under the figure,
        which grows by their lines."""
        engine = fig.get_layout_engine()  # None once saved: laid out for good (lay_out)
        if engine is not None:
            engine.execute(fig)
        shortened = []
        for ax, partner in zip(axes, partners, strict=True):
            width = ax.get_position().width * fig.get_figwidth()
            label = self.title(partner, width)
            ax.set_title(label, **title)
            if label == partner and self.names.get(partner, partner) != partner:
                shortened.append(partner)
        if shortened:  # the names that did not fit above their panel, under the figure
            key = "; ".join(f"{p}: {self.names[p]}" for p in shortened)
            # under the figure's axis label if it has one (the layout makes room for both),
            # the figure growing by the key's lines, so that the panels keep their size
            label = fig.get_supxlabel()
            size = FOOT_LABEL_SIZE if label else KEY_SIZE
            text = textwrap.fill(key, int(fig.get_figwidth() / (size / 100)))
            fig.set_figheight(fig.get_figheight() + (text.count("\n") + 1) * size * 1.2 / 72)
            fig.supxlabel(f"{label}\n{text}" if label else text, fontsize=size)


FOOT_LABEL_SIZE = 8  # points: an axis label under all panels (``Figure.supxlabel``)
KEY_SIZE = 7  # points: the key of partner codes under a figure without an axis label there


def figure_context(scope: Scope) -> FigureContext:
    """The figure context of a scope (see ``FigureContext``)."""
    colors = partner_colors(scope.all_partners)
    partners = scope.tables["partners"]
    names = dict(zip(partners.partner_id.astype(str), partners.name.astype(str), strict=True))
    return FigureContext({p: colors[p] for p in scope.partners}, names, scope.years())


@cache
def _measuring_renderer(dpi: float) -> RendererAgg:
    return RendererAgg(1, 1, dpi)


def text_width(text: str, size: float | str) -> float:
    """Inches that ``text`` (its widest line) takes at ``size`` (points, or a name such as
    ``"small"``) in the current font, as the PNG draws it: for choosing a layout before the
    figure is laid out."""
    renderer = _measuring_renderer(STYLE["savefig.dpi"])
    font = FontProperties(size=size)
    widths = [
        renderer.get_text_width_height_descent(line, font, False)[0] for line in text.split("\n")
    ]
    return max(widths) / renderer.dpi


# OWASP "CSV injection": a cell starting with one of these is read as a formula by spreadsheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(cell: object) -> object:
    """A text cell that starts like a formula, prefixed with a single quote; anything else (and
    text that is just a number, such as ``-3``) unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _distinct_text(values: pd.Series) -> Sequence | None:
    """The distinct values a column can hold text in (the used categories of a categorical),
    without its missing values; ``[]`` for numbers, booleans and dates, which are never text;
    None when its values cannot be hashed (then each cell is looked at). Text of pandas' string
    dtype stays an array of that dtype, searched by its string methods (``_text_where``)."""
    if values.dtype.kind not in "OSU" and not isinstance(
        values.dtype, pd.CategoricalDtype | pd.StringDtype
    ):
        return []
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        used = distinct(codes[codes >= 0])
        return values.cat.categories[used].array
    try:
        return pd.unique(values.dropna())
    except TypeError:
        return None


def _text_where(cells: Sequence, starts: tuple[str, ...] = (), holds: str = "") -> list:
    """The text cells that start with one of ``starts`` or hold ``holds``: searched by pandas'
    string methods when the cells are of its string dtype (on Arrow storage, the figure tables'
    text, by Arrow's string functions: a million distinct cells in a fraction of a second), else
    one by one."""
    if isinstance(getattr(cells, "dtype", None), pd.StringDtype):
        text = pd.Series(cells, dtype=cells.dtype)
        found = np.zeros(len(text), dtype=bool)
        if starts:
            found |= text.str.startswith(starts).fillna(False).to_numpy(dtype=bool)
        if holds:
            found |= text.str.contains(holds, regex=False).fillna(False).to_numpy(dtype=bool)
        return text[found].tolist()
    return [
        v
        for v in cells
        if isinstance(v, str) and ((starts and v.startswith(starts)) or (holds and holds in v))
    ]


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with formula-leading text cells and column names neutralised; the table itself
    when there are none, so that the usual table is written exactly as before. Each distinct
    value is looked at once, so that a table of a million rows costs a hash of each column."""
    columns = [neutralise(c) for c in table.columns]
    changed = {}
    for i in range(table.shape[1]):
        values = table.iloc[:, i]
        distinct = _distinct_text(values)
        if distinct is not None and all(
            neutralise(v) is v for v in _text_where(distinct, starts=FORMULA_START)
        ):
            continue
        safe = values.map(neutralise, na_action="ignore")
        if not safe.equals(values):
            changed[i] = safe
    if not changed and columns == list(table.columns):
        return table
    out = table.copy()
    for i, safe in changed.items():
        out.isetitem(i, safe)
    if columns != list(table.columns):
        out.columns = columns
    return out


def _has_carriage_return(table: pd.DataFrame) -> bool:
    """Whether a column name or a text cell holds a carriage return."""
    for i in range(table.shape[1]):
        distinct = _distinct_text(table.iloc[:, i])
        cells = table.iloc[:, i] if distinct is None else distinct
        if _text_where(cells, holds="\r"):
            return True
    return any(isinstance(c, str) and "\r" in c for c in table.columns)


def lay_out(fig: plt.Figure) -> None:
    """Place the figure's axes, labels and legends once, within the size its code declares
    (its constrained layout), and keep them there: saving in each format then draws the figure
    once, without laying it out again. A figure without a layout engine is left as it is.

    Text is measured at the PNG's resolution, where its hinted width is closest to the width
    of the glyphs' outlines that SVG and PDF draw (at the screen's 100 dpi a label is up to
    0.05 inch narrower, and would run off the canvas in the other formats)."""
    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return
    screen = fig.get_dpi()
    fig.set_dpi(STYLE["savefig.dpi"])
    try:
        engine.execute(fig)  # the layout alone, without a draw of every artist after it
    finally:
        fig.set_dpi(screen)
    # no engine at all, not the placeholder that set_layout_engine("none") leaves: savefig
    # makes a layout pass (every text measured again) before each format it draws for any
    # engine, the placeholder included
    with mpl.rc_context(NO_AUTOMATIC_LAYOUT):
        fig.set_layout_engine(None)


# Marks in one collection (a scatter's points, a set of spans) past which SVG and PDF draw it as
# an image: thousands of vector marks, most of them under others, make files of megabytes that
# take seconds to write and to open, and show nothing an image at the PNG's resolution does not.
DENSE_MARKS = 2000


def rasterise_dense(fig: plt.Figure) -> list[Collection]:
    """Have SVG and PDF draw each collection of more than ``DENSE_MARKS`` marks as an image at
    the PNG's resolution (text, axes and every other mark stay vector; the PNG is the same
    either way); return those collections."""
    dense = [c for c in fig.findobj(Collection) if _marks(c) > DENSE_MARKS]
    for collection in dense:
        collection.set_rasterized(True)
    return dense


def _marks(collection: Collection) -> int:
    """How many marks a collection draws: its points (offsets) or its paths; a mesh's cells,
    counted from its grid (asking a mesh for its paths would make one per cell)."""
    if isinstance(collection, QuadMesh):
        rows, columns = collection.get_coordinates().shape[:2]
        return max(rows - 1, 0) * max(columns - 1, 0)
    return max(len(collection.get_offsets()), len(collection.get_paths() or ()))


def save_figure(fig: plt.Figure, table: pd.DataFrame, out_dir: Path | str, name: str) -> list[Path]:
    """Write the figure in every format, at its declared size (laid out once, ``lay_out``;
    dense collections as images in SVG and PDF, ``rasterise_dense``), plus its table as CSV;
    return the paths written.

    In a notebook the saved PNG is shown in the figure's place (``_show_saved``): the figure
    is not drawn once more for the screen."""
    out_dir = Path(out_dir)
    with mpl.rc_context(STYLE):
        lay_out(fig)
    rasterise_dense(fig)
    targets = {out_dir / f"{name}.{fmt}": _figure_writer(fig, fmt) for fmt in FORMATS}
    safe = spreadsheet_safe(table)
    # csv quotes a cell holding "\n" (the line end), not one holding "\r", which a spreadsheet
    # reads as a new row: such a table has every text cell quoted
    quoting = csv.QUOTE_NONNUMERIC if _has_carriage_return(safe) else csv.QUOTE_MINIMAL
    targets[out_dir / f"{name}.csv"] = lambda tmp: safe.to_csv(
        tmp, index=False, lineterminator="\n", quoting=quoting
    )
    write_all_atomic(targets)
    _show_saved(fig, out_dir / f"{name}.png")
    return sorted(targets)


INLINE_DPI = 100  # the screen resolution of the figure shown in a notebook


def _show_saved(fig: plt.Figure, png: Path) -> None:
    """In a notebook, show the saved PNG (scaled to the screen resolution) in place of the
    figure, and close the figure, so that the inline backend does not draw it once more."""
    shell = _notebook_shell()
    if shell is None:
        return
    from IPython.display import Image, display
    from PIL import Image as Picture

    with Picture.open(png) as picture:
        scale = INLINE_DPI / picture.info.get("dpi", (STYLE["savefig.dpi"],))[0]
        size = (round(picture.width * scale), round(picture.height * scale))
        small = picture.resize(size, Picture.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="png", optimize=False, compress_level=6)
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"))


def _figure_writer(fig: plt.Figure, fmt: str):
    def write(tmp: Path) -> None:
        fonts = without_layout_tables() if fmt == "pdf" else nullcontext()
        with mpl.rc_context({**STYLE, **NO_AUTOMATIC_LAYOUT}), fonts:
            fig.savefig(tmp, format=fmt, metadata=METADATA[fmt], **SAVE_OPTIONS.get(fmt, {}))

    return write
