"""Layouts that hold at any size of the data: the alpha chart stays short and names its
thresholds, and the themes-by-voice panels stay wide enough to read at ten partners."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import helpers.figures.style as figure_style  # noqa: E402
from helpers.coding.reliability import RELIABLE, TENTATIVE  # noqa: E402
from helpers.figures import intercoder_reliability, themes_by_partner  # noqa: E402
from helpers.figures.marks import panel_grid  # noqa: E402
from helpers.figures.style import (  # noqa: E402
    DENSE_MARKS,
    FigureContext,
    partner_colors,
    save_figure,
    use_style,
)


@pytest.fixture(autouse=True)
def style():
    with matplotlib.rc_context():
        use_style()
        yield
    plt.close("all")


def alphas(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": [f"v{i}" for i in range(len(values))],
            "label": [f"Theme: variable number {i}" for i in range(len(values))],
            "alpha": values,
            "units": 12,
            "disagreements": 1,
        }
    )


def texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def overlapping(fig: plt.Figure, artists) -> list[tuple[str, str]]:
    fig.canvas.draw()
    boxes = [(a.get_text(), a.get_window_extent()) for a in artists if a.get_text()]
    return [
        (a, b)
        for i, (a, box) in enumerate(boxes)
        for b, other in boxes[i + 1 :]
        if box.overlaps(other)
    ]


def test_perfect_agreement_shares_one_bar_and_the_chart_stays_short() -> None:
    values = [np.nan, 0.0, 0.5, 0.7, 0.9] + [1.0] * 50
    fig = intercoder_reliability.alpha_by_variable(alphas(values), note="Simulated coder")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 6 and labels[-1] == "50 other variables, each"
    assert fig.get_figheight() < 3.5  # 55 variables, six bars
    assert f"tentative {TENTATIVE:g}" in texts(fig) and f"reliable {RELIABLE:g}" in texts(fig)
    assert "undefined: no variation" in texts(fig)


def test_few_perfect_variables_keep_their_own_bars() -> None:
    fig = intercoder_reliability.alpha_by_variable(alphas([0.5, 1.0, 1.0]))
    assert len(fig.axes[0].get_yticklabels()) == 3


def test_many_imperfect_variables_run_on_in_a_second_panel() -> None:
    rng = np.random.default_rng(3)
    values = list(np.round(rng.uniform(0.2, 0.99, 50), 3))
    fig = intercoder_reliability.alpha_by_variable(alphas(values), note="Simulated coder")
    panels = [ax for ax in fig.axes if ax.get_yticklabels()]
    assert len(panels) == 2
    assert sum(len(ax.get_yticklabels()) for ax in panels) == 50
    assert fig.get_figheight() < 6
    for ax in panels:  # each panel wide enough to read a bar of 0 to 1
        assert ax.get_position().width * fig.get_figwidth() > 1.2
        assert f"tentative {TENTATIVE:g}" in [t.get_text() for t in ax.texts]
    threshold_labels = [t for ax in panels for t in ax.texts if " 0." in t.get_text()]
    assert overlapping(fig, threshold_labels) == []
    assert fig.legends and "Simulated" in fig.legends[0].get_title().get_text()


def voice_table(partners: list[str], n_themes: int = 30) -> pd.DataFrame:
    rows = [
        {
            "partner_id": p,
            "theme_id": f"t{t:02d}",
            "kind": "crime",
            "label": f"Theme {t:02d}",
            "voice": voice,
            "occasions": (t + i) % 5,
            "sources": 1,
        }
        for i, p in enumerate(partners)
        for t in range(n_themes)
        for voice in ("official", "observer")
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("n", "grid"), [(2, (1, 2)), (5, (1, 5)), (7, (2, 4)), (10, (2, 5))])
def test_voice_panels_wrap_and_stay_readable(n: int, grid: tuple[int, int]) -> None:
    assert panel_grid(n) == grid
    partners = [f"P{i:02d}" for i in range(n)]
    names = {p: f"Republic of Partner {p}" for p in partners}
    context = FigureContext(partner_colors(partners), names)
    fig = themes_by_partner.themes_by_voice(voice_table(partners), context)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == n
    for ax in panels:
        assert ax.get_position().width * fig.get_figwidth() > 0.8  # inches (0.4 before)
        assert ax.get_xlim() == panels[0].get_xlim()  # one scale
    assert overlapping(fig, [ax.title for ax in panels]) == []
    xlabels = [ax.xaxis.label for ax in panels if ax.get_xlabel()]
    assert len(xlabels) == grid[1] and overlapping(fig, xlabels) == []
    rows = {round(ax.get_position().y0, 3) for ax in panels}
    assert len(rows) == grid[0]
    left = min(ax.get_position().x0 for ax in panels)
    for ax in panels:  # the first panel of each row names the themes
        if ax.get_position().x0 == left:
            assert [t.get_text() for t in ax.get_yticklabels()][:1] == ["Theme 00 (crime)"]
    assert fig.get_figheight() <= 9.7  # fits an A4 page at two columns


@pytest.mark.parametrize("n", [2, 4, 10])
def test_agreement_panels_name_their_scale_without_overlap(n: int) -> None:
    from helpers.figures import agreements

    partners = [f"P{i:02d}" for i in range(n)]
    kinds = pd.DataFrame(
        {
            "partner_id": partners * 2,
            "kind": ["mou"] * n + ["action_plan"] * n,
            "status": "signed",
            "agreements": 2,
            "sources": 1,
        }
    )
    names = {p: f"Republic of Partner {p}" for p in partners}
    context = FigureContext(partner_colors(partners), names)
    fig = agreements.agreements_by_kind_status(kinds, ["proposed", "signed"], context)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    xlabels = [ax.xaxis.label for ax in panels if ax.get_xlabel()]
    assert xlabels or fig.get_supxlabel() == "Agreement records"
    assert overlapping(fig, xlabels) == []
    assert overlapping(fig, [ax.title for ax in panels]) == []
    assert all(ax.get_position().width * fig.get_figwidth() > 0.8 for ax in panels)


@pytest.mark.parametrize("n", [2, 4, 10])
def test_interlocutor_panels_fit_a_page(n: int) -> None:
    from helpers.figures import interlocutors

    partners = [f"P{i:02d}" for i in range(n)]
    table = pd.DataFrame(
        [
            {
                "side": side,
                "partner_id": p,
                "person_id": f"{p}-{side}-{k}",
                "name": f"Person {k} of {p} ({side})",
                "year": str(2010 + k),
                "events": 1 + k % 3,
                "occasions": 1,
                "sources": 1,
            }
            for p in partners
            for side in ("cambodia", "partner")
            for k in range(3)
        ]
    )
    names = {p: f"Republic of Partner {p}" for p in partners}
    context = FigureContext(partner_colors(partners), names, tuple(range(2010, 2014)))
    fig = interlocutors.interlocutors_by_year(table, context)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == n and fig.get_figheight() <= 9.7
    assert overlapping(fig, [ax.title for ax in panels]) == []
    years = [ax for ax in panels if [t for t in ax.get_xticklabels() if t.get_text()]]
    assert len(years) == (1 if n <= 4 else 2)  # each column reads its years at its foot


def test_ten_partners_get_ten_colours() -> None:
    partners = [f"P{i:02d}" for i in range(10)]
    assert len(set(partner_colors(partners).values())) == 10
    three = partner_colors(["CHN", "TLS", "VNM"])  # the project's partners keep their colours
    assert list(three.values()) == ["#0072B2", "#E69F00", "#009E73"]


def test_interlocutor_panels_show_the_persons_met_most() -> None:
    from helpers.figures import interlocutors

    n = interlocutors.MAX_PERSONS + 5  # fictional persons; person k attended k + 1 events
    table = pd.DataFrame(
        {
            "side": "partner",
            "partner_id": "P00",
            "person_id": [f"p{k:02d}" for k in range(n)],
            "name": [f"Person {k:02d}" for k in range(n)],
            "year": "2020",
            "events": np.arange(n) + 1,
            "occasions": 1,
            "sources": 1,
        }
    )
    context = FigureContext(partner_colors(["P00"]), {"P00": "P00"}, (2020,))
    fig = interlocutors.interlocutors_by_year(table, context)
    names = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert names == {f"Person {k:02d}" for k in range(5, n)}  # the least met are left out
    assert f"{interlocutors.MAX_PERSONS} of {n} persons" in fig.axes[0].get_title(loc="left")


def _report_figures(scope) -> dict:
    """Every figure function of the report, on the project's data, as a notebook calls it."""
    from helpers.analysis import agreements, corroboration, dataset_overview, interlocutors
    from helpers.analysis import themes_by_partner as partner_tables
    from helpers.analysis import themes_over_time as time_tables
    from helpers.figures import agreements as agreement_figures
    from helpers.figures import dataset_overview as overview
    from helpers.figures import interlocutors as interlocutor_figures
    from helpers.figures import themes_over_time
    from helpers.figures.style import figure_context

    context = figure_context(scope)
    timeline = dataset_overview.timeline(scope)
    steps = scope.vocabulary("instrument_steps", "step")
    by_voice = partner_tables.themes_by_voice(scope)
    coded = alphas([np.nan, 0.5, 0.7, 0.9] + [1.0] * 6)
    return {
        "counts_by_partner_year": lambda: overview.counts_by_partner_year(
            dataset_overview.counts_by_partner_year(scope), context
        ),
        "timeline": lambda: overview.timeline(timeline, context),
        "life_cycles": lambda: overview.life_cycles(timeline.agreements, steps, context),
        "corroboration": lambda: overview.corroboration(
            corroboration.corroboration(scope), context
        ),
        "date_precision": lambda: overview.date_precision(dataset_overview.date_precision(scope)),
        "themes_official_share": lambda: themes_by_partner.themes_official_share(
            partner_tables.themes_official_share(by_voice), context, title="Official"
        ),
        "themes_by_voice": lambda: themes_by_partner.themes_by_voice(by_voice, context),
        "themes_by_year": lambda: themes_over_time.themes_by_year(
            time_tables.themes_by_year(scope), context
        ),
        "theme_spread_by_year": lambda: themes_over_time.theme_spread_by_year(
            time_tables.theme_spread_by_year(scope), context
        ),
        "agreements_by_kind_status": lambda: agreement_figures.agreements_by_kind_status(
            agreements.agreements_by_kind_status(scope), steps, context
        ),
        "agreements_by_year": lambda: agreement_figures.agreements_by_year(
            agreements.agreements_by_year(scope), steps, context
        ),
        "interlocutors_by_year": lambda: interlocutor_figures.interlocutors_by_year(
            interlocutors.interlocutors_by_year(scope), context
        ),
        "continuity": lambda: interlocutor_figures.continuity(interlocutors.continuity(scope)),
        "alpha_by_variable": lambda: intercoder_reliability.alpha_by_variable(coded, note="x"),
    }


