"""A typed columnar copy of a data package (Arrow IPC files, uncompressed), made once and read
by every kernel: reading it back is much faster than parsing and encoding the CSV files again.

The files are memory-mapped, not read: text columns stay in the mapped files (pandas' Arrow
strings point into them), so a kernel holds only the pages it touches, and kernels running side
by side share those pages (the system's file cache) instead of each holding a copy. A text
column no analysis reads (evidence, summaries) costs a kernel nothing.

A copy is keyed by the data package's checksum (``helpers.dataset.checksum``) and by the code
that types and encodes the tables (the modules of ``helpers.dataset``), so that a change to
either makes a new copy and an old one is never read. Copies live in ``build/columnar/`` of
the project (ignored by git; never in the data folder, which is the user's); the newest few are
kept. Every table reads back with the dtypes ``read_dataset`` gives it (categoricals with
their categories and order, nullable integers and booleans, strings).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from helpers.dataset.checksum import data_checksum, file_digest
from helpers.paths import PROJECT_ROOT

CACHE = PROJECT_ROOT / "build" / "columnar"
KEEP = 4  # copies kept (the newest), so that the folder does not grow without end
KEEP_BYTES = 4 * 2**30  # and older copies only while all of them together stay below this
LAYOUT = "layout.json"  # each categorical column's categories (by number) and order
SUFFIX = ".arrow"
# Arrow's text types as pandas' text dtype on Arrow storage (the dtype ``read_dataset`` gives),
# which keeps the mapped buffers instead of copying them
_TEXT = {pa.large_string(): pd.StringDtype("pyarrow"), pa.string(): pd.StringDtype("pyarrow")}


def table_path(folder: Path, name: str) -> Path:
    """The file of table (or set of categories) ``name`` in the copy ``folder``."""
    return folder / f"{name}{SUFFIX}"


def read_arrow(path: Path) -> pa.Table:
    """The Arrow table of one file of a copy, memory-mapped (its buffers are the file's pages)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _frame(path: Path) -> pd.DataFrame:
    # one block per column: consolidating columns into 2-D blocks would copy the mapped buffers
    return read_arrow(path).to_pandas(types_mapper=_TEXT.get, split_blocks=True)


def copy_key(data_dir: Path | str) -> str:
    """The data package's checksum combined with that of the code that reads it."""
    digest = hashlib.sha256(data_checksum(data_dir).encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode())
        file_digest(path, digest)
    return digest.hexdigest()


def load_copy(key: str) -> dict[str, pd.DataFrame] | None:
    """The tables of the copy ``key``, or None when there is none (or it cannot be read)."""
    folder = CACHE / key
    try:
        layout = json.loads((folder / LAYOUT).read_text(encoding="utf-8"))
        categories = [
            pd.Index(_frame(table_path(folder, f"categories-{i}")).value.array, dtype=dtype)
            for i, dtype in enumerate(layout["categories"])
        ]
        tables = {}
        for name, columns in layout["tables"].items():
            frame = _frame(table_path(folder, name))
            for column, (index, ordered) in columns.items():
                dtype = pd.CategoricalDtype(categories[index], ordered=ordered)
                frame[column] = pd.Categorical.from_codes(frame[column].to_numpy(), dtype=dtype)
            tables[name] = frame
    except (OSError, ValueError, KeyError, IndexError, TypeError, pa.ArrowException):
        return None
    return tables


def save_copy(key: str, tables: dict[str, pd.DataFrame]) -> None:
    """Write the copy ``key`` (to a folder of its own, moved into place when complete). A
    categorical column is stored as its codes, and each distinct set of categories once (the
    keys that share the referenced table's categories share one file)."""
    folder = CACHE / key
    if folder.is_dir():
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=CACHE, prefix=f".{key[:12]}.", suffix=".new"))
    try:
        found: list[pd.Index] = []
        layout: dict = {"categories": [], "tables": {}}
        for name, frame in tables.items():
            plain, columns = frame.copy(deep=False), {}
            for column in frame:
                dtype = frame[column].dtype
                if not isinstance(dtype, pd.CategoricalDtype):
                    continue
                index = _position(found, dtype.categories)
                if index is None:
                    index = len(found)
                    found.append(dtype.categories)
                    layout["categories"].append(str(dtype.categories.dtype))
                columns[column] = (index, bool(dtype.ordered))
                plain[column] = frame[column].cat.codes.to_numpy()
            _write(plain, table_path(staging, name))
            layout["tables"][name] = columns
        for i, values in enumerate(found):
            _write(pd.DataFrame({"value": values}), table_path(staging, f"categories-{i}"))
        (staging / LAYOUT).write_text(json.dumps(layout, sort_keys=True), encoding="utf-8")
        try:
            os.rename(staging, folder)
        except OSError:  # another process made the same copy first
            return
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune()


def _write(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _position(found: list[pd.Index], categories: pd.Index) -> int | None:
    """Where ``categories`` (the same object, else equal values) is in ``found``, or None."""
    for i, known in enumerate(found):
        if known is categories:
            return i
    for i, known in enumerate(found):
        if known.dtype == categories.dtype and known.equals(categories):
            return i
    return None


def _size(folder: Path) -> int:
    """Bytes of the files in ``folder`` (0 for what another process removed meanwhile)."""
    try:
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    except OSError:
        return 0


def _prune() -> None:
    """Remove all but the ``KEEP`` newest copies, and the older ones past ``KEEP_BYTES`` in all
    (the newest always stays). A kernel still reading a removed copy keeps its mapped files
    until it ends."""
    copies = sorted(
        (p for p in CACHE.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    total = 0
    for rank, copy in enumerate(copies):
        total += _size(copy)
        if rank >= KEEP or (rank > 0 and total > KEEP_BYTES):
            shutil.rmtree(copy, ignore_errors=True)
