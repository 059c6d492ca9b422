"""The report's parameter file (``notebooks/report.yml``), read and checked against one declared
schema before any notebook runs.

The file has two top-level keys, ``defaults`` (parameters for every notebook) and ``notebooks``
(an entry per notebook with its own values). Every parameter it may set is declared here, with
the values it allows; which notebook takes which parameter comes from the notebooks themselves
(``papermill.inspect_notebook``, checked by the runner). What depends on the data (partner codes,
theme kinds, years covered) is checked afterwards by ``helpers.analysis.scope.resolve``.

Every message names the file, the key (``notebooks.06_intercoder_reliability.perturbation_rate``)
and what is allowed, and stays short: the file is refused over ``MAX_BYTES``, YAML aliases and
tags are refused, and a value is echoed only up to ``helpers.errors.shown``'s length.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import DataError, ParameterError, clip, shown

MAX_BYTES = 64 * 1024  # the project's file is well under 1 KiB
MAX_DEPTH = 16  # nodes inside one another (a partner code in a notebook's list is at 5)
TOP_LEVEL = ("defaults", "notebooks")
SET_BY_RUNNER = ("data_dir", "figure_dir", "validate_data")  # from --data and --out


@dataclass(frozen=True)
class Rule:
    """The values one parameter allows: a test, and its wording for messages."""

    allowed: str
    check: Callable[[Any], bool]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _year(value: Any) -> bool:
    return value is None or (_whole(value) and 1 <= value <= 9999)


def _fraction(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and 0 <= value <= 1


def _text_or_texts(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


PARAMETERS: dict[str, Rule] = {
    "partners": Rule("'all' or a list of partner codes, e.g. [VNM, CHN]", _text_or_texts),
    "year_from": Rule("a whole year from 1 to 9999, e.g. 2020, or null for no limit", _year),
    "year_to": Rule("a whole year from 1 to 9999, e.g. 2024, or null for no limit", _year),
    "theme_kind": Rule("'all' or a kind of the theme vocabulary", lambda v: isinstance(v, str)),
    "include_observers": Rule("true or false", lambda v: isinstance(v, bool)),
    "perturbation_seed": Rule("a whole number, e.g. 20261122", _whole),
    "perturbation_rate": Rule("a number from 0 to 1, e.g. 0.2", _fraction),
}


class _Loader(yaml.SafeLoader):
    """Safe YAML (no tags) without aliases, whose expansion has no size limit, nested no deeper
    than ``MAX_DEPTH``, and without duplicate keys, of which YAML would silently keep the last."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {shown(key)}", key_node.start_mark
                )
            seen.add(key)
        return mapping


def _refuse_tag(loader: _Loader, node: Any) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"tags such as {shown(node.tag)} are not allowed", node.start_mark
    )


_Loader.add_constructor(None, _refuse_tag)  # any tag that safe YAML does not know


def read_spec(path: Path) -> Any:
    """The YAML document of ``path``, refused when too large or not plain safe YAML."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError(f"{path}: parameter file not found") from None
    if len(raw) > MAX_BYTES:
        raise DataError(f"{path}: larger than {MAX_BYTES // 1024} KiB; a parameter file is small")
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_Loader)  # a SafeLoader, tags refused
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DataError(f"{path}: not valid YAML{where}: {clip(exc.problem or '')}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({clip(str(exc))})") from None
    except ValueError as exc:  # a value YAML cannot build, such as an integer of 5000 digits
        raise DataError(f"{path}: not a usable value ({clip(str(exc))})") from None


def _describe(value: Any) -> str:
    """A value as the user wrote it, short; YAML dates are named as such."""
    if isinstance(value, dt.date):
        return f"{value.isoformat()} (read by YAML as a date)"
    return shown(value)


def check_section(path: Path, where: str, values: Any) -> dict[str, Any]:
    """The parameters of one section (``defaults`` or ``notebooks.NAME``), each checked."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise DataError(
            f"{path}: {where}: {_describe(values)} is not allowed; allowed: a mapping of "
            "parameter names to values"
        )
    runner = [k for k in values if k in SET_BY_RUNNER]
    if runner:
        raise ParameterError(
            f"{path}: {where}.{runner[0]}: set by the runner (python -m helpers report --data "
            "--out), not in this file"
        )
    unknown = [k for k in values if k not in PARAMETERS]
    if unknown:
        raise ParameterError(
            f"{path}: {where}: unknown parameter(s) {shown(unknown)}; allowed: {sorted(PARAMETERS)}"
        )
    for name, value in values.items():
        rule = PARAMETERS[name]
        if not rule.check(value):
            raise ParameterError(
                f"{path}: {where}.{name}: {_describe(value)} is not allowed; allowed: "
                f"{rule.allowed}"
            )
    return dict(values)


def load(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Defaults and per-notebook parameters of the file at ``path``, checked against the schema
    (``DataError`` for the file's layout, ``ParameterError`` for a parameter)."""
    spec = read_spec(path)
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise DataError(f"{path}: must be a mapping with the keys {list(TOP_LEVEL)}")
    unknown = [k for k in spec if k not in TOP_LEVEL]
    if unknown:
        raise DataError(
            f"{path}: unknown top-level key(s) {shown(unknown)}; allowed: {list(TOP_LEVEL)}"
        )
    defaults = check_section(path, "defaults", spec.get("defaults"))
    notebooks = spec.get("notebooks") or {}
    if not isinstance(notebooks, dict):
        raise DataError(
            f"{path}: notebooks: {_describe(notebooks)} is not allowed; allowed: a mapping of "
            "notebook names (e.g. 01_dataset_overview) to their parameters"
        )
    per_notebook = {}
    for name, values in notebooks.items():
        if not isinstance(name, str):
            raise DataError(f"{path}: notebooks: {_describe(name)} is not a notebook name")
        per_notebook[name] = check_section(path, f"notebooks.{clip(name)}", values)
    return defaults, per_notebook
