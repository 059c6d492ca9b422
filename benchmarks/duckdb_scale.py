"""Occasion counts at 1,000,000 to 100,000,000 events: the DuckDB path (out of core, over
Parquet) against the pandas path (the table in memory), each in a process of its own so that
its peak memory can be measured (`make bench` runs it; or by hand:
``python benchmarks/duckdb_scale.py write|duckdb|pandas FILE [N]``).

The events are random and synthetic, written as Parquet by DuckDB itself, so that no size
needs the table in memory: a third of them meetings in an earlier visit, a twentieth undated,
twenty partners, 25 years.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

EVENTS = """
COPY (
    SELECT 'E' || lpad(i::VARCHAR, 9, '0') AS event_id,
           'P' || lpad((hash(i, 1) % 20)::VARCHAR, 2, '0') AS partner_id,
           CASE WHEN hash(i, 2) % 3 = 0 THEN 'talks' ELSE 'visit' END AS event_type,
           CASE WHEN i > 0 AND hash(i, 2) % 3 = 0
                THEN 'E' || lpad(greatest(i - 1 - hash(i, 3) % 3, 0)::VARCHAR, 9, '0') END
               AS parent_event_id,
           CASE WHEN hash(i, 4) % 20 <> 0
                THEN (2000 + hash(i, 5) % 25)::VARCHAR || '-'
                     || lpad((1 + hash(i, 6) % 12)::VARCHAR, 2, '0') END AS start_date
    FROM range({n}) t(i)
) TO '{path}' (FORMAT parquet)
"""


def write_events(folder: Path, n: int) -> Path:
    """``folder/events.parquet`` with ``n`` synthetic events (written by DuckDB, out of core)."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.parquet"
    duckdb.connect().execute(EVENTS.format(n=int(n), path=str(path).replace("'", "''")))
    return path


def duckdb_counts(folder: Path, memory_limit: str = "1GB") -> int:
    """Occasions per partner and year in DuckDB SQL; returns the number of occasions."""
    from helpers.analysis.occasion_sql import occasion_counts
    from helpers.dataset.duck import connect

    con = connect(folder, memory_limit=memory_limit, temp_directory=folder / "spill")
    return int(occasion_counts(con).occasions.sum())


def pandas_counts(folder: Path) -> int:
    """The same counts the pandas way: the table read into memory, then the helpers."""
    import pandas as pd

    from helpers.analysis.occasions import occasions
    from helpers.analysis.tally import tally
    from helpers.dataset.keys import codes

    events = pd.read_parquet(folder / "events.parquet", dtype_backend="numpy_nullable")
    occ = occasions(events)
    counts = tally(
        occ.assign(occasion=codes(occ.occasion_id)[0]),
        ["partner_id", "year"],
        count="events",
        distinct={"occasions": "occasion"},
    )
    return int(counts.occasions.sum())


def main() -> None:
    what, folder = sys.argv[1], Path(sys.argv[2])
    import duckdb  # noqa: F401 - the libraries imported before the clock starts
    import pandas  # noqa: F401

    import helpers.analysis.occasion_sql  # noqa: F401
    import helpers.analysis.occasions  # noqa: F401

    start = time.perf_counter()
    if what == "write":
        write_events(folder, int(sys.argv[3]))
        print(f"{time.perf_counter() - start:.2f}")
        return
    occasions = duckdb_counts(folder) if what == "duckdb" else pandas_counts(folder)
    print(f"{time.perf_counter() - start:.2f} {occasions}")


if __name__ == "__main__":
    main()
