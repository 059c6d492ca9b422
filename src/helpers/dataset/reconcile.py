"""The reconciliation rule of the codebook (section 3, R1-R4): which of the dates that an event's
reports state becomes the event's date, and where the reports disagree.

R1: the most precise date any report states; R2: among equally precise dates, the earliest; R3:
among equal dates, one stated rather than inferred (then the first report in the file). Two
reports disagree on the date when the chosen date does not fall within the other's (a report of
the month agrees with a report of a day in that month). Everything is computed over whole
columns, one pass per table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.dataset.dates import PRECISIONS, date_intervals
from helpers.dataset.keys import codes, positions

# the columns of an event that its reports state, and the report's column of each
STATED = {
    "place": "place_as_stated",
    "mode": "mode",
    "visiting_side": "visiting_side",
    "hosting_side": "hosting_side",
}
DAY = 86_400 * 10**9  # nanoseconds
DATE = ("start_date", "end_date", "date_precision", "date_inferred")  # the same in both tables


def _event_rows(reports: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Row of ``events`` that each report points at (-1: none)."""
    return positions(reports.event_id, events.event_id)


def pick_dates(
    group: np.ndarray, n_groups: int, dates: pd.Series, precision: pd.Series, inferred: pd.Series
) -> np.ndarray:
    """Per group (0 .. n_groups - 1; -1: no group), the row whose date rules R1-R3 pick: the
    finest precision, then the earliest date, then stated before inferred, then the first row
    (-1 where no row of the group has a date)."""
    rank = _precision_rank(precision)
    lo, _ = date_intervals(dates, precision)
    lo = lo.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    inferred = inferred.fillna(True).to_numpy(dtype=bool)
    rows = np.arange(len(dates))
    keep = (group >= 0) & (rank >= 0) & (lo != np.iinfo(np.int64).min)  # NaT: the minimum
    rows = rows[keep]
    chosen = np.full(n_groups, -1, dtype=np.int64)
    day = lo[rows] // DAY
    if len(rows) and not np.any(lo[rows] - day * DAY):  # whole days: one number per row
        day -= day.min()
        order = (rank[rows] * (int(day.max()) + 1) + day) * 2 + inferred[rows]
        _first_least(chosen, group[rows], order, rows)
        return chosen
    order = np.lexsort((rows, inferred[rows], lo[rows], rank[rows], group[rows]))
    rows, sorted_group = rows[order], group[rows][order]
    first = np.concatenate([[True], sorted_group[1:] != sorted_group[:-1]])[: len(rows)]
    chosen[sorted_group[first]] = rows[first]
    return chosen


def _first_least(
    chosen: np.ndarray, group: np.ndarray, order: np.ndarray, rows: np.ndarray
) -> None:
    """Set ``chosen[g]`` to the first of ``rows`` of group ``g`` whose ``order`` is least (as a
    sort by group, order and row would pick it, without the sort)."""
    most = np.iinfo(np.int64).max
    least = np.full(len(chosen), most, dtype=np.int64)
    np.minimum.at(least, group, order)
    won = order == least[group]
    first = np.full(len(chosen), most, dtype=np.int64)
    np.minimum.at(first, group[won], rows[won])
    some = first < most
    chosen[some] = first[some]


def _precision_rank(precision: pd.Series) -> np.ndarray:
    """Finest first (day 0, month 1, year 2); -1 where there is no precision."""
    if isinstance(precision.dtype, pd.CategoricalDtype):  # by code: no text per row
        ranks = [PRECISIONS.index(c) if c in PRECISIONS else -1 for c in precision.cat.categories]
        return np.append(np.array(ranks, dtype=np.int64), -1)[precision.cat.codes.to_numpy()]
    mapped = precision.astype("string").map({p: i for i, p in enumerate(PRECISIONS)})
    return mapped.fillna(-1).to_numpy(dtype=np.int64)


def chosen_reports(reports: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Per event, the row of ``reports`` whose date the rule picks (-1: no report has a date)."""
    return pick_dates(
        _event_rows(reports, events),
        len(events),
        reports.start_date,
        reports.date_precision,
        reports.date_inferred,
    )


def date_disagrees(reports: pd.DataFrame, events: pd.DataFrame, chosen: np.ndarray) -> np.ndarray:
    """Per event: whether a dated report's date leaves out the chosen date (they disagree)."""
    event = _event_rows(reports, events)
    lo, hi = date_intervals(reports.start_date, reports.date_precision)
    lo, hi = lo.to_numpy(), hi.to_numpy()
    at = np.where(event >= 0, chosen[np.maximum(event, 0)], -1)
    dated = (at >= 0) & ~pd.isna(lo)
    pick = np.maximum(at, 0)
    outside = dated & ((lo[pick] < lo) | (lo[pick] > hi))
    found = np.zeros(len(events), dtype=bool)
    found[event[outside]] = True
    return found


def value_disagrees(reports: pd.DataFrame, events: pd.DataFrame, column: str) -> np.ndarray:
    """Per event: whether its reports state more than one value of ``column``."""
    event = _event_rows(reports, events)
    value, n = codes(reports[column])
    keep = (event >= 0) & (value >= 0)
    low = np.full(len(events), n, dtype=np.int64)
    high = np.full(len(events), -1, dtype=np.int64)
    np.minimum.at(low, event[keep], value[keep])
    np.maximum.at(high, event[keep], value[keep])
    return high > low
