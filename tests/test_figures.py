"""Figure files tested as files: every figure has its formats and its table, and carries no
date or other run-dependent metadata."""

from __future__ import annotations

from pathlib import Path

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

    empty = themes_by_year(resolve(PROJECT_DATA)).iloc[:0]
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


def test_a_partner_keeps_its_colour_whatever_the_scope(project_scope) -> None:
    from helpers.analysis.scope import resolve
    from helpers.figures.style import partner_palette

    everyone = partner_palette(project_scope)
    assert len(set(everyone.values())) == len(everyone) > 1
    for partner, colour in everyone.items():
        assert partner_palette(resolve(PROJECT_DATA, [partner])) == {partner: colour}


def test_a_voice_added_to_the_vocabulary_is_drawn(project_scope) -> None:
    """A study may extend the voice vocabulary; its bars must not vanish from the comparison."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from helpers.analysis.themes_by_partner import themes_by_voice
    from helpers.figures import themes_by_partner

    table = themes_by_voice(project_scope)
    extra = table.iloc[:1].assign(voice="parliament")
    fig = themes_by_partner.themes_by_voice(pd.concat([table, extra], ignore_index=True))
    legend = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert legend == ["official", "observer", "parliament"]
    plt.close(fig)


def test_a_side_added_to_the_vocabulary_is_drawn(project_scope) -> None:
    import matplotlib.pyplot as plt

    from helpers.analysis.interlocutors import continuity, interlocutors_by_year
    from helpers.figures import interlocutors
    from helpers.figures.style import partner_palette

    people = interlocutors_by_year(project_scope)
    people.loc[people.index[0], "side"] = "mediator"
    fig = interlocutors.interlocutors_by_year(people, partner_palette(project_scope))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "mediator side" in legend and "Cambodian side" in legend
    plt.close(fig)
    spans = continuity(project_scope)
    spans.loc[spans.index[0], "side"] = "mediator"
    fig = interlocutors.continuity(spans)
    assert "mediator side" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)
