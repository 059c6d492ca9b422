"""PDF fonts embedded without their OpenType layout tables.

With ``pdf.fonttype`` 42, matplotlib embeds a subset of each TrueType font (fontTools), keeping
the GSUB, GPOS and GDEF tables. A PDF viewer never reads them: matplotlib has already placed
every glyph (its text layout applies kerning and ligatures when it draws), and the PDF names
each glyph by its index. Subsetting them is most of the time fontTools takes, so the report's
PDFs leave them out: the same pages in smaller files, written faster. Every object of the file
but the font programs is byte for byte what matplotlib's own subsetting writes, and so is every
glyph the pages use (outline and metrics); the font programs only lack the layout tables and the
glyphs those tables would have pulled in unused (ligatures such as "fi" where the text draws "f"
and "i"), ``tests/test_figures.py``.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager

from fontTools import subset
from matplotlib.backends import _backend_pdf_ps

LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")
_SWAP = threading.RLock()


class _WithoutLayout(subset.Options):
    """fontTools' subsetting options as matplotlib sets them, the layout tables dropped too."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.drop_tables += [t for t in LAYOUT_TABLES if t not in self.drop_tables]


@contextmanager
def without_layout_tables() -> Iterator[None]:
    """While active, matplotlib's font subsetting (``matplotlib.backends._backend_pdf_ps``, used
    by its PDF and PostScript backends) drops ``LAYOUT_TABLES``; everything else it does is its
    own. The change holds for the whole process while active: these contexts take turns, and a
    PDF another thread saves meanwhile outside one gets the same fonts (the report saves its
    formats one after another)."""
    with _SWAP:
        own = _backend_pdf_ps.subset
        try:
            _backend_pdf_ps.subset = types.SimpleNamespace(
                **{**vars(own), "Options": _WithoutLayout}
            )
            yield
        finally:
            _backend_pdf_ps.subset = own
