"""What lets a report skip work already done: each notebook's outputs keyed by everything that
decides them, as jupyter-cache does for Jupyter Book.

A notebook's key is the SHA-256 of its source (every cell's type and text, and the kernel; not
the outputs, so that the project's stored notebooks, which are also their executed copies, keep
their key when a run rewrites them), its parameters, the data package (the descriptor and every
file it declares, ``helpers.dataset.checksum``), the package code (every file of
``src/helpers``: the simplest honest stand-in for the code it imports), the locked environment
(``requirements.lock``) and the Python version. The site's key covers the code, the data
package, its published documents and every file the notebooks own.

``OUT/.report-cache.json`` records, per notebook, its key, the files its run wrote and how long
it took (the next report starts first the notebooks whose time it does not know, then the
longest, ``RunCache.longest_first``); a notebook is skipped only when its key is the same and
every one of those files is still the report's own, unchanged since it was written
(``helpers.publish.outputs.owned``): a deleted or edited output runs it again.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import helpers
from helpers.dataset.checksum import file_digest
from helpers.files import write_text_atomic
from helpers.paths import CODEBOOK_NAME, PROJECT_ROOT
from helpers.publish.outputs import Manifest, owned

CACHE_NAME = ".report-cache.json"
SITE = "site"  # the site's entry in the cache file, beside the notebooks'
SITE_DOCUMENTS = (CODEBOOK_NAME, "LICENSE.md")  # published, not declared resources


@cache
def code_checksum() -> str:
    """SHA-256 of every file of the package (names and bytes, bytecode caches left out), of the
    lock file and of the Python version: a change to any of them runs every notebook again."""
    root = Path(helpers.__file__).resolve().parent
    digest = hashlib.sha256(f"python {sys.version_info[:2]}\0".encode())
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    for path in [*files, PROJECT_ROOT / "requirements.lock"]:
        digest.update(b"\0" + path.name.encode() + b"\0")
        file_digest(path, digest)
    return digest.hexdigest()


def notebook_source(path: Path) -> list[Any]:
    """What a notebook's run depends on in its own file: the kernel and each cell's type and
    text, without outputs, counts, ids and the cell papermill injects (its parameters are keyed
    apart). An unreadable file is keyed by its bytes."""
    text = path.read_bytes()
    try:
        nb = json.loads(text)
        cells = [
            [cell["cell_type"], "".join(cell["source"])]
            for cell in nb["cells"]
            if "injected-parameters" not in cell.get("metadata", {}).get("tags", [])
        ]
        return [nb.get("metadata", {}).get("kernelspec", {}).get("name"), cells]
    except (ValueError, KeyError, TypeError):
        return [hashlib.sha256(text).hexdigest()]


def notebook_key(source: Path, parameters: dict[str, Any], data: str) -> str:
    """The key of one notebook's run (see the module's docstring); ``data``: the data's
    checksum."""
    facts = {
        "notebook": notebook_source(source),
        "parameters": parameters,
        "data": data,
        "code": code_checksum(),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def site_key(data_dir: Path, data: str, files: Manifest) -> str:
    """The key of the site: the code, the data package, its published documents, and the
    checksum of every file the notebooks own (``files``: path -> SHA-256)."""
    digest = hashlib.sha256()
    for name in SITE_DOCUMENTS:
        digest.update(b"\0" + name.encode() + b"\0")
        file_digest(data_dir / name, digest)
    facts = {"data": data, "code": code_checksum(), "files": dict(sorted(files.items()))}
    digest.update(json.dumps(facts, sort_keys=True).encode())
    return digest.hexdigest()


@dataclass
class RunCache:
    """The keys of the last report into one folder, and the files each of its runs wrote."""

    out_dir: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> RunCache:
        """The cache of ``out_dir`` (empty when missing or unreadable: everything then runs)."""
        try:
            entries = json.loads((out_dir / CACHE_NAME).read_text(encoding="utf-8"))["entries"]
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError, KeyError, TypeError):
            entries = {}
        return cls(out_dir, entries)

    def why_run(self, name: str, key: str, manifest: Manifest) -> str | None:
        """None when ``name`` may be skipped; else why it has to run."""
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or not entry.get("files"):
            return "not run into this folder before"
        if entry.get("key") != key:
            return "its source, parameters, data or the package code changed"
        for relative in entry["files"]:
            if not owned(manifest, self.out_dir, self.out_dir / relative):
                return f"{relative} is missing or changed since the last report"
        return None

    def record(
        self, name: str, key: str, files: Iterable[str], seconds: float | None = None
    ) -> None:
        """What ``name``'s run wrote, under its key, and (if given) how long it took."""
        entry: dict[str, Any] = {"key": key, "files": sorted(files)}
        if seconds is not None:
            entry["seconds"] = round(seconds, 1)
        self.entries[name] = entry

    def seconds(self, name: str) -> float | None:
        """How long ``name``'s last recorded run took; None when not known (nor when the cache
        file holds something else there: it is the user's to edit or damage)."""
        entry = self.entries.get(name)
        value = entry.get("seconds") if isinstance(entry, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if math.isfinite(value) and value >= 0 else None

    def longest_first(self, names: Iterable[str]) -> list[str]:
        """``names`` in the order to start them so that the report ends soonest: the ones whose
        time is not known first (any of them may be long), then by their last run's time,
        longest first (so that a long notebook does not run alone at the end while the other
        cores wait); ties in the given order."""
        names = list(names)
        known = {n: self.seconds(n) for n in names}
        return sorted(names, key=lambda n: (known[n] is not None, -(known[n] or 0.0)))

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)

    def save(self) -> None:
        note = "Keys of the last report's runs here (see helpers.publish.cache); safe to delete."
        text = json.dumps({"note": note, "entries": self.entries}, indent=2, sort_keys=True)
        write_text_atomic(self.out_dir / CACHE_NAME, text + "\n")
