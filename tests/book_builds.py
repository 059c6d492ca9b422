"""Each distinct book is built by Sphinx once per test session: a build of the same sources is
copied from the first one instead of run again.

Sphinx turns the book's sources into the same bytes whatever folder they are built in (the
site's determinism test checks it, with the marker ``fresh_book`` it builds for real). Most
tests that publish a site check what the report or the site's own code does around the build
(which files, whose, where), so they share the build of identical sources: the key is every
file of the sources, of the files copied as they are (notebooks, figures, data) and of the
static folders, the title and context, and the package code. Builds are kept in one folder of
the session, shared by the xdist workers, each behind a lock, so that two workers wanting the
same book build it once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.dataset.checksum import file_digest
from helpers.files import exclusive_lock
from helpers.publish.cache import code_checksum

WARNINGS = "warnings.json"
WAIT = 600  # seconds another worker may take to build the same book


def tree_digest(folder: Path, digest: Any) -> None:
    """Add every file below ``folder`` (relative name and bytes) to ``digest``."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(b"\0" + path.relative_to(folder).as_posix().encode() + b"\0")
        file_digest(path, digest)


def book_key(source_dir: Path, *, title: str, context: dict, static_dirs: list[Path]) -> str:
    """What decides a book's bytes: its sources, the static folders, the title, the template
    context and the package code (the published files are put beside the pages afterwards)."""
    digest = hashlib.sha256(code_checksum().encode())
    digest.update(json.dumps([title, context], sort_keys=True, default=str).encode())
    for folder in [source_dir, *static_dirs]:
        digest.update(b"\1")
        tree_digest(Path(folder), digest)
    return digest.hexdigest()


def shared(store: Path, build: Callable[..., list[str]]) -> Callable[..., list[str]]:
    """``build`` (``helpers.publish.book.build.run_sphinx``) with its result kept in ``store``
    and copied from there for the same key; its warnings (without the sources' folder) are
    printed again, as it prints them."""

    def run_sphinx(source_dir: Path, out_dir: Path, doctree_dir: Path, **options: Any) -> list[str]:
        key = book_key(source_dir, **options)
        kept = store / key
        with exclusive_lock(store / f"{key}.lock", wait=WAIT, busy=f"book {key} still building"):
            if not kept.is_dir():
                lines = build(source_dir, out_dir, doctree_dir, **options)
                shown = [line.replace(str(source_dir) + os.sep, "") for line in lines]
                staging = Path(tempfile.mkdtemp(dir=store, prefix=f".{key[:12]}."))
                shutil.copytree(out_dir, staging / "html", symlinks=True)
                (staging / WARNINGS).write_text(json.dumps(shown), encoding="utf-8")
                os.rename(staging, kept)
                return lines
        shutil.copytree(kept / "html", out_dir, symlinks=True, dirs_exist_ok=True)
        shown = json.loads((kept / WARNINGS).read_text(encoding="utf-8"))
        for line in shown:
            print(f"site: {line}", file=sys.stderr)
        return shown

    return run_sphinx
