"""What a report may write, and what it owns: the output folder's checks, lock and manifest.

A report refuses output folders where it could damage the project (``check_out_dir``), holds a
lock on its output folder while it writes (``report_lock``), and records in
``OUT/.report-manifest.json`` every file it wrote, with its SHA-256 (sorted, so that the same run
gives the same bytes). It replaces or removes only files recorded there and unchanged since:
never a file the user put in the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import helpers
from helpers.errors import DataError
from helpers.files import exclusive_lock, write_text_atomic
from helpers.paths import PROJECT_DATA, PROJECT_FIGURES, PROJECT_NOTEBOOKS, PROJECT_ROOT

MANIFEST_NAME = ".report-manifest.json"
LOCK_NAME = ".report.lock"
Manifest = dict[str, str]  # path relative to the output folder -> SHA-256 of what was written


def check_out_dir(out_dir: Path, data_dir: Path, option: str = "--out") -> None:
    """Refuse an output folder inside the data, the package or the notebooks, or the project
    root or a folder above it; the project's own ``figures/`` is allowed. ``option`` names the
    command-line option in the message."""
    out = out_dir.resolve()
    if out == PROJECT_FIGURES.resolve():
        return
    inside = [
        (data_dir.resolve(), "the data folder"),
        (PROJECT_DATA.resolve(), "the project's data folder"),
        ((PROJECT_ROOT / "src").resolve(), "the package source folder"),
        (Path(helpers.__file__).resolve().parent, "the package"),
        (PROJECT_NOTEBOOKS.resolve(), "the notebooks folder"),
    ]
    for folder, what in inside:
        if out.is_relative_to(folder):
            raise DataError(
                f"{option} {out}: refused, it is inside {what} {folder}, which a report must not "
                "write into; choose a folder of its own"
            )
    if PROJECT_ROOT.resolve().is_relative_to(out):
        raise DataError(
            f"{option} {out}: refused, it is the project folder {PROJECT_ROOT.resolve()} or a "
            "folder above it, where a report would mix its files with yours; choose a folder of "
            "its own (the project's own report writes to figures/)"
        )


@contextmanager
def report_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``OUT/.report.lock``; refuse at once if another report holds it."""
    lock = out_dir / LOCK_NAME
    busy = (
        f"{out_dir}: another report is writing there (it holds {lock}); wait until it has "
        "finished, or choose another output folder"
    )
    with exclusive_lock(lock, wait=0, busy=busy):
        yield


def _key(out_dir: Path, path: Path) -> str:
    return Path(os.path.relpath(path, out_dir)).as_posix()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(out_dir: Path) -> Manifest:
    """What the last report into ``out_dir`` wrote (empty when no report did)."""
    path = out_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict):
            raise ValueError("'files' is not a mapping")
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a report manifest ({exc}); remove it") from None
    return {str(k): str(v) for k, v in files.items()}


def save_manifest(out_dir: Path, files: Iterable[Path], keep: Manifest | None = None) -> Manifest:
    """Record ``files`` (those that exist) with their checksums, and the entries of ``keep`` as
    they are (files of an earlier report that stay owned); return the manifest."""
    written = {
        _key(out_dir, p): file_sha256(p) for p in files if p.is_file() and not p.is_symlink()
    }
    manifest = dict(sorted({**(keep or {}), **written}.items()))
    note = "Files the last report wrote here; a report replaces or removes only these."
    text = json.dumps({"note": note, "files": manifest}, indent=2, sort_keys=True) + "\n"
    write_text_atomic(out_dir / MANIFEST_NAME, text)
    return manifest


def owned(manifest: Manifest, out_dir: Path, path: Path) -> bool:
    """Whether ``path`` is a regular file the last report wrote and nobody changed since."""
    if path.is_symlink() or not path.is_file():
        return False
    return manifest.get(_key(out_dir, path)) == file_sha256(path)


def require_owned_folder(manifest: Manifest, out_dir: Path, folder: Path) -> None:
    """Raise DataError unless every file below ``folder`` is owned (so it may be replaced)."""
    foreign = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if (p.is_symlink() or not p.is_dir()) and not owned(manifest, out_dir, p)
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise DataError(
            f"{folder}: not replaced, the report did not create it or it holds files the report "
            f"did not write (or that changed since): {shown}; move them away (a site written "
            "before reports kept a manifest, too) or choose another output folder"
        )


def require_owned_files(manifest: Manifest, out_dir: Path, targets: Iterable[Path]) -> None:
    """Raise DataError if a target exists that the report did not write (it would overwrite it)."""
    for target in targets:
        if (target.exists() or target.is_symlink()) and not owned(manifest, out_dir, target):
            raise DataError(
                f"{target}: not overwritten, the report did not write it (or it changed since); "
                "move it away or choose another output folder"
            )


def file_states(folders: Iterable[Path]) -> dict[Path, tuple[int, int, int]]:
    """Inode, modification time and size of every visible regular file below ``folders`` (or
    of the file itself, for a file): a file written since has another (outputs are replaced by
    new files, never edited)."""
    states = {}
    for folder in folders:
        for path in [folder] if folder.is_file() else folder.rglob("*"):
            hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
            if not hidden and path.is_file() and not path.is_symlink():
                st = path.stat()
                states[path] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return states


def written_since(before: dict[Path, tuple[int, int, int]], folders: Iterable[Path]) -> set[Path]:
    """The files below ``folders`` that are new or replaced since ``before`` was taken."""
    return {p for p, state in file_states(folders).items() if before.get(p) != state}


def remove_stale(old: Manifest, kept: Iterable[Path], out_dir: Path) -> list[Path]:
    """Remove the files of the last report that this one did not write again, each only if it
    is unchanged since; return what was removed, sorted."""
    keep = {_key(out_dir, p) for p in kept}
    removed = []
    for key in sorted(set(old) - keep):
        path = out_dir / key
        if owned(old, out_dir, path):
            path.unlink()
            removed.append(path)
    return removed
