"""Read a data directory into typed pandas DataFrames, as the schema declares them (no checks:
``helpers.dataset.load`` validates first).

Vocabularies become ordered categoricals; single-column primary and foreign keys become
categoricals that share the referenced table's keys (``helpers.keys``), so that joins are
array lookups; partial ISO dates (``2019``, ``2019-03``, ``2019-03-05``) become categoricals
of the distinct dates, so that each distinct date is parsed once, however many rows share it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.keys import encode_keys
from helpers.dataset.schema import Field, Schema, Table

DIGITS = re.compile(r"[+-]?[0-9]+")
NOT_DIGITS = "not a whole number written with the digits 0-9"


class CellErrors(ValueError):
    """Cells that cannot be read as their column's type: ``cells`` holds (row, column, value,
    message), ``row`` 0-based as pandas numbers the table's rows (None: not known)."""

    def __init__(self, cells: list[tuple[int | None, str, str | None, str]]):
        self.cells = cells
        super().__init__(
            "; ".join(f"row {r}, column {c!r}, value {v!r}: {m}" for r, c, v, m in cells)
        )


def read_table(data_dir: Path | str, table: Table) -> pd.DataFrame:
    """One table with the declared dtypes: vocabularies become ordered categoricals.

    Raises CellErrors naming every cell that cannot be read as its column's type."""
    raw = pd.read_csv(
        Path(data_dir) / table.path, dtype=str, keep_default_na=False, encoding="utf-8"
    )
    frame = pd.DataFrame(index=raw.index)
    cells = []
    for field in table.fields:
        column = raw[field.name].replace("", None)
        try:
            frame[field.name] = _typed(field, column)
        except CellErrors as exc:
            cells += exc.cells
        except (ValueError, TypeError, OverflowError) as exc:
            cells += _failing_cells(field, column, exc)
    if cells:
        raise CellErrors(cells)
    return frame


def _typed(field: Field, column: pd.Series) -> pd.Series | pd.Categorical:
    if field.enum is not None:
        return pd.Categorical(column, categories=field.enum)
    if field.type == "integer":
        # Python's int() and pandas also read "1_0", " 7" and digits of other scripts ("١٢")
        wrong = ~column.str.fullmatch(DIGITS, na=True).astype(bool)
        if wrong.any():
            found = np.flatnonzero(wrong.to_numpy())
            raise CellErrors([(int(i), field.name, column.iloc[i], NOT_DIGITS) for i in found])
        return pd.to_numeric(column).astype("Int64")
    if field.type == "boolean":
        return column.map({"true": True, "false": False}).astype("boolean")
    if field.type == "date":
        return pd.to_datetime(column, format="%Y-%m-%d")
    return column.astype("string")


def typed_column(table: Table, name: str, cells: Sequence[str]) -> pd.Series:
    """The cells of one column of ``table`` (as text, an empty cell as "") typed as
    ``read_dataset`` types them (a partial date as a categorical of its distinct dates); not
    for key columns, whose categories are the referenced table's keys."""
    column = pd.Series(cells, dtype=object).replace("", None)
    typed = pd.Series(_typed(table.field(name), column))
    if name in getattr(DATE_GROUPS.get(table.name), "dates", ()):
        return pd.Series(pd.Categorical(typed))
    return typed


def _failing_cells(field: Field, column: pd.Series, exc: Exception) -> list:
    """The cells of a column that failed to convert as a whole, each converted alone (only run
    once a conversion has failed)."""
    cells = []
    for i, value in enumerate(column):
        if pd.isna(value):
            continue
        try:
            _typed(field, pd.Series([value], dtype=object))
        except (ValueError, TypeError, OverflowError) as cell_exc:
            cells.append((i, field.name, value, f"cannot be read as {field.type}: {cell_exc}"))
    return cells or [(None, field.name, None, f"cannot be read as {field.type}: {exc}")]


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
