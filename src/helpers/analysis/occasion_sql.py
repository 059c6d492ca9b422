"""Occasions counted in DuckDB SQL, out of core, for tables too large for pandas: the same counts
as the pandas path (``occasions``, ``dataset_overview.counts_by_partner_year``), over the views
of ``helpers.dataset.duck.connect``; only the result comes back as a DataFrame.

The occasion is defined as in ``occasions.occasion_keys``: an event's occasion is its parent
visit, or itself; a meeting takes the year of its visit (a meeting whose visit is not in the
table keeps its own year); the year is the first four digits of the start date.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from helpers.dataset.dates import UNDATED, undated_last

OCCASION_COUNTS = """
WITH dated AS (
    SELECT event_id, partner_id, parent_event_id,
           TRY_CAST(substr(start_date, 1, 4) AS INTEGER) AS own_year
    FROM events
), keyed AS (
    SELECT e.partner_id,
           coalesce(e.parent_event_id, e.event_id) AS occasion,
           CASE WHEN e.parent_event_id IS NOT NULL AND p.event_id IS NOT NULL THEN p.own_year
                ELSE e.own_year END AS year
    FROM dated e LEFT JOIN dated p ON e.parent_event_id = p.event_id
), by_occasion AS (  -- grouped twice rather than count(DISTINCT): both steps can spill
    SELECT partner_id, year, occasion, count(*) AS events
    FROM keyed
    GROUP BY partner_id, year, occasion
)
SELECT partner_id, year, sum(events) AS events, count(*) AS occasions
FROM by_occasion
GROUP BY partner_id, year
"""


def occasion_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per partner and year (undated in a row of its own, last): events and occasions (each
    once), sorted by partner and year as ``counts_by_partner_year`` sorts them."""
    table = con.execute(OCCASION_COUNTS).df()
    table["partner_id"] = table.partner_id.astype("string")
    table["year"] = table.year.astype("Int64").astype("string").fillna(UNDATED)
    for column in ("events", "occasions"):
        table[column] = table[column].astype("int64")
    keys = ["partner_id", "year"]
    return table.sort_values(keys, key=undated_last).reset_index(drop=True)
