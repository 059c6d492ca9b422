"""Resource settings of the descriptor that the helpers do not follow, refused before any file
is opened: a path that leads out of the data folder (``../x.csv``, an absolute path, a URL, a
link to a file elsewhere), and a dialect, encoding, format or compression other than the
defaults. Every reader of the tables (the validator, Frictionless, ``read_table``) reads
comma-separated UTF-8 text from the data folder; these settings would make them disagree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from helpers.dataset.problem import Problem
from helpers.dataset.schema import Schema

DEFAULTS = "dialect/encoding must be the defaults: comma, UTF-8"
# a relative path of plain names, without "..", "~", variables, drives or URL schemes
PLAIN_PATH = re.compile(r"[\w.-]+(/[\w.-]+)*")
UTF8 = {"utf-8", "utf8"}
# dialect settings (Frictionless v1 at the top level, v5 under "csv") and their default values
DIALECT_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "delimiter": (",",),
    "quoteChar": ('"',),
    "doubleQuote": (True,),
    "lineTerminator": ("\r\n", "\n"),
    "skipInitialSpace": (False,),
    "header": (True,),
    "headerRows": ([1],),
}


def resource_problems(schema: Schema, data_dir: Path) -> list[Problem]:
    """Problems of the resources' paths and reading settings, on datapackage.json."""
    problems = []
    for resource in schema.descriptor["resources"]:
        name = resource["name"]
        for message, value in [*_path_problems(resource, data_dir), *_setting_problems(resource)]:
            text = f"resource {name!r}: {message}"
            problems.append(Problem(schema.path.name, None, None, value, "resource", text))
    return problems


def _path_problems(resource: dict[str, Any], data_dir: Path) -> list[tuple[str, str]]:
    path = resource["path"]
    outside = f"path {path!r} is not a file inside the data folder"
    if not PLAIN_PATH.fullmatch(path) or ".." in PurePosixPath(path).parts:
        return [(outside, path)]
    target = (data_dir / path).resolve()
    if not target.is_relative_to(data_dir.resolve()):
        return [(f"{outside} (it is a link to {target})", path)]
    return []


def _setting_problems(resource: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    encoding = resource.get("encoding")
    if encoding is not None and str(encoding).lower() not in UTF8:
        problems.append((f"encoding {encoding!r}: {DEFAULTS}", str(encoding)))
    dialect = resource.get("dialect")
    if dialect is not None and not _default_dialect(dialect):
        problems.append((f"dialect {_json(dialect)}: {DEFAULTS}", _json(dialect)))
    for key, default in (("format", "csv"), ("compression", None)):
        value = resource.get(key)
        if value is not None and value != default:
            problems.append((f"{key} {value!r}: the tables must be plain CSV files", str(value)))
    return problems


def _default_dialect(dialect: Any) -> bool:
    if not isinstance(dialect, dict):
        return False
    settings = {k: v for k, v in dialect.items() if k != "csv"}
    nested = dialect.get("csv", {})
    if not isinstance(nested, dict):
        return False
    settings.update(nested)
    return all(
        key in DIALECT_DEFAULTS and value in DIALECT_DEFAULTS[key]
        for key, value in settings.items()
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
