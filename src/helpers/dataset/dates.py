"""Partial dates, as the codebook records them: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, with a
precision (year, month, day) saying which. Everything that reads, orders or coarsens such a date
is here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.dataset.keys import groups, values

# precision -> length of the ISO text, finest first
PRECISION_LENGTH = {"day": 10, "month": 7, "year": 4}
PRECISIONS = tuple(PRECISION_LENGTH)  # as the schema declares date_precision
DAY = PRECISIONS[0]  # the day is known
NO_DATE = "no date"  # the precision label of a row without a date (tables and figures)
UNDATED = "undated"  # the year label of a row without a date


@dataclass(frozen=True)
class DateGroup:
    """Columns that together record one date under the codebook's precision rules."""

    start: str
    precision: str
    inferred: str
    reason: str
    as_stated: str | None  # None: the table holds no date words (a reconciled date)
    end: str | None = None

    @property
    def dates(self) -> tuple[str, ...]:
        """The columns holding a (partial) ISO date."""
        return (self.start,) if self.end is None else (self.start, self.end)


# Codebook knowledge the descriptor cannot hold: which columns together record one date.
DATE_GROUPS: dict[str, DateGroup] = {
    "events": DateGroup(
        "start_date", "date_precision", "date_inferred", "date_inference_reason", None, "end_date"
    ),
    "reports": DateGroup(
        "start_date",
        "date_precision",
        "date_inferred",
        "date_inference_reason",
        "date_as_stated",
        end="end_date",
    ),
    "instrument_steps": DateGroup(
        "date", "date_precision", "date_inferred", "date_inference_reason", "date_as_stated"
    ),
}


def parse_partial_date(text: str) -> dt.date:
    """Earliest calendar day of a YYYY, YYYY-MM or YYYY-MM-DD string; ValueError if impossible."""
    parts = [int(p) for p in text.split("-")]
    return dt.date(*(parts + [1] * (3 - len(parts))))


def coarsen(date: str, precision: str) -> tuple[str, str] | None:
    """The same date one step coarser (day -> month -> year), or None if it is a year already."""
    if precision not in PRECISIONS or precision == PRECISIONS[-1]:
        return None
    coarser = PRECISIONS[PRECISIONS.index(precision) + 1]
    return date[: PRECISION_LENGTH[coarser]], coarser


def precision_rank(precision: pd.Series) -> pd.Series:
    """Sort key of precision labels: finest first, ``no date`` last."""
    return precision.map({p: i for i, p in enumerate([*PRECISIONS, NO_DATE])})


def year_of(dates: pd.Series) -> pd.Series:
    """Year of partial dates at any precision; NA if undated.

    Each distinct date is parsed once (a table holds far fewer dates than rows).
    """
    found, uniques = values(dates)
    parsed = pd.to_numeric(uniques.astype("string").str.slice(0, 4), errors="coerce")
    lookup = np.append(parsed.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return pd.Series(lookup[found], index=dates.index).astype("Int64")


def year_label(years: pd.Series) -> pd.Series:
    """Years as text, with undated rows labelled as such (for tables and axes)."""
    return years.astype("string").fillna(UNDATED)


def undated_last(labels: pd.Series) -> pd.Series:
    """Sort key of year labels: the years in order, ``undated`` after them."""
    return labels.astype(str).replace(UNDATED, "9999")


def sorted_year_labels(labels: pd.Series) -> list[str]:
    """The distinct year labels in order, ``undated`` last."""
    return sorted(set(labels.astype(str)), key=lambda y: (y == UNDATED, y))


def year_axis(labels: pd.Series, years: tuple[int, ...] = ()) -> list[str]:
    """Year labels for an axis: every year of ``years`` and every year found in ``labels`` with
    the gaps between them filled (an empty year stays visible), then ``undated`` if found."""
    found = sorted_year_labels(labels)
    dated = [int(y) for y in found if y != UNDATED] + list(years)
    span = [str(y) for y in range(min(dated), max(dated) + 1)] if dated else []
    return span + ([UNDATED] if UNDATED in found else [])


def date_intervals(dates: pd.Series, precision: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First and last day each partial date leaves open: the day, the whole month or the whole
    year (NaT where there is no date). Each distinct (date, precision) pair is worked out once."""
    pairs = pd.DataFrame({"date": dates.array, "precision": precision.array})
    group, first = groups(pairs, ["date", "precision"])
    lo, hi = _intervals(pairs.date.iloc[first], pairs.precision.iloc[first])
    return lo.take(group).reset_index(drop=True), hi.take(group).reset_index(drop=True)


def _intervals(dates: pd.Series, precision: pd.Series) -> tuple[pd.Series, pd.Series]:
    dates = dates.astype("string").reset_index(drop=True)
    precision = precision.astype("string").reset_index(drop=True)
    padded = dates.where(precision != "month", dates + "-01").where(
        precision != "year", dates + "-01-01"
    )
    lo = pd.to_datetime(padded, format="%Y-%m-%d", errors="coerce")
    hi = lo.copy()
    month = (precision == "month").fillna(False).to_numpy()
    year = (precision == "year").fillna(False).to_numpy()
    hi[month] = lo[month] + pd.offsets.MonthEnd(0)
    hi[year] = lo[year] + pd.offsets.YearEnd(0)
    return lo, hi
