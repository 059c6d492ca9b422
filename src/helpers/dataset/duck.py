"""Tables larger than memory: a DuckDB connection with a view per table, so that SQL scans and
aggregates them out of core (DuckDB spills to disk past its memory limit).

Two sources: a data package, read through its typed columnar copy (``columnar``, made first
when missing: memory-mapped Arrow files, which DuckDB scans in place; each categorical column
is decoded from its codes by a join with its set of categories, so the views hold the values
the CSV files hold); or a folder of Parquet files with
plain values, one per table (``<table>.parquet``, or a folder ``<table>/`` of parts), such as
machine-coded event data written by another tool. Column names are those of the data package.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

from helpers.dataset.columnar import CACHE, LAYOUT, copy_key, read_arrow, table_path
from helpers.dataset.load import read_typed, require_valid_once
from helpers.errors import DataError
from helpers.paths import DESCRIPTOR_NAME


def connect(
    source: Path | str,
    *,
    validate: bool = True,
    memory_limit: str | None = None,
    temp_directory: Path | str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB database with a view per table of ``source`` (a data package,
    validated first unless ``validate`` is false, or a folder of Parquet files). ``memory_limit``
    (e.g. ``"2GB"``) caps DuckDB's memory, beyond which it spills to ``temp_directory``."""
    source = Path(source)
    con = duckdb.connect()
    if memory_limit is not None:
        con.execute("SET memory_limit = ?", [memory_limit])
    if temp_directory is not None:
        con.execute("SET temp_directory = ?", [str(temp_directory)])
    if (source / DESCRIPTOR_NAME).is_file():
        _package_views(con, package_copy(source, validate=validate))
    else:
        _parquet_views(con, source)
    return con


def package_copy(data_dir: Path | str, *, validate: bool = True) -> Path:
    """The folder of the data package's columnar copy, made (and the data validated) first."""
    if validate:
        require_valid_once(data_dir)
    folder = CACHE / copy_key(data_dir)
    if not (folder / LAYOUT).is_file():
        read_typed(data_dir)  # writes the copy
    return folder


def _package_views(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    layout = json.loads((folder / LAYOUT).read_text(encoding="utf-8"))
    for i in range(len(layout["categories"])):
        values = read_arrow(table_path(folder, f"categories-{i}"))
        # each value's code is its row number
        codes = values.append_column("code", pa.array(range(values.num_rows), pa.int64()))
        con.register(f"_categories_{i}", codes)
    for name, columns in layout["tables"].items():
        decoded = ", ".join(f"c{n}.value AS {_name(c)}" for n, c in enumerate(columns))
        joins = " ".join(
            f"LEFT JOIN _categories_{index} c{n} ON t.{_name(c)} = c{n}.code"
            for n, (c, (index, _)) in enumerate(columns.items())
        )
        star = f"t.* REPLACE ({decoded})" if columns else "t.*"
        con.register(f"_codes_{name}", read_arrow(table_path(folder, name)))
        con.execute(
            f"CREATE VIEW {_name(name)} AS SELECT {star} FROM {_name('_codes_' + name)} t {joins}"
        )


def _parquet_views(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder of Parquet files (or data package)")
    found = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet" and path.is_file():
            pattern = path
        elif path.is_dir() and any(path.glob("*.parquet")):
            pattern = path / "*.parquet"
        else:
            continue
        name = path.name.removesuffix(".parquet")
        con.execute(f"CREATE VIEW {_name(name)} AS SELECT * FROM read_parquet({_literal(pattern)})")
        found += 1
    if not found:
        raise DataError(
            f"{folder}: no {DESCRIPTOR_NAME}, and no <table>.parquet file or <table>/ folder of "
            "Parquet files in it"
        )


def _literal(path: Path) -> str:
    """A path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _name(identifier: str) -> str:
    """A table or column name as a quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'
