"""The package's architecture holds: no import cycle between its modules, and each layer imports
only the layers below it (foundation < dataset < analysis < coding < figures < publish < CLI)."""

from __future__ import annotations

import ast
import importlib
import json
import re
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"

# what each part of the package may import (besides itself and the foundation modules)
FOUNDATION = {"helpers.paths", "helpers.errors", "helpers.files"}
ALLOWED = {
    "dataset": set(),
    "analysis": {"dataset"},
    "figures": {"dataset", "analysis", "coding"},
    "coding": {"dataset", "analysis"},
    "publish": {"dataset", "analysis", "figures", "coding"},
    "__main__": {"dataset", "analysis", "figures", "coding", "publish"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The helpers modules a file imports, at any depth (function-local imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("helpers")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
    return found


@cache
def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = {}
    for name, path in files.items():
        # "from helpers.analysis import scope" names the module helpers.analysis.scope
        edges[name] = {m for m in imports(path) if m in files and m != name}
        edges[name] -= {p for p in edges[name] if files[p].name == "__init__.py"}
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules on it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "helpers.dataset.validate" in edges
    assert "helpers.dataset.read" in edges["helpers.dataset.validate"]


def test_no_import_cycle() -> None:
    assert cycle(graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(graph()))
def test_layers_import_only_the_layers_below(module: str) -> None:
    own = layer(module)
    if own is None:
        assert module in FOUNDATION | {"helpers"}, f"{module} belongs to no layer"
        allowed_layers: set[str] = set()
    else:
        allowed_layers = ALLOWED[own] | {own}
    for target in graph()[module]:
        if target in FOUNDATION:
            continue
        assert layer(target) in allowed_layers, f"{module} imports {target}"


NOTEBOOKS = sorted((PACKAGE.parents[1] / "notebooks").glob("[0-9]*.ipynb"))
SAVED = re.compile(r'save_figure\(fig, [\w.]+, figure_dir, "(\w+)"\)')


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_its_figure_module_and_its_files_share_names(notebook: Path) -> None:
    """Notebook NN_<question> draws with helpers.figures.<question>, whose function for each
    figure file has the file's name (and so does the table function, where there is one)."""
    question = notebook.stem.split("_", 1)[1]
    figures = importlib.import_module(f"helpers.figures.{question}")
    source = "\n".join(
        "".join(c["source"])
        for c in json.loads(notebook.read_text())["cells"]
        if c["cell_type"] == "code"
    )
    saved = SAVED.findall(source)
    assert saved, f"{notebook.name} saves no figure"
    for name in saved:
        assert callable(getattr(figures, name, None)), f"helpers.figures.{question}.{name}"
        assert f"figures.{name}(" in source
    if (PACKAGE / "analysis" / f"{question}.py").exists():
        tables = importlib.import_module(f"helpers.analysis.{question}")
        shared = [n for n in saved if callable(getattr(tables, n, None))]
        assert shared, f"helpers.analysis.{question} has no table named as a figure"
