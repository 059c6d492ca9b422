"""Run Sphinx on the book's sources: quietly, in this process, with no execution and no
network, and with nothing in the output that changes from run to run."""

from __future__ import annotations

import importlib
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from helpers.errors import DataError
from helpers.publish.book.config import settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
# files Sphinx writes for its own incremental builds, not for readers (.buildinfo holds a hash
# of the configuration, which names the build's temporary folders)
BUILD_ONLY = (".buildinfo", ".buildinfo.bak")
EPOCH = "0"


@contextmanager
def _fixed_environment() -> Iterator[None]:
    """SOURCE_DATE_EPOCH (read by Sphinx for dates it would print) fixed while Sphinx runs,
    unless the caller set it."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def preloaded_modules() -> list[str]:
    """The modules a build imports first: Sphinx's own extensions, the book's, MyST-NB's Sphinx
    module (its setup imports it only when called: most of its time) and the theme."""
    modules: list[str] = []
    with suppress(Exception):  # left to the build, which says what is wrong
        from sphinx.application import builtin_extensions

        modules += builtin_extensions
    conf = settings("")
    return [*modules, *conf["extensions"], "myst_nb.sphinx_ext", conf["html_theme"]]


def preload() -> None:
    """Import ``preloaded_modules`` (about a second of processor time in a new process), so
    that a build that follows starts at once: the report calls it while its notebooks run. A
    module that fails to import is left to the build, which imports it again and says why."""
    for name in preloaded_modules():
        with suppress(Exception):
            importlib.import_module(name)


def run_sphinx(
    source_dir: Path,
    out_dir: Path,
    doctree_dir: Path,
    *,
    title: str,
    context: dict[str, Any],
    static_dirs: list[Path],
) -> list[str]:
    """Build the HTML book of ``source_dir`` into ``out_dir``; return Sphinx's warnings.
    Raises DataError when Sphinx fails."""
    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    overrides = settings(title)
    overrides["html_static_path"] = [*overrides["html_static_path"], *map(str, static_dirs)]
    overrides["templates_path"] = [str(TEMPLATES)]
    overrides["html_context"] = context
    warnings = io.StringIO()
    nocolor()
    try:
        with _fixed_environment(), patch_docutils(source_dir), docutils_namespace():
            app = Sphinx(
                str(source_dir),
                None,
                str(out_dir),
                str(doctree_dir),
                "html",
                confoverrides=overrides,
                status=None,
                warning=warnings,
                freshenv=True,
                keep_going=True,
            )
            app.build(force_all=True)
    except Exception as exc:  # Sphinx's own errors carry the page and line
        raise DataError(f"the book could not be built: {type(exc).__name__}: {exc}") from exc
    for name in BUILD_ONLY:
        (out_dir / name).unlink(missing_ok=True)
    for folder in sorted((p for p in out_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):  # e.g. _sources/, with no source copied
            folder.rmdir()
    lines = [line for line in warnings.getvalue().splitlines() if line.strip()]
    for line in lines:
        print(f"site: {line.replace(str(source_dir) + os.sep, '')}", file=sys.stderr)
    return lines
