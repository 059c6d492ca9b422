"""Figure files tested as files: every figure has its formats and its table, and carries no
date or other run-dependent metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from helpers.figures.style import FORMATS, PAGE_WIDTH, partner_palette

FIGURES = Path(__file__).resolve().parents[1] / "figures"
STEMS = sorted({p.with_suffix("") for p in FIGURES.glob("*/*.png")})


def test_every_notebook_wrote_figures() -> None:
    notebooks = {p.stem for p in (FIGURES.parent / "notebooks").glob("[0-9]*.ipynb")}
    assert {s.parent.name for s in STEMS} == notebooks


@pytest.mark.parametrize("stem", STEMS, ids=lambda s: f"{s.parent.name}/{s.name}")
def test_figure_files(stem: Path) -> None:
    for suffix in (*FORMATS, "csv"):
        assert stem.with_suffix(f".{suffix}").stat().st_size > 0, suffix
    with Image.open(stem.with_suffix(".png")) as png:
        dpi = png.info.get("dpi", (300, 300))[0]
        assert png.width / dpi <= PAGE_WIDTH + 0.5, "wider than a journal page"
        assert "Software" not in png.info
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert b"CreationDate" not in stem.with_suffix(".pdf").read_bytes()


def test_theme_year_grid_of_an_empty_table_is_drawn() -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.scope import resolve
    from helpers.analysis.themes_over_time import themes_by_year
    from helpers.figures import themes_over_time

    empty = themes_by_year(resolve(FIGURES.parent / "data")).iloc[:0]
    fig = themes_over_time.themes_by_year(empty, {"VNM": "#0072B2"})
    assert len(fig.axes) == 1
    plt.close(fig)


@pytest.mark.parametrize(("partners", "n_years", "labels"), [(3, 4, 4), (3, 25, 13), (20, 25, 3)])
def test_theme_year_grid_year_labels_fit_the_panels(
    partners: int, n_years: int, labels: int
) -> None:
    """Every year is labelled when the panel has room (about 0.12 in a label), else every k-th."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.figures import themes_over_time

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
    fig = themes_over_time.themes_by_year(table, dict.fromkeys(ids, "#0072B2"))
    assert [len(ax.get_xticklabels()) for ax in fig.axes] == [labels] * partners
    assert [bool(ax.get_yticklabels()) for ax in fig.axes] == [True] + [False] * (partners - 1)
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
    from helpers.figures.style import save_figure

    scope = resolve(FIGURES.parent / "data")
    partner = "$VNM$"
    palette = {partner if p == "VNM" else p: c for p, c in partner_palette(scope).items()}

    official = themes_by_partner.themes_official_share(scope)
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
