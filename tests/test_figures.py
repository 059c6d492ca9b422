"""Figure files tested as files: every figure has its formats and its table, and carries no
date or other run-dependent metadata."""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from helpers.figures.style import FORMATS, PAGE_WIDTH
from helpers.paths import PROJECT_DATA, PROJECT_FIGURES, PROJECT_NOTEBOOKS

FIGURES = PROJECT_FIGURES
STEMS = sorted({p.with_suffix("") for p in FIGURES.glob("*/*.png")})


def test_every_notebook_wrote_figures() -> None:
    notebooks = {p.stem for p in PROJECT_NOTEBOOKS.glob("[0-9]*.ipynb")}
    assert notebooks, "no notebooks: every check below would pass on nothing"
    assert {s.parent.name for s in STEMS} == notebooks


@pytest.mark.parametrize("stem", STEMS, ids=lambda s: f"{s.parent.name}/{s.name}")
def test_figure_files(stem: Path) -> None:
    for suffix in (*FORMATS, "csv"):
        assert stem.with_suffix(f".{suffix}").stat().st_size > 0, suffix
    with Image.open(stem.with_suffix(".png")) as png:
        png.load()  # every pixel decodes: a truncated or damaged file fails, not only its header
        dpi = png.info.get("dpi", (300, 300))[0]
        assert png.width / dpi <= PAGE_WIDTH + 0.5, "wider than a journal page"
        assert "Software" not in png.info
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in stem.with_suffix(".pdf").read_bytes()
    # one size in inches in every format: the declared one, never cropped to what was drawn
    assert saved_sizes(stem)["svg"] == pytest.approx(saved_sizes(stem)["png"], abs=1 / dpi)
    assert saved_sizes(stem)["pdf"] == pytest.approx(saved_sizes(stem)["svg"], abs=1e-3)


