"""Small file helpers and places shared by the tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers.paths import PROJECT_ROOT

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"  # the source articles, beside the project
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="source articles not present")


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by relative path: to show nothing was written."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