@pytest.fixture(scope="module")
def report_figures(project_scope):
    return _report_figures(project_scope)


def test_every_saved_figure_has_its_declared_size_and_nothing_off_its_canvas(
    report_figures, tmp_path
) -> None:
    """Saved at the size the code declares (PNG pixels at its dpi, SVG and PDF points), and
    laid out within it: measured by each format's own renderer, nothing drawn runs past an
    edge of the canvas (a label cut off, a legend outside)."""
    import functools
    import re

    from matplotlib import cbook
    from matplotlib.backend_bases import _get_renderer
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from PIL import Image

    from helpers.figures.style import STYLE, save_figure

    renderers = {"png": FigureCanvasAgg, "svg": FigureCanvasSVG, "pdf": FigureCanvasPdf}
    for name, build in report_figures.items():
        fig = build()
        width, height = fig.get_size_inches()
        save_figure(fig, pd.DataFrame({"x": [1]}), tmp_path, name)
        dpi = STYLE["savefig.dpi"]
        with Image.open(tmp_path / f"{name}.png") as png:
            assert png.size == pytest.approx((width * dpi, height * dpi), abs=1), name
        svg = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        svg_size = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
        pdf = (tmp_path / f"{name}.pdf").read_bytes()
        pdf_size = re.search(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf).groups()
        for points in (svg_size, pdf_size):
            assert tuple(map(float, points)) == pytest.approx((width * 72, height * 72)), name
        for fmt, canvas in renderers.items():
            printer = getattr(canvas(fig), f"print_{fmt}")
            with cbook._setattr_cm(fig, dpi=dpi if fmt == "png" else 72):
                box = fig.get_tightbbox(_get_renderer(fig, functools.partial(printer)))
            assert box.x0 >= 0 and box.y0 >= 0, (name, fmt, box)
            assert box.x1 <= width and box.y1 <= height, (name, fmt, box)
        plt.close(fig)