def saved_sizes(stem: Path) -> dict[str, tuple[float, float]]:
    """Width and height in inches of a saved figure's PNG (pixels at its dpi), SVG and PDF."""
    import re

    with Image.open(stem.with_suffix(".png")) as png:
        dpi = png.info["dpi"]
        sizes = {"png": (png.width / dpi[0], png.height / dpi[1])}
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    width, height = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    sizes["svg"] = (float(width) / 72, float(height) / 72)
    box = re.search(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", stem.with_suffix(".pdf").read_bytes())
    sizes["pdf"] = (float(box[1]) / 72, float(box[2]) / 72)
    return sizes


def test_theme_year_grid_of_an_empty_table_is_drawn() -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.scope import resolve
    from helpers.analysis.themes_over_time import themes_by_year
    from helpers.figures import themes_over_time

    empty = themes_by_year(resolve(PROJECT_DATA)).iloc[:0]
    fig = themes_over_time.themes_by_year(empty, _context(["VNM"]))
    assert len(fig.axes) == 1
    plt.close(fig)


@pytest.mark.parametrize(
    ("partners", "n_years", "every_year"),
    [(3, 4, True), (3, 25, False), (10, 10, False), (20, 25, False)],
)
def test_theme_year_grid_year_labels_fit_the_panels(
    partners: int, n_years: int, every_year: bool
) -> None:
    """Every year is labelled when the laid-out panel has room, else every k-th from the first;
    the labels of a panel never run into each other."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.figures import themes_over_time
    from helpers.figures.marks import panel_grid

    years = [str(y) for y in range(2000, 2000 + n_years)]
    ids = [f"P{i:02d}" for i in range(partners)]
    table = pd.DataFrame(
        {
            "partner_id": ids * len(years),
            "year": [y for y in years for _ in ids],
            "theme_id": "t1",
            "kind": "crime",
            "label": "Theme",
            "occasions": 1,
            "sources": 1,
        }
    )
    fig = themes_over_time.themes_by_year(table, _context(ids))
    fig.canvas.draw()
    panels = [ax for ax in fig.axes if ax.get_visible()]  # the grid's spare panels hidden
    assert len(panels) == partners
    for ax in panels:
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        assert labels[0].get_text() == years[0]
        assert (len(labels) == n_years) is every_year
        assert _overlaps(labels) == []
    _, cols = panel_grid(partners)
    # the themes are named once per row of panels, by its first panel
    assert [bool(ax.get_yticklabels()) for ax in panels] == [i % cols == 0 for i in range(partners)]
    plt.close(fig)


def test_a_partner_keeps_its_colour_whatever_the_scope(project_scope) -> None:
    from helpers.analysis.scope import resolve
    from helpers.figures.style import figure_context

    everyone = figure_context(project_scope).colors
    assert len(set(everyone.values())) == len(everyone) > 1
    for partner, colour in everyone.items():
        assert figure_context(resolve(PROJECT_DATA, [partner])).colors == {partner: colour}


def test_a_voice_added_to_the_vocabulary_is_drawn(project_scope) -> None:
    """A study may extend the voice vocabulary; its bars must not vanish from the comparison."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.analysis.themes_by_partner import themes_by_voice
    from helpers.figures import themes_by_partner
    from helpers.figures.style import figure_context

    table = themes_by_voice(project_scope)
    extra = table.iloc[:1].assign(voice="parliament")
    fig = themes_by_partner.themes_by_voice(
        pd.concat([table, extra], ignore_index=True), figure_context(project_scope)
    )
    legend = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert legend == ["official", "observer", "parliament"]
    plt.close(fig)


def test_a_side_added_to_the_vocabulary_is_drawn(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.interlocutors import continuity, interlocutors_by_year
    from helpers.figures import interlocutors
    from helpers.figures.style import figure_context

    people = interlocutors_by_year(project_scope)
    people.loc[people.index[0], "side"] = "mediator"
    fig = interlocutors.interlocutors_by_year(people, figure_context(project_scope))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "mediator side" in legend and "Cambodian side" in legend
    plt.close(fig)
    spans = continuity(project_scope)
    spans.loc[spans.index[0], "side"] = "mediator"
    fig = interlocutors.continuity(spans)
    assert "mediator side" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)


def _context(partners: list[str], years: tuple[int, ...] = ()):
    from helpers.figures.style import FigureContext, partner_colors

    names = {p: f"Republic of Partner {p}" for p in partners}
    return FigureContext(partner_colors(partners), names, years)


def _theme_rows(partners: list[str], label: str):
    """One official theme row per partner, as the theme tables have them."""
    import pandas as pd

    return pd.DataFrame(
        {
            "partner_id": partners,
            "theme_id": "t1",
            "kind": "crime",
            "label": label,
            "voice": "official",
            "occasions": 1,
            "sources": 1,
        }
    )


def _colorbars(fig) -> list:
    """The colour bars of a figure (on axes of their own or inset in a panel)."""
    axes = [*fig.axes, *(child for ax in fig.axes for child in ax.child_axes)]
    return [ax for ax in axes if hasattr(ax, "_colorbar")]


def _overlaps(labels) -> list[tuple[str, str]]:
    """Pairs of tick labels whose drawn boxes intersect."""
    boxes = [(t.get_text(), t.get_window_extent()) for t in labels if t.get_text()]
    return [
        (a, b)
        for i, (a, box) in enumerate(boxes)
        for b, other in boxes[i + 1 :]
        if box.overlaps(other)
    ]


def test_year_axis_shows_every_year_between_the_first_and_the_last() -> None:
    import pandas as pd

    from helpers.dataset.dates import UNDATED, year_axis

    assert year_axis(pd.Series(["2019", "2021", UNDATED])) == ["2019", "2020", "2021", UNDATED]
    assert year_axis(pd.Series(["2021"]), (2018, 2019, 2020, 2021, 2022))[0] == "2018"
    assert year_axis(pd.Series([], dtype=str)) == []


def test_empty_years_are_on_the_axis_and_greyed(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.dataset_overview import counts_by_partner_year
    from helpers.figures import dataset_overview
    from helpers.figures.marks import EMPTY
    from helpers.figures.style import figure_context

    context = figure_context(project_scope)
    table = counts_by_partner_year(project_scope)
    fig = dataset_overview.counts_by_partner_year(table, context)
    labels = fig.axes[0].get_xticklabels()
    shown = [t.get_text() for t in labels]
    years = [str(y) for y in context.years]
    assert shown[: len(years)] == years and len(years) == int(years[-1]) - int(years[0]) + 1
    dated = set(table.year[table.occasions > 0])
    for label in labels:
        assert (label.get_color() == EMPTY) == (label.get_text() not in dated)
    plt.close(fig)


@pytest.mark.parametrize("n_partners", [2, 4, 7, 10])
def test_partner_labels_never_overlap(n_partners: int) -> None:
    import matplotlib.pyplot as plt

    from helpers.figures import themes_by_partner

    partners = [f"P{i:02d}" for i in range(n_partners)]
    table = _theme_rows(partners, "Theme").assign(partner_occasions=2, share=0.5)
    fig = themes_by_partner.themes_official_share(table, _context(partners))
    fig.canvas.draw()
    labels = fig.axes[0].get_xticklabels()
    assert all("Republic of Partner" in t.get_text() for t in labels)
    assert _overlaps(labels) == []
    plt.close(fig)


def test_voice_panels_share_one_scale(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.themes_by_partner import themes_by_voice
    from helpers.figures import themes_by_partner
    from helpers.figures.style import figure_context

    fig = themes_by_partner.themes_by_voice(
        themes_by_voice(project_scope), figure_context(project_scope)
    )
    limits = {ax.get_xlim() for ax in fig.axes}
    assert len(fig.axes) == len(project_scope.partners) and len(limits) == 1
    plt.close(fig)


def test_colour_of_a_count_grid_is_explained(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.themes_over_time import theme_spread_by_year, themes_by_year
    from helpers.figures import themes_over_time
    from helpers.figures.style import figure_context

    context = figure_context(project_scope)
    for fig in (
        themes_over_time.themes_by_year(themes_by_year(project_scope), context),
        themes_over_time.theme_spread_by_year(theme_spread_by_year(project_scope), context),
    ):
        keys = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + _colorbars(fig)
        assert keys, "a grid shaded by counts needs a legend or a colour bar"
        plt.close(fig)


def test_many_counts_get_a_colour_bar() -> None:
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.figures import themes_over_time

    table = pd.DataFrame(
        {
            "theme_id": ["t1", "t2"],
            "kind": "crime",
            "label": ["One", "Two"],
            "year": ["2001", "2003"],
            "partners": [1, 9],
            "partner_ids": "",
            "sources": 1,
        }
    )
    fig = themes_over_time.theme_spread_by_year(table, _context(["A"]))
    assert len(_colorbars(fig)) == 1
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2001", "2002", "2003"]
    plt.close(fig)


def test_continuity_axis_ends_with_the_data(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.interlocutors import continuity
    from helpers.figures import interlocutors

    table = continuity(project_scope)
    fig = interlocutors.continuity(table)
    assert fig.axes[0].get_xlim()[1] <= table.last_year.max() + 0.5
    assert max(fig.axes[0].get_xticks()) <= table.last_year.max()
    plt.close(fig)


def test_alpha_chart_names_variables_and_says_the_coder_is_simulated(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.coding import simulation
    from helpers.figures import intercoder_reliability

    _, result = simulation.simulated_second_coder(project_scope, seed=1, rate=0.3)
    fig = intercoder_reliability.alpha_by_variable(result.alphas, note=simulation.SIMULATED)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels and not any(":" in t and " " not in t for t in labels)
    assert "Theme: " + project_scope.tables["themes"].label.iloc[0] in labels or any(
        t.startswith("Theme: ") for t in labels
    )
    assert "Simulated" in fig.axes[0].get_legend().get_title().get_text()
    plt.close(fig)


def test_events_and_agreements_of_a_year_are_told_apart(project_scope) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from helpers.analysis.dataset_overview import timeline
    from helpers.figures import dataset_overview
    from helpers.figures.style import figure_context

    fig = dataset_overview.timeline(timeline(project_scope), figure_context(project_scope))
    spans = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    styles = {(c.get_linewidth()[0], str(c.get_linestyle()[0])) for c in spans}
    assert len(spans) == 2 and len(styles) == 2
    plt.close(fig)


@pytest.mark.parametrize("n_partners", [2, 5, 10])
def test_panel_titles_never_overlap(n_partners: int) -> None:
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.figures import agreements, themes_by_partner, themes_over_time

    partners = [f"P{i:02d}" for i in range(n_partners)]
    themes = _theme_rows(partners, "A theme with a long label").assign(year="2020")
    kinds = pd.DataFrame(
        {"partner_id": partners, "kind": "mou", "status": "signed", "agreements": 1, "sources": 1}
    )
    context = _context(partners, (2019, 2020, 2021))
    for fig in (
        themes_by_partner.themes_by_voice(themes, context),
        themes_over_time.themes_by_year(themes, context),
        agreements.agreements_by_kind_status(kinds, ["signed"], context),
    ):
        fig.canvas.draw()
        titles = [ax.title for ax in fig.axes if ax.get_title()]
        assert len(titles) == n_partners
        assert _overlaps(titles) == []
        plt.close(fig)


# a lone dollar sign, valid mathtext (typeset unless plain) and invalid mathtext (an error)
LABELS = ["Fraud $x^2$ and $", "Fraud $x^2$", "Scam $x^$ and $y$"]


@pytest.fixture
def report_style():
    """The report's style, as a notebook applies it (use_style), undone after the test."""
    import matplotlib as mpl

    from helpers.figures.style import use_style

    with mpl.rc_context():
        use_style()
        yield


def plain(texts) -> list[str]:
    """The strings of matplotlib texts, each checked to be drawn as plain text."""
    assert not [t.get_text() for t in texts if t.get_parse_math()]
    return [t.get_text() for t in texts]


def test_text_from_the_data_is_drawn_as_plain_text(tmp_path, report_style) -> None:
    """Dollar signs in theme labels, partner codes and person names are drawn as written:
    neither typeset as mathematics nor a mathtext error."""
    import matplotlib.pyplot as plt

    from helpers.analysis import dataset_overview, interlocutors, themes_by_partner
    from helpers.analysis.scope import resolve
    from helpers.figures import dataset_overview as overview_figures
    from helpers.figures import interlocutors as interlocutor_figures
    from helpers.figures import themes_by_partner as theme_figures
    from helpers.figures.style import FigureContext, figure_context, save_figure

    scope = resolve(PROJECT_DATA)
    partner = "$VNM$"
    colors = {partner if p == "VNM" else p: c for p, c in figure_context(scope).colors.items()}
    palette = FigureContext(colors, {p: p for p in colors}, scope.years())  # codes as labels

    official = themes_by_partner.themes_official_share(themes_by_partner.themes_by_voice(scope))
    themes = list(official.theme_id.drop_duplicates())[: len(LABELS)]
    official["label"] = official.theme_id.map(dict(zip(themes, LABELS, strict=True))).fillna(
        official.label
    )
    official["partner_id"] = official.partner_id.astype(str).replace("VNM", partner)
    fig = theme_figures.themes_official_share(official, palette, title=LABELS[1])
    save_figure(fig, official, tmp_path, "themes")  # drawn in every format
    ax = fig.axes[0]
    rows = plain(ax.get_yticklabels())
    assert {label for label in LABELS if any(r.startswith(f"{label} (") for r in rows)} == set(
        LABELS
    )
    assert partner in plain(ax.get_xticklabels())
    assert plain([ax.title]) == [LABELS[1]]

    people = interlocutors.continuity(scope)
    people["name"] = LABELS + list(people.name.astype(str))[len(LABELS) :]
    fig = interlocutor_figures.continuity(people)
    save_figure(fig, people, tmp_path, "continuity")
    assert plain(fig.axes[0].get_yticklabels())[: len(LABELS)] == LABELS

    counts = dataset_overview.counts_by_partner_year(scope)
    counts["partner_id"] = counts.partner_id.astype(str).replace("VNM", partner)
    fig = overview_figures.counts_by_partner_year(counts, palette)
    save_figure(fig, counts, tmp_path, "counts")
    assert partner in plain(fig.axes[1].get_legend().get_texts())
    plt.close("all")


def test_records_with_the_same_date_are_counted_on_the_timeline(project_scope) -> None:
    """Three agreements signed the same year draw one mark: it says x3, not 1."""
    import matplotlib.pyplot as plt

    from helpers.analysis.dataset_overview import timeline
    from helpers.figures import dataset_overview
    from helpers.figures.style import figure_context

    items = timeline(project_scope)
    same = items.agreements.groupby(["partner_id", "lo"], observed=True).size()
    fig = dataset_overview.timeline(items, figure_context(project_scope))
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sorted(labels) == sorted(f"×{n}" for n in same[same > 1])
    assert labels and "×n: n records with the same date" in [
        t.get_text() for t in fig.legends[0].get_texts()
    ]
    plt.close(fig)


PDF_OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)endobj", re.S)


def pdf_objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object of a PDF that matplotlib wrote: its dictionary and its inflated stream."""
    objects = {}
    for match in PDF_OBJECT.finditer(pdf):
        head, _, rest = match.group(2).partition(b"stream\n")
        stream = zlib.decompress(rest.rsplit(b"\nendstream", 1)[0]) if rest else None
        objects[int(match.group(1))] = (head, stream)
    return objects


def font_programs(objects: dict[int, tuple[bytes, bytes | None]]) -> list[int]:
    """The numbers of the objects that hold an embedded TrueType font program."""
    return [k for k, (head, _) in objects.items() if b"/Length1" in head]


def test_pdf_fonts_leave_out_only_the_layout_tables(report_style) -> None:
    """The report's PDFs embed their fonts without GSUB, GPOS and GDEF (``pdf_fonts``): every
    object of the file is the one matplotlib's own subsetting writes (the pages' drawing, the
    glyph widths and maps), except the font programs; these lack the layout tables, and every
    glyph they hold is the same, outline and metrics, at the same index (the full subset also
    holds the ligatures its GSUB pulls in, which the pages never use)."""
    import matplotlib.pyplot as plt
    from fontTools.ttLib import TTFont

    from helpers.figures.pdf_fonts import LAYOUT_TABLES, without_layout_tables
    from helpers.figures.style import METADATA

    def saved(lean: bool) -> dict[int, tuple[bytes, bytes | None]]:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.set_title("Office fiducial AV Wa Te")  # ligatures and kerning pairs
        ax.set_ylabel("Wildlife trafficking, of it")  # f and i drawn apart
        ax.set_xlabel("bold", weight="bold")
        buffer = io.BytesIO()
        with without_layout_tables() if lean else contextlib.nullcontext():
            fig.savefig(buffer, format="pdf", metadata=METADATA["pdf"])
        plt.close(fig)
        return pdf_objects(buffer.getvalue())

    full, lean = saved(False), saved(True)
    assert full.keys() == lean.keys()
    programs = font_programs(full)
    assert len(programs) >= 2  # the regular and the bold face
    assert {k: v for k, v in full.items() if k not in programs} == {
        k: v for k, v in lean.items() if k not in programs
    }
    assert set(LAYOUT_TABLES) == {"GSUB", "GPOS", "GDEF"}
    for key in programs:
        before, after = (TTFont(io.BytesIO(pdf[key][1])) for pdf in (full, lean))
        assert set(LAYOUT_TABLES) <= set(before.keys())
        assert set(after.keys()) == set(before.keys()) - set(LAYOUT_TABLES)
        kept = after.getGlyphOrder()
        assert before.getGlyphOrder()[: len(kept)] == kept
        for name in kept:
            glyphs = [font["glyf"][name] for font in (before, after)]
            assert glyphs[0].compile(before["glyf"]) == glyphs[1].compile(after["glyf"]), name
            assert before["hmtx"][name] == after["hmtx"][name], name


def test_save_figure_writes_pdf_fonts_without_layout_tables(tmp_path, report_style) -> None:
    import matplotlib.pyplot as plt
    from fontTools.ttLib import TTFont

    from helpers.figures.pdf_fonts import LAYOUT_TABLES
    from helpers.figures.style import save_figure

    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.set_title("Office fiducial")
    save_figure(fig, pd.DataFrame({"x": [1]}), tmp_path, "fonts")
    objects = pdf_objects((tmp_path / "fonts.pdf").read_bytes())
    assert font_programs(objects)
    for key in font_programs(objects):
        assert not set(LAYOUT_TABLES) & set(TTFont(io.BytesIO(objects[key][1])).keys())
