"""The published report: a book built by Sphinx with MyST-NB and sphinx-book-theme from the
executed notebooks (never run again), with a landing page (the dataset in numbers), a gallery
of the figures, the codebook, the data dictionary, a page per table, search and citation.
Everything the pages show is inside the site folder (no request goes outside it), and the same
inputs give the same bytes. The book is assembled by ``helpers.publish.book``.

Only what is meant to be public is published: the data package's declared resources, its
``datapackage.json``, ``CODEBOOK.md`` and ``LICENSE.md``, each only if it is a regular file (not a
symbolic link) inside the data folder, and figures that are regular files. An existing site
folder is replaced only when the caller says it may be (see ``build_site``)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from helpers.errors import DataError
from helpers.paths import CODEBOOK_NAME, DESCRIPTOR_NAME
from helpers.publish.book.assemble import assemble

DATA_DOCUMENTS = (DESCRIPTOR_NAME, CODEBOOK_NAME, "LICENSE.md")


def _plain_file_problem(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be published from ``root`` (None when it may): it must be a regular
    file, not a symbolic link, whose resolved path is inside ``root``."""
    if path.is_symlink():
        return "is a symbolic link"
    if not path.resolve().is_relative_to(root.resolve()):
        return f"is outside {root}"
    if not path.is_file():
        return "is not a regular file" if path.exists() else "does not exist"
    return None


def _copy_tree(source: Path, target: Path, only: Collection[Path] | None = None) -> list[Path]:
    """Copy the regular, visible files below ``source`` (those in ``only``, if given); links
    and the like are skipped."""
    copied: list[Path] = []
    if source.is_symlink():
        print(f"site: not published: {source} is a symbolic link", file=sys.stderr)
        return copied
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts) or path.is_dir():
            continue
        if only is not None and path not in only:
            continue
        problem = _plain_file_problem(path, source)
        if problem:
            print(f"site: not published: {path} {problem}", file=sys.stderr)
            continue
        destination = target / relative
        publish_file(path, destination)
        copied.append(destination)
    return copied


def publish_file(source: Path, destination: Path) -> None:
    """Copy a checked regular file into the new site, once, straight to its place (the kernel
    copies it, without passing the bytes through Python). Not a hard link: a data or figure
    file edited in place would change the published one with it, which the report would then
    take for a file it did not write."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)


def data_files(data_dir: Path) -> list[Path]:
    """The files of the data folder that the site publishes, sorted: the resources that
    ``datapackage.json`` declares, and the descriptor, codebook and licence if present.
    Raises DataError when one of them is a link, outside the folder or not a regular file."""
    descriptor = data_dir / DESCRIPTOR_NAME
    try:
        resources = json.loads(descriptor.read_text(encoding="utf-8")).get("resources") or []
    except (OSError, ValueError, AttributeError) as exc:
        raise DataError(f"{descriptor}: cannot read the declared resources ({exc})") from None
    declared = set()
    for resource in resources:
        paths = resource.get("path") if isinstance(resource, dict) else None
        for name in [paths] if isinstance(paths, str) else paths or []:
            if not isinstance(name, str) or "://" in name:
                continue  # a remote resource: nothing to copy
            declared.add(name)
    present = {n for n in DATA_DOCUMENTS if (data_dir / n).exists() or (data_dir / n).is_symlink()}
    files = []
    for name in sorted(declared | present):
        path = data_dir / name
        problem = _plain_file_problem(path, data_dir)
        if problem:
            why = f"a resource of {descriptor}" if name in declared else "a document of the data"
            raise DataError(f"{path}: not published, it {problem} ({why})")
        files.append(path)
    return files


def _check_replaceable(site_dir: Path, may_replace: Callable[[Path], None] | None) -> None:
    if not (site_dir.exists() or site_dir.is_symlink()):
        return
    if may_replace is None or site_dir.is_symlink() or not site_dir.is_dir():
        raise DataError(
            f"{site_dir} exists and was not written by this report: not replaced; "
            "move it away or choose another output folder"
        )
    may_replace(site_dir)


def build_site(
    executed_dir: Path,
    figures_dir: Path,
    data_dir: Path,
    site_dir: Path,
    notebooks: Sequence[Path] | None = None,
    may_replace: Callable[[Path], None] | None = None,
    figure_files: Collection[Path] | None = None,
) -> Path:
    """Write the site to a new folder and swap it into place; return site/index.html.

    ``notebooks`` are the executed notebooks to publish (default: every ``[0-9]*.ipynb`` of
    ``executed_dir``), ``figure_files`` the files of their figure folders to publish (default:
    every regular file there). An existing ``site_dir`` is replaced only if ``may_replace`` is
    given and does not raise for it (it raises DataError to refuse); without it, an existing
    site is never replaced. The new site is staged in a folder of its own beside ``site_dir``."""
    executed_dir, figures_dir, data_dir, site_dir = map(
        Path, (executed_dir, figures_dir, data_dir, site_dir)
    )
    _check_replaceable(site_dir, may_replace)
    published = data_files(data_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}.", suffix=".new")
    )
    try:
        _write_site(
            executed_dir, figures_dir, data_dir, staging, notebooks, published, figure_files
        )
        _check_replaceable(site_dir, may_replace)
        os.chmod(staging, 0o755)
        _swap(staging, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return site_dir / "index.html"


def _swap(staging: Path, site_dir: Path) -> None:
    """Move ``staging`` to ``site_dir``, the old site (if any) out of the way and then away."""
    if not site_dir.exists():
        staging.rename(site_dir)
        return
    old = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}.", suffix=".old"))
    try:
        site_dir.rename(old)  # onto the empty folder just made
    except BaseException:
        old.rmdir()
        raise
    try:
        staging.rename(site_dir)
    except BaseException:
        old.rename(site_dir)  # the old site back in place
        raise
    shutil.rmtree(old)


def _write_site(
    executed_dir: Path,
    figures_dir: Path,
    data_dir: Path,
    staging: Path,
    notebooks: Sequence[Path] | None,
    published: list[Path],
    figure_files: Collection[Path] | None,
) -> None:
    """Copy what is published straight to its place in ``staging`` (not through Sphinx, which
    would copy every byte twice more), and build the book's pages beside it."""
    if notebooks is None:
        notebooks = sorted(executed_dir.glob("[0-9]*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="book-") as work:
        extra = staging  # published as they are
        figures: dict[str, list[Path]] = {}
        for path in sorted(map(Path, notebooks)):
            target = extra / "notebooks" / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            figures[path.stem] = _copy_tree(
                figures_dir / path.stem, extra / "figures" / path.stem, figure_files
            )
        data = []
        for path in published:
            destination = extra / "data" / path.relative_to(data_dir)
            publish_file(path, destination)
            data.append(destination)
        assemble(
            notebooks=sorted(map(Path, notebooks)),
            figures=figures,
            data_dir=data_dir,
            data_files=data,
            extra=extra,
            work=Path(work),
            out_dir=staging,
        )
