"""The Sphinx configuration of the book: MyST-NB reads the executed notebooks as they are stored
(no execution), sphinx-book-theme lays out the pages, and nothing is requested from outside
the site (no MathJax, no require.js, no web fonts, no analytics)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"


def settings(title: str) -> dict[str, Any]:
    """Sphinx's configuration values for one book (passed as overrides, no conf.py)."""
    return {
        "project": title,
        "html_title": title,
        "html_show_copyright": False,
        "language": "en",
        "root_doc": "index",
        "extensions": ["myst_nb"],
        "exclude_patterns": ["_build"],
        "source_suffix": {".md": "myst-nb", ".ipynb": "myst-nb"},
        # the notebooks are the runner's executed, normalised copies: never run them again
        "nb_execution_mode": "off",
        "nb_merge_streams": True,
        "nb_ipywidgets_js": {},  # no require.js from a CDN
        "nb_output_stderr": "remove",
        "myst_enable_extensions": [],
        "myst_heading_anchors": 3,
        # MathJax (from a CDN) is loaded only by a page with formulas: the book has none, since
        # no dollar-math is parsed and no output is LaTeX; the browser test checks it
        "html_theme": "sphinx_book_theme",
        "html_static_path": [str(STATIC)],
        "html_css_files": ["book.css"],
        "html_js_files": [],
        "html_copy_source": False,
        "html_use_index": False,  # no index entries: an empty general index page
        "html_show_sourcelink": False,
        "html_show_sphinx": False,
        "html_last_updated_fmt": None,
        "html_permalinks": True,
        "html_theme_options": {
            "home_page_in_toc": False,
            "footer_content_items": ["extra-footer.html"],
            "navbar_persistent": [],  # search is in the sidebar (and a button on phones)
            # the contents of the page beside the long pages; the tables and the gallery have
            # the whole width
            "secondary_sidebar_items": {
                page: ["page-toc.html"]
                for page in ("index", "notebooks/*", "citation", "dataset/codebook")
                + ("dataset/dictionary",)
            },
            "show_navbar_depth": 2,
            "use_download_button": False,
            "use_fullscreen_button": False,
            "navigation_with_keys": False,
            "show_toc_level": 2,
            "pygments_light_style": "tango",
            "pygments_dark_style": "monokai",
        },
        # Sphinx's search lists the pages found without fetching each for a summary, which
        # browsers refuse from file://
        "html_show_search_summary": False,
        "suppress_warnings": ["mystnb.unknown_mime_type", "myst.header"],
    }
