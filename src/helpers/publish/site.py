"""A static web page of the report: ``site/index.html`` lists every notebook with its question
and links to the executed notebook rendered as HTML, its figures and tables, and the dataset.
Everything the pages show is inside the site folder (no request goes outside it), and the same
inputs give the same bytes."""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from helpers.dataset.schema import Schema

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


def _copy_tree(source: Path, target: Path, pattern: str = "*") -> list[Path]:
    copied = []
    for path in sorted(source.rglob(pattern)):
        hidden = any(part.startswith(".") for part in path.relative_to(source).parts)
        if path.is_file() and not hidden:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            copied.append(destination)
    return copied


def build_site(executed_dir: Path, figures_dir: Path, data_dir: Path, site_dir: Path) -> Path:
    """Write the site to a new folder and swap it into place; return site/index.html."""
    executed_dir, figures_dir, data_dir, site_dir = map(
        Path, (executed_dir, figures_dir, data_dir, site_dir)
    )
    staging = site_dir.with_name(f".{site_dir.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "notebooks").mkdir(parents=True)
    (staging / "style.css").write_text(STYLE.lstrip(), encoding="utf-8")
    entries = []
    for path in sorted(executed_dir.glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title, question = notebook_summary(nb)
        body = f'<p><a href="../index.html">Back to the report</a></p>\n{_render(nb)}'
        (staging / "notebooks" / f"{path.stem}.html").write_text(
            _page(title, body, 1), encoding="utf-8"
        )
        shutil.copyfile(path, staging / "notebooks" / path.name)
        figures = _copy_tree(figures_dir / path.stem, staging / "figures" / path.stem)
        entries.append((path.stem, title, question, figures))
    data_files = _copy_tree(data_dir, staging / "data")
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
    old = site_dir.with_name(f".{site_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(old)
    staging.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)
    return site_dir / "index.html"
