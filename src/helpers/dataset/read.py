"""Read a data directory into typed pandas DataFrames, as the schema declares them (no checks:
``helpers.dataset.load`` validates first).

Vocabularies become ordered categoricals; single-column primary and foreign keys become
categoricals that share the referenced table's keys (``helpers.keys``), so that joins are
array lookups; partial ISO dates (``2019``, ``2019-03``, ``2019-03-05``) become categoricals
of the distinct dates, so that each distinct date is parsed once, however many rows share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.keys import encode_keys, key_columns
from helpers.dataset.records import read_well_formed
from helpers.dataset.schema import Field, Schema, Table

DIGITS = re.compile(r"[+-]?[0-9]+")
NOT_DIGITS = "not a whole number written with the digits 0-9"
TYPED = ("integer", "boolean", "date")  # types ``_typed`` reads as other than text


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
    return _read_table(Path(data_dir) / table.path, table, {})


def _read_table(path: Path, table: Table, encoded: dict[str, bool]) -> pd.DataFrame:
    """``read_table``, with the text columns named in ``encoded`` as categoricals of their
    distinct values (True: sorted, as ``encode`` makes them; False: in the order found), which
    ``encode`` turns into the same columns as it would their text.

    A well-formed file is read by the validator's reader (``records``) into dictionary-encoded
    columns, and each column's distinct cells are typed once; any other file is read by pandas
    as text, cell by cell."""
    columns = _distinct_cells(path)
    if columns is None:
        return _read_text(path, table)
    n_rows = len(next(iter(columns.values()))[1]) if columns else 0
    frame = pd.DataFrame(index=pd.RangeIndex(n_rows))
    cells = []
    for field in table.fields:
        distinct, codes = columns[field.name]
        found, problems = _typed_cells(field, distinct)
        if problems:  # named by row: type the column's cells themselves
            cells += _typed_cells(field, distinct.take(codes).reset_index(drop=True))[1]
        elif not cells:
            frame[field.name] = _spread(found, codes, encoded.get(field.name))
    if cells:
        raise CellErrors(cells)
    return frame


def _read_text(path: Path, table: Table) -> pd.DataFrame:
    """``read_table`` through pandas' reader, every cell as text (an empty cell is missing)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = pd.DataFrame(index=raw.index)
    cells = []
    for field in table.fields:
        found, problems = _typed_cells(field, raw[field.name].replace("", None))
        cells += problems
        if not problems:
            frame[field.name] = found
    if cells:
        raise CellErrors(cells)
    return frame


def _distinct_cells(path: Path) -> dict[str, tuple[pd.Series, np.ndarray]] | None:
    """Each column's distinct cells (text as pandas reads it, an empty cell missing) and the
    position of each row's cell among them; None where pandas might read the file otherwise
    than the fast reader does: a file that is not well formed, a blank line (pandas skips it,
    as it skips a line of spaces in a table of one column), a header with an empty or repeated
    label (pandas renames them), a last line that does not end (a quote left open at the end
    of the file reads to its end)."""
    data = path.read_bytes()
    try:
        records = read_well_formed(path, data)
    except UnicodeDecodeError:  # in the header
        return None
    if (
        records is None
        or len(set(records.labels)) < len(records.labels)
        or "" in records.labels
        or not data.endswith(b"\n")
    ):
        return None
    last = records.columns[-1]
    if records.n_rows and str(last[len(last) - 1].as_py()).endswith(("\n", "\r")):
        return None
    try:  # the fast reader leaves the UTF-8 of dictionary-encoded text unchecked
        for column in records.columns:
            if column.num_chunks:
                column.chunk(0).dictionary.validate(full=True)
    except pa.ArrowInvalid:
        return None
    columns = {
        label: _distinct(column)
        for label, column in zip(records.labels, records.columns, strict=True)
    }
    if _empty_rows(columns.values()).any() and (b"\n\n" in data or b"\n\r\n" in data):
        return None  # the fast reader reads a blank line as a row of empty cells
    if len(columns) == 1 and next(iter(columns.values()))[0].fillna("").str.strip().eq("").any():
        return None  # pandas skips a line of spaces as blank, where it is a cell here
    return columns


def _empty_rows(columns: Iterable[tuple[pd.Series, np.ndarray]]) -> np.ndarray:
    """Rows whose every cell is empty."""
    empty: np.ndarray | None = None
    for distinct, codes in columns:
        here = distinct.isna().to_numpy()[codes]
        empty = here if empty is None else empty & here
    return np.zeros(0, dtype=bool) if empty is None else empty


def _distinct(column: pa.ChunkedArray) -> tuple[pd.Series, np.ndarray]:
    """A dictionary-encoded column (one dictionary for all chunks) as its distinct cells, typed
    as pandas reads text, and each row's position among them."""
    if column.num_chunks == 0:
        return pd.Series([], dtype=str), np.zeros(0, dtype=np.int32)
    dictionary = column.chunk(0).dictionary
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in column.chunks])
    return pd.Series(dictionary.to_pandas(), dtype=str).replace("", None), codes


def _typed_cells(field: Field, column: pd.Series) -> tuple[pd.Series | pd.Categorical, list]:
    """The column typed, or the cells that cannot be read as its type."""
    try:
        return _typed(field, column), []
    except CellErrors as exc:
        return column, exc.cells
    except (ValueError, TypeError, OverflowError) as exc:
        return column, _failing_cells(field, column, exc)


def _spread(
    found: pd.Series | pd.Categorical, codes: np.ndarray, encoded: bool | None
) -> pd.Categorical | pd.api.extensions.ExtensionArray:
    """The typed distinct cells ``found`` taken for each row (``codes``); text as a categorical
    when ``encoded`` is set (see ``_read_table``)."""
    if encoded is not None and not isinstance(found.dtype, pd.CategoricalDtype):
        found = pd.Categorical(found) if encoded else _as_found(pd.Series(found))
    if isinstance(found.dtype, pd.CategoricalDtype):
        found = pd.Categorical(found)
        return pd.Categorical.from_codes(found.codes[codes], dtype=found.dtype, validate=False)
    return pd.Series(found).array.take(codes)


def _as_found(values: pd.Series) -> pd.Categorical:
    """Distinct values (missing at most once) as a categorical in their order."""
    present = values.notna().to_numpy()
    categories = pd.Index(values[present].array)
    positions = np.where(present, np.cumsum(present) - 1, -1)
    return pd.Categorical.from_codes(positions, dtype=pd.CategoricalDtype(categories))


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
    tables = {
        name: _read_table(Path(data_dir) / table.path, table, _encoded(schema, table))
        for name, table in schema.tables.items()
    }
    return encode(tables, schema)


def _encoded(schema: Schema, table: Table) -> dict[str, bool]:
    """The text columns of ``table`` that ``encode`` makes categoricals: partial dates (sorted)
    and the keys ``encode_keys`` shares (in the order found)."""
    text = {f.name for f in table.fields if f.enum is None and f.type not in TYPED}
    dates = getattr(DATE_GROUPS.get(table.name), "dates", ())
    encoded = {column: True for column in dates if column in text}
    for column in key_columns(schema, table):
        if column in text:
            encoded.setdefault(column, False)
    return encoded


def encode(tables: dict[str, pd.DataFrame], schema: Schema) -> dict[str, pd.DataFrame]:
    """Key and partial-date columns as categoricals (see the module's docstring)."""
    tables = encode_keys(tables, schema)
    for name, group in DATE_GROUPS.items():
        for column in group.dates:
            if column in tables.get(name, {}):
                tables[name][column] = pd.Categorical(tables[name][column])
    return tables
