"""Figure files tested as files: every figure has its formats and its table, and carries no
date or other run-dependent metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from helpers.plotting import FORMATS, PAGE_WIDTH

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
