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

# the columns of an event that its reports state, and the report's column of each
STATED = {
    "place": "place_as_stated",
    "mode": "mode",
    "visiting_side": "visiting_side",
    "hosting_side": "hosting_side",
}
DATE = ("start_date", "end_date", "date_precision", "date_inferred")  # the same in both tables


def _event_rows(reports: pd.DataFrame, events: pd.DataFrame) -> np.ndarray:
    """Row of ``events`` that each report points at (-1: none)."""
    index = pd.Index(events.event_id.astype("string").array)
    return index.get_indexer(reports.event_id.astype("string").array)


def pick_dates(
    group: np.ndarray, n_groups: int, dates: pd.Series, precision: pd.Series, inferred: pd.Series
) -> np.ndarray:
    """Per group (0 .. n_groups - 1; -1: no group), the row whose date rules R1-R3 pick: the
    finest precision, then the earliest date, then stated before inferred, then the first row
    (-1 where no row of the group has a date)."""
    rank = precision.astype("string").map({p: i for i, p in enumerate(PRECISIONS)})
    lo, _ = date_intervals(dates, precision)
    order = pd.DataFrame(
        {
            "group": group,
            "rank": rank.to_numpy(dtype=float),
            "lo": lo.array,
            "inferred": inferred.fillna(True).to_numpy(dtype=bool),
            "row": np.arange(len(dates)),
        }
    )
    order = order[(order.group >= 0) & order["rank"].notna() & order.lo.notna()]
    order = order.sort_values(["group", "rank", "lo", "inferred", "row"], kind="stable")
    first = order.drop_duplicates("group")
    chosen = np.full(n_groups, -1, dtype=np.int64)
    chosen[first.group.to_numpy()] = first.row.to_numpy()
    return chosen


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
    frame = pd.DataFrame({"event": event, "value": reports[column].astype("string").array})
    frame = frame[(frame.event >= 0) & frame.value.notna()].drop_duplicates()
    counts = np.bincount(frame.event.to_numpy(dtype=np.int64), minlength=len(events))
    return counts > 1
