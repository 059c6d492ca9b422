"""Notebook parameters: check them against the data and cut the dataset down to the scope asked.

Every check runs before anything is written, and an error names the parameter and the values
it allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.occasions import occasion_keys
from helpers.dataset.dates import year_of
from helpers.dataset.keys import positions
from helpers.dataset.load import load_dataset
from helpers.dataset.schema import Schema
from helpers.dataset.vocabulary import OBSERVER
from helpers.errors import ParameterError, shown
from helpers.paths import PROJECT_DATA

ALL = "all"


@dataclass(frozen=True)
class Scope:
    """The checked parameters of one notebook run and the tables cut to them."""

    data_dir: Path  # where the tables were read (messages point at its files)
    partners: tuple[str, ...]
    year_from: int | None
    year_to: int | None
    theme_kinds: tuple[str, ...]
    include_observers: bool
    tables: dict[str, pd.DataFrame]
    all_partners: tuple[str, ...]  # every partner of the dataset, whatever the scope
    # the whole dataset as loaded, before the cut (a table the scope leaves whole is shared)
    loaded: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def parameters(self) -> dict:
        """The parameters that cut another data folder to the same scope (``resolve``)."""
        return {
            "partners": list(self.partners) if self.partners != self.all_partners else ALL,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "theme_kind": self.theme_kinds[0] if len(self.theme_kinds) == 1 else ALL,
            "include_observers": self.include_observers,
        }

    def years(self) -> tuple[int, ...]:
        """Every year from the first to the last dated occasion or agreement in scope (empty
        years included), for year axes that show the whole span."""
        _, occasion_year = occasion_keys(self.tables["events"])
        found = pd.concat([occasion_year, year_of(self.tables["instrument_steps"].date)]).dropna()
        return tuple(range(int(found.min()), int(found.max()) + 1)) if len(found) else ()

    def vocabulary(self, table: str, column: str) -> list[str]:
        """The controlled vocabulary of a column, in the order the schema declares it."""
        return [str(v) for v in self.tables[table][column].cat.categories]

    @property
    def years_label(self) -> str:
        if self.year_from is None and self.year_to is None:
            return "all years"
        if self.year_to is None:
            return f"from {self.year_from}"
        if self.year_from is None:
            return f"up to {self.year_to}"
        return f"{self.year_from}–{self.year_to}"


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    """A list parameter in any form users type: a list, ``all``, or a string such as
    ``VNM,CHN``, ``VNM CHN``, ``[VNM, CHN]`` or ``["VNM", "CHN"]`` (papermill's ``-p`` passes
    a string)."""
    if value is None or (isinstance(value, str) and value.strip().lower() == ALL):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = (v.strip().strip("'\"") for v in re.split(r"[,\s]+", text))
        return [v for v in items if v]
    return list(value)


def resolve(
    data_dir: str | Path | None = None,
    partners: str | Iterable[str] | None = ALL,
    year_from: int | None = None,
    year_to: int | None = None,
    theme_kind: str = ALL,
    include_observers: bool = True,
    *,
    validate: bool = True,
) -> Scope:
    """Load (and validate) ``data_dir`` (None: the project's ``data/``), check every parameter,
    return the tables in scope."""
    data_dir = PROJECT_DATA if data_dir is None else Path(data_dir)
    if not data_dir.is_dir():
        raise ParameterError(f"data_dir: directory {str(data_dir)!r} does not exist")
    tables = load_dataset(data_dir, validate=validate)
    return scoped(tables, data_dir, partners, year_from, year_to, theme_kind, include_observers)


def scoped(
    tables: dict[str, pd.DataFrame],
    data_dir: Path,
    partners: str | Iterable[str] | None = ALL,
    year_from: int | None = None,
    year_to: int | None = None,
    theme_kind: str = ALL,
    include_observers: bool = True,
) -> Scope:
    """``resolve`` on tables already loaded from ``data_dir`` (typed as ``load_dataset`` gives
    them; left unchanged): check every parameter, return the tables in scope. Tables that the
    scope leaves whole are the loaded frames themselves, not copies."""
    known = sorted(tables["partners"].partner_id.dropna())
    wanted = _as_list(partners)
    if wanted is not None:
        unknown = [p for p in wanted if p not in known]
        if unknown or not wanted:
            raise ParameterError(
                f"partners: unknown value(s) {shown(unknown or wanted)}; allowed: {ALL!r} or a "
                f"list of {known}"
            )
    chosen = tuple(dict.fromkeys(wanted or known))  # in the order given, without repeats

    years = year_of(tables["events"].start_date).dropna()
    for name, value in (("year_from", year_from), ("year_to", year_to)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ParameterError(
                f"{name}: {shown(value)} is not a whole year (or None for no limit)"
            )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ParameterError(f"year_from/year_to: the range {year_from}–{year_to} is inverted")
    if (year_from is not None or year_to is not None) and len(years):
        lo = year_from if year_from is not None else years.min()
        hi = year_to if year_to is not None else years.max()
        if not ((years >= lo) & (years <= hi)).any():
            first, last = years.min(), years.max()
            if year_from is not None and year_from > last:
                what = f"year_from: {year_from} is after the last dated year, {last}"
            elif year_to is not None and year_to < first:
                what = f"year_to: {year_to} is before the first dated year, {first}"
            else:
                what = f"year_from/year_to: no dated event in {lo}–{hi}"
            raise ParameterError(f"{what}; the data cover {first}–{last}")

    kinds = Schema.of(data_dir).enum("themes", "kind")
    if theme_kind != ALL and theme_kind not in kinds:
        raise ParameterError(
            f"theme_kind: {shown(theme_kind)} is unknown; allowed: {[ALL, *kinds]}"
        )
    if not isinstance(include_observers, bool):
        raise ParameterError(f"include_observers: {shown(include_observers)} is not true or false")

    scoped = _cut(tables, chosen, year_from, year_to, include_observers)
    if scoped["events"].empty and scoped["instruments"].empty:
        raise ParameterError(
            f"partners/year_from/year_to: no event or instrument of {list(chosen)} in "
            f"{year_from if year_from is not None else 'any year'}–"
            f"{year_to if year_to is not None else 'any year'}"
        )
    return Scope(
        data_dir=data_dir,
        partners=chosen,
        year_from=year_from,
        year_to=year_to,
        theme_kinds=tuple(kinds if theme_kind == ALL else [theme_kind]),
        include_observers=include_observers,
        tables=scoped,
        all_partners=tuple(known),
        loaded=tables,
    )


def _cut(
    tables: dict[str, pd.DataFrame],
    partners: tuple[str, ...],
    year_from: int | None,
    year_to: int | None,
    include_observers: bool,
) -> dict[str, pd.DataFrame]:
    """Events and instruments of the chosen partners and years, and the rows that hang on them.

    With a year limit, undated events are left out (their year is unknown); without one they
    stay in, and year-based views show them as undated. A step follows its event, or without
    one its own date; an instrument stays with the steps it has in scope.
    """
    out = dict(tables)
    events = tables["events"]
    keep = events.partner_id.isin(partners).to_numpy().copy()
    instruments, steps = tables["instruments"], tables["instrument_steps"]
    keep_instruments = instruments.partner_id.isin(partners).to_numpy().copy()
    at_instrument = positions(steps.instrument_id, instruments.instrument_id)
    keep_steps = keep_instruments[at_instrument] & (at_instrument >= 0)
    if year_from is not None or year_to is not None:
        lo = year_from if year_from is not None else -(10**6)
        hi = year_to if year_to is not None else 10**6
        # whole occasions: a meeting stays or goes with the visit it belongs to
        _, occasion_year = occasion_keys(events)
        keep &= occasion_year.between(lo, hi).fillna(False).to_numpy(dtype=bool)
        at_event = positions(steps.event_id, events.event_id)
        own = year_of(steps.date).between(lo, hi).fillna(False).to_numpy(dtype=bool)
        keep_steps &= np.where(at_event >= 0, keep[np.maximum(at_event, 0)], own)
        kept = np.zeros(len(instruments), dtype=bool)
        kept[at_instrument[keep_steps]] = True
        keep_instruments &= kept
    out["events"] = _kept(events, keep)
    out["instruments"] = _kept(instruments, keep_instruments)
    out["instrument_steps"] = _kept(steps, keep_steps)
    event_ids, instrument_ids = out["events"].event_id, out["instruments"].instrument_id
    every_event = out["events"] is events
    every_instrument = out["instruments"] is instruments
    out["reports"] = _rows_of(tables["reports"], "event_id", event_ids, every_event)
    out["participants"] = _rows_of(tables["participants"], "event_id", event_ids, every_event)
    themes_e = _rows_of(tables["event_themes"], "event_id", event_ids, every_event)
    themes_i = _rows_of(
        tables["instrument_themes"], "instrument_id", instrument_ids, every_instrument
    )
    if not include_observers:
        themes_e = _kept(themes_e, (themes_e.voice != OBSERVER.value).to_numpy())
        themes_i = _kept(themes_i, (themes_i.voice != OBSERVER.value).to_numpy())
    out["event_themes"], out["instrument_themes"] = themes_e, themes_i
    return out


def _kept(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true, numbered from 0: ``frame`` itself when
    every row is kept (and it is numbered so already), which saves a copy of a large table."""
    if keep.all() and isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0:
        return frame
    return frame[keep].reset_index(drop=True)


def _rows_of(
    frame: pd.DataFrame, column: str, keys: pd.Series, every: bool = False
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` points at one of ``keys`` (``every``: the keys
    are all the rows of the table referenced, so only rows without one are dropped)."""
    if every:
        return _kept(frame, frame[column].notna().to_numpy())
    return _kept(frame, positions(frame[column], keys) >= 0)