@pytest.mark.parametrize("automatic", [None, "figure.autolayout", "figure.constrained_layout.use"])
def test_each_format_is_drawn_once_after_the_layout(tmp_path, monkeypatch, automatic) -> None:
    """save_figure lays a constrained figure out once; savefig then draws it once per format,
    with no layout pass of its own before each (it makes one for any layout engine left on
    the figure, the placeholder of ``set_layout_engine("none")`` included), and every format
    with the axes where the layout put them, also where a user's matplotlibrc turns an
    automatic layout on."""
    from matplotlib.figure import Figure

    from helpers.figures.style import FORMATS, save_figure

    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.set_title("A title")
    ax.set_xlabel("A label")
    placed = []  # where the axes are at each draw
    real_draw = Figure.draw

    def draw(self, renderer) -> None:
        placed.append(ax.get_position().bounds)
        real_draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", draw)
    with matplotlib.rc_context({automatic: True} if automatic else {}):
        save_figure(fig, pd.DataFrame({"x": [1]}), tmp_path, "once")
    plt.close(fig)
    assert fig.get_layout_engine() is None
    assert len(placed) == len(FORMATS)
    assert len(set(placed)) == 1, placed


@pytest.mark.parametrize("marks", [DENSE_MARKS, DENSE_MARKS + 1])
def test_dense_marks_are_an_image_in_svg_and_pdf_and_the_png_is_the_same(
    tmp_path, monkeypatch, marks
) -> None:
    """A collection of more marks than ``DENSE_MARKS`` is drawn as one image in SVG and PDF
    (so thousands of points do not make a file of megabytes); up to that, every mark is a path.
    The PNG is the same either way, and so are the text and axes, which stay vector."""
    rng = np.random.default_rng(marks)
    x, y = rng.random(marks), rng.random(marks)

    def figure() -> plt.Figure:
        fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
        ax.scatter(x, y, s=4)
        ax.set_title("Fictional points")
        return fig

    table = pd.DataFrame({"x": x, "y": y})
    save_figure(figure(), table, tmp_path / "saved", "points")
    monkeypatch.setattr(figure_style, "rasterise_dense", lambda fig: [])
    save_figure(figure(), table, tmp_path / "vector", "points")
    saved, vector = tmp_path / "saved", tmp_path / "vector"
    assert (saved / "points.png").read_bytes() == (vector / "points.png").read_bytes()
    svg = (saved / "points.svg").read_text(encoding="utf-8")
    dense = marks > DENSE_MARKS
    assert ("<image" in svg) == dense
    assert (svg.count("<use ") < marks) == dense  # each point a <use> of one marker path
    assert 'id="text_1"' in svg  # the title stays text, drawn as glyph paths
    pdf = (saved / "points.pdf").read_bytes()
    assert (b"/Subtype /Image" in pdf) == dense
    if not dense:
        assert svg == (vector / "points.svg").read_text(encoding="utf-8")
        assert pdf == (vector / "points.pdf").read_bytes()
