"""The dataset's schema: one declaration (``data/datapackage.json``) read by everything else.

The Frictionless descriptor declares tables, columns, types, keys, foreign keys and controlled
vocabularies. Validation, typed loading and the codebook's variable tables all read it from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as _field
from functools import cached_property
from pathlib import Path
from typing import Any

from helpers.errors import DataError
from helpers.paths import DESCRIPTOR_NAME, PROJECT_DATA


@dataclass(frozen=True)
class Field:
    """One column of a table, as the descriptor declares it."""

    name: str
    type: str
    description: str
    constraints: dict[str, Any]
    descriptor: dict[str, Any] = _field(default_factory=dict, compare=False, repr=False)

    @property
    def format(self) -> str:
        return str(self.descriptor.get("format", "default"))

    @property
    def true_values(self) -> list[str]:
        """Spellings of true (Table Schema's default unless the field declares its own)."""
        return list(self.descriptor.get("trueValues", ["true", "True", "TRUE", "1"]))

    @property
    def false_values(self) -> list[str]:
        return list(self.descriptor.get("falseValues", ["false", "False", "FALSE", "0"]))

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def enum(self) -> list[str] | None:
        return self.constraints.get("enum")


@dataclass(frozen=True)
class Table:
    """One resource (a CSV file) of the data package."""

    name: str
    title: str
    description: str
    path: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict[str, Any], ...]
    role: str = "data"  # "vocabulary": a controlled vocabulary kept as a table (themes, code lists)
    missing_values: tuple[str, ...] = ("",)  # cells that mean "no value"

    @property
    def is_vocabulary(self) -> bool:
        return self.role == "vocabulary"

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


class Schema:
    """The data package descriptor of one data directory."""

    def __init__(self, descriptor_path: Path):
        self.path = Path(descriptor_path)
        try:
            self.descriptor: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(
                f"{self.path}: no data package descriptor; copy {PROJECT_DATA / DESCRIPTOR_NAME}"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{self.path}: not valid JSON ({exc})") from None
        self._check_shape()

    def _check_shape(self) -> None:
        """The descriptor is an object whose resources each have a name, a path and fields."""
        resources = self.descriptor.get("resources") if isinstance(self.descriptor, dict) else None
        if not isinstance(resources, list):
            raise DataError(f"{self.path}: must be a JSON object with a list of 'resources'")
        for i, res in enumerate(resources):
            fields = (res.get("schema") or {}).get("fields") if isinstance(res, dict) else None
            missing = [
                k
                for k in ("name", "path")
                if not isinstance(res, dict) or not isinstance(res.get(k), str)
            ]
            if (
                missing
                or not isinstance(fields, list)
                or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields)
            ):
                what = ", ".join(missing) or "schema.fields"
                raise DataError(f"{self.path}: resource {i + 1} lacks a valid {what}")

    @classmethod
    def of(cls, data_dir: Path | str) -> Schema:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise DataError(f"data directory {str(data_dir)!r} does not exist")
        return cls(data_dir / DESCRIPTOR_NAME)

    @classmethod
    def project(cls) -> Schema:
        return cls(PROJECT_DATA / DESCRIPTOR_NAME)

    @cached_property
    def tables(self) -> dict[str, Table]:
        tables = {}
        for res in self.descriptor.get("resources", []):
            schema = res.get("schema", {})
            fields = tuple(
                Field(
                    f["name"],
                    f.get("type", "string"),
                    f.get("description", ""),
                    f.get("constraints", {}),
                    f,
                )
                for f in schema.get("fields", [])
            )
            tables[res["name"]] = Table(
                name=res["name"],
                title=res.get("title", res["name"]),
                description=res.get("description", ""),
                path=res["path"],
                fields=fields,
                primary_key=tuple(schema.get("primaryKey", [])),
                foreign_keys=tuple(schema.get("foreignKeys", [])),
                role=str(res.get("role", "data")),
                missing_values=tuple(schema.get("missingValues", [""])),
            )
        return tables

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise DataError(f"{self.path}: no table {name!r}") from None

    def enum(self, table: str, column: str) -> list[str]:
        """The controlled vocabulary of a column."""
        values = self.table(table).field(column).enum
        if values is None:
            raise KeyError(f"{table}.{column} has no controlled vocabulary")
        return list(values)
