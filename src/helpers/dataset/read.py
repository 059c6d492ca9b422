"""Read a data directory into typed pandas DataFrames, as the schema declares them (no checks:
``helpers.dataset.load`` validates first).

Vocabularies become ordered categoricals; single-column primary and foreign keys become
categoricals that share the referenced table's keys (``helpers.keys``), so that joins are
array lookups; partial ISO dates (``2019``, ``2019-03``, ``2019-03-05``) become categoricals
of the distinct dates, so that each distinct date is parsed once, however many rows share it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.keys import encode_keys
from helpers.dataset.schema import Schema, Table


def read_table(data_dir: Path | str, table: Table) -> pd.DataFrame:
    """One table with the declared dtypes: vocabularies become ordered categoricals."""
    raw = pd.read_csv(
        Path(data_dir) / table.path, dtype=str, keep_default_na=False, encoding="utf-8"
    )
    frame = pd.DataFrame(index=raw.index)
    for field in table.fields:
        column = raw[field.name].replace("", None)
        if field.enum is not None:
            frame[field.name] = pd.Categorical(column, categories=field.enum)
        elif field.type == "integer":
            frame[field.name] = pd.to_numeric(column).astype("Int64")
        elif field.type == "boolean":
            frame[field.name] = column.map({"true": True, "false": False}).astype("boolean")
        elif field.type == "date":
            frame[field.name] = pd.to_datetime(column, format="%Y-%m-%d")
        else:
            frame[field.name] = column.astype("string")
    return frame


def read_dataset(data_dir: Path | str, schema: Schema | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a data directory, typed and encoded, without validating it."""
    schema = schema or Schema.of(data_dir)
    tables = {name: read_table(data_dir, table) for name, table in schema.tables.items()}
    return encode(tables, schema)


def encode(tables: dict[str, pd.DataFrame], schema: Schema) -> dict[str, pd.DataFrame]:
    """Key and partial-date columns as categoricals (see the module's docstring)."""
    tables = encode_keys(tables, schema)
    for name, group in DATE_GROUPS.items():
        for column in group.dates:
            if column in tables.get(name, {}):
                tables[name][column] = pd.Categorical(tables[name][column])
    return tables
