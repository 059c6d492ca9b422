"""A static web page of the report: ``site/index.html`` lists every notebook with its question
and links to the executed notebook rendered as HTML, its figures and tables, and the dataset.
Everything the pages show is inside the site folder (no request goes outside it), and the same
inputs give the same bytes.

Only what is meant to be public is published: the data package's declared resources, its
``datapackage.json``, ``CODEBOOK.md`` and ``LICENSE.md``, each only if it is a regular file (not a
symbolic link) inside the data folder, and figures that are regular files. An existing site
folder is replaced only when the caller says it may be (see ``build_site``)."""

from __future__ import annotations

import html
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from helpers.dataset.schema import Schema
from helpers.errors import DataError
from helpers.paths import CODEBOOK_NAME, DESCRIPTOR_NAME

DATA_DOCUMENTS = (DESCRIPTOR_NAME, CODEBOOK_NAME, "LICENSE.md")

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }
a { color: #0072B2; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
.notebook { border-top: 1px solid #ddd; padding-top: 0.8rem; }
.files a { margin-right: 0.6rem; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border: 1px solid #ddd; padding: 0.2rem 0.4rem; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; font-size: 0.85rem; }
img { max-width: 100%; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
"""


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n{body}\n</body>\n</html>\n'
    )


def notebook_summary(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """Title (first heading) and question (the '**Question.**' sentence) of a notebook."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    title = next(
        (line.lstrip("# ").strip() for line in first.splitlines() if line.startswith("#")), ""
    )
    question = ""
    for line in first.splitlines():
        if line.startswith("**Question.**"):
            question = line.replace("**Question.**", "").strip()
    return title, question


def _render(nb: nbformat.NotebookNode) -> str:
    exporter = HTMLExporter(
        template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


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
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        copied.append(destination)
    return copied


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
    (staging / "notebooks").mkdir(parents=True)
    (staging / "style.css").write_text(STYLE.lstrip(), encoding="utf-8")
    entries = []
    if notebooks is None:
        notebooks = sorted(executed_dir.glob("[0-9]*.ipynb"))
    for path in sorted(map(Path, notebooks)):
        nb = nbformat.read(path, as_version=4)
        title, question = notebook_summary(nb)
        body = f'<p><a href="../index.html">Back to the report</a></p>\n{_render(nb)}'
        (staging / "notebooks" / f"{path.stem}.html").write_text(
            _page(title, body, 1), encoding="utf-8"
        )
        shutil.copyfile(path, staging / "notebooks" / path.name)
        figures = _copy_tree(figures_dir / path.stem, staging / "figures" / path.stem, figure_files)
        entries.append((path.stem, title, question, figures))
    data_files = []
    for path in published:
        destination = staging / "data" / path.relative_to(data_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        data_files.append(destination)
    heading = str(Schema.of(data_dir).descriptor.get("title") or "Report")
    parts = [
        f"<h1>{html.escape(heading)}</h1>",
        "<p>Executed notebooks of the report, their figures and the tables behind them, and "
        "the dataset they are computed from.</p>",
        "<h2>Notebooks</h2>",
    ]
    for stem, title, question, figures in entries:
        links = []
        for figure in sorted({f.with_suffix("") for f in figures}):
            files = " ".join(
                f'<a href="{os.path.relpath(f, staging)}">{f.suffix[1:]}</a>'
                for f in sorted(figures)
                if f.with_suffix("") == figure
            )
            links.append(f'<li>{html.escape(figure.name)}: <span class="files">{files}</span></li>')
        parts.append(
            f'<div class="notebook"><h3><a href="notebooks/{stem}.html">'
            f"{html.escape(title)}</a></h3>"
            f"<p>{html.escape(question)}</p>"
            f'<p class="files"><a href="notebooks/{stem}.html">read</a> '
            f'<a href="notebooks/{stem}.ipynb">ipynb</a></p>'
            f"<ul>{''.join(links)}</ul></div>"
        )
    parts.append("<h2>Dataset</h2><ul>")
    for f in data_files:
        parts.append(f'<li><a href="{os.path.relpath(f, staging)}">{html.escape(f.name)}</a></li>')
    parts.append("</ul>")
    (staging / "index.html").write_text(_page(heading, "\n".join(parts), 0), encoding="utf-8")
