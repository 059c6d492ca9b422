"""Codebook rules that the Frictionless table schema cannot express.

The rules of one row (dates, sides, voices) run over whole columns of a table as the schema
reads it (``helpers.dataset.tabular.Column``: the typed value of each cell, worked out once per
distinct value), and name file, line, column and value as the schema's own checks do. Which
columns form a date is declared once, in ``helpers.dataset.dates.DATE_GROUPS``. The rules of
the report model, which compare rows across tables (an event and its reports, an instrument and
its steps), run over whole typed columns (``model_problems``) in the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from helpers.dataset.dates import (
    DATE_GROUPS,
    PRECISION_LENGTH,
    DateGroup,
    date_intervals,
    parse_partial_date,
)
from helpers.dataset.keys import codes, pair_codes, positions, shared_codes
from helpers.dataset.membership import is_in
from helpers.dataset.problem import Problem, listed
from helpers.dataset.reconcile import (
    DATE,
    STATED,
    chosen_reports,
    date_disagrees,
    value_disagrees,
)
from helpers.dataset.schema import Schema
from helpers.dataset.tabular import Column
from helpers.dataset.vocabulary import OBSERVER, OBSERVER_RAISER, STEP_ORDER, VIRTUAL

RULE = "codebook-rule"

SIDE_PAIRS: dict[str, tuple[str, str, str]] = {
    # table: (visiting column, hosting column, mode column)
    "events": ("visiting_side", "hosting_side", "mode"),
    "reports": ("visiting_side", "hosting_side", "mode"),
}
THEME_LINKS = ("event_themes", "instrument_themes")


WEEKDAY_ONLY = re.compile(
    r"(?:on |last |this |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"(?: (?:morning|afternoon|evening|night))?[.,;]?",
    re.IGNORECASE,
)


def weekday_only(stated: object) -> bool:
    """A date statement that is a weekday and nothing more ("Tuesday", "on Monday night")."""
    return isinstance(stated, str) and bool(WEEKDAY_ONLY.fullmatch(" ".join(stated.split())))


def describe_date_rules(group: DateGroup) -> list[str]:
    """The rules of one date group, in words (used for the codebook)."""
    rules = [
        f"`{group.start}` is a real calendar date (no 2023-02-30).",
        f"`{group.precision}` is given exactly when `{group.start}` is, and matches its length: "
        "year = YYYY, month = YYYY-MM, day = YYYY-MM-DD.",
        f"`{group.inferred}` = true needs `{group.reason}`.",
    ]
    if group.as_stated:
        rules += [
            f"`{group.as_stated}` given but `{group.start}` empty needs `{group.reason}` "
            "(why the date could not be recorded).",
            f'`{group.as_stated}` that is only a weekday ("Tuesday", "on Monday") with '
            f"`{group.precision}` = day needs `{group.inferred}` = true: the exact day was "
            f"inferred (from the date line), and `{group.reason}` says how.",
        ]
    if group.end:
        rules += [
            f"`{group.end}` needs `{group.start}`, has the same precision, and is not before it.",
        ]
    return rules


class _Rows:
    """Problems of the row rules of one table, each at its line, naming the typed value of the
    cell as the file spells it (booleans as true/false)."""

    def __init__(self, file: str, columns: dict[str, Column], lines: np.ndarray):
        self.file, self.columns, self.lines = file, columns, lines
        self.problems: list[Problem] = []

    def add(self, bad: np.ndarray, column: str, message: Callable[[int], str] | str) -> None:
        def make(row: int) -> Problem:
            value = self.columns[column].value(row)
            if isinstance(value, bool):
                value = "true" if value else "false"
            text = message(row) if callable(message) else message
            shown = None if value is None or str(value) == "" else str(value)
            return Problem(self.file, int(self.lines[row]), column, shown, RULE, text)

        self.problems += listed(np.flatnonzero(bad), make)

    def value(self, column: str | None, row: int) -> Any:
        return None if column is None else self.columns[column].value(row)


NOT_REAL = -1  # day number of a date that is not a real calendar date (real ones are >= 1)


def _real_date(value: str) -> int:
    """Day number of the earliest day of a partial date; NOT_REAL if it is not a real date."""
    try:
        return parse_partial_date(value).toordinal()
    except (ValueError, TypeError):
        return NOT_REAL


def _date_rules(rows: _Rows, g: DateGroup) -> None:
    c = rows.columns
    start, precision = c[g.start], c[g.precision]
    inferred, reason = c[g.inferred], c[g.reason]
    given = {g.start: start.present}
    days = {g.start: start.map(_real_date, 0, np.int64)}  # 0: no date
    if g.end:
        given[g.end] = c[g.end].present
        days[g.end] = c[g.end].map(_real_date, 0, np.int64)
    for column, day in days.items():
        bad = given[column] & (day == NOT_REAL)
        rows.add(bad, column, lambda r, col=column: f"{rows.value(col, r)!r} is not a real "
                 "calendar date")  # fmt: skip
    has_precision = precision.present
    rows.add(start.present & ~has_precision, g.precision,
             f"{g.start} is given but {g.precision} is empty")  # fmt: skip
    rows.add(
        ~start.present & has_precision,
        g.precision,
        lambda r: f"{g.precision} is {rows.value(g.precision, r)!r} but {g.start} is empty",
    )
    expected = precision.map(lambda v: PRECISION_LENGTH.get(v, 0), 0, np.int64)
    for column in days:
        length = c[column].map(len, 0, np.int64)
        bad = given[column] & (expected > 0) & (length != expected)
        rows.add(
            bad,
            column,
            lambda r, col=column: (
                f"{rows.value(col, r)!r} does not have {rows.value(g.precision, r)} precision "
                f"({g.precision} is {rows.value(g.precision, r)!r})"
            ),
        )
    if g.end:
        rows.add(given[g.end] & ~start.present, g.end, f"{g.end} is given but {g.start} is empty")
        before = (days[g.start] > 0) & (days[g.end] > 0) & (days[g.end] < days[g.start])
        rows.add(before, g.end, lambda r: f"{g.end} {rows.value(g.end, r)!r} is before "
                 f"{g.start} {rows.value(g.start, r)!r}")  # fmt: skip
    is_true = inferred.map(lambda v: v is True, False, bool)
    is_false = inferred.map(lambda v: v is False, False, bool)
    has_reason = reason.map(bool, False, bool)
    rows.add(is_true & ~has_reason, g.reason, f"{g.inferred} is true but no reason is given")
    if g.as_stated is None:
        return
    stated = c[g.as_stated]
    day = precision.map(lambda v: v == "day", False, bool)
    weekday = stated.map(weekday_only, False, bool)
    rows.add(
        day & is_false & weekday,
        g.inferred,
        lambda r: (
            f"{g.as_stated} {rows.value(g.as_stated, r)!r} names only a weekday: the exact day "
            f"was inferred, so {g.inferred} must be true (with a reason)"
        ),
    )
    rows.add(
        ~start.present & stated.map(bool, False, bool) & ~has_reason,
        g.reason,
        lambda r: (
            f"{g.as_stated} is {rows.value(g.as_stated, r)!r} but {g.start} "
            "is empty and no reason says why"
        ),
    )


def _joint(a: Column, b: Column) -> tuple[np.ndarray, np.ndarray]:
    """Codes of two columns' typed values in one numbering (-1: no value)."""
    found, _ = pd.factorize(pd.Series(a.values + b.values, dtype=object))
    left, right = found[: len(a.values)], found[len(a.values) :]
    return a.per_row(left, -1), b.per_row(right, -1)


def _side_rules(rows: _Rows, visiting: str, hosting: str, mode: str) -> None:
    c = rows.columns
    v, h = _joint(c[visiting], c[hosting])
    rows.add(
        (v >= 0) & (v == h),
        hosting,
        lambda r: f"{visiting} and {hosting} are both {rows.value(visiting, r)!r}",
    )
    virtual = c[mode].map(lambda x: x == VIRTUAL.value, False, bool)
    for column in (visiting, hosting):
        rows.add(
            virtual & c[column].present, column, "a virtual meeting has no visiting or hosting side"
        )


def _voice_rules(rows: _Rows) -> None:
    c = rows.columns
    observer = c[OBSERVER.column].map(lambda x: x == OBSERVER.value, False, bool)
    raiser = c[OBSERVER_RAISER.column].map(lambda x: x == OBSERVER_RAISER.value, False, bool)
    rows.add(
        observer != raiser,
        OBSERVER_RAISER.column,
        lambda r: (
            f"voice is {rows.value('voice', r)!r} but raised_by is "
            f"{rows.value('raised_by', r)!r}; {OBSERVER} goes with {OBSERVER_RAISER} only"
        ),
    )


def row_problems(
    table: str, file: str, columns: dict[str, Column], lines: np.ndarray
) -> list[Problem]:
    """The codebook rules of single rows of one table (a rule whose columns the file lacks
    is left out: the header problems say so)."""
    rows = _Rows(file, columns, lines)
    group = DATE_GROUPS.get(table)
    needed: list[tuple[Callable[[], None], tuple[str | None, ...]]] = []
    if group is not None:
        names = (group.start, group.end, group.precision, group.inferred, group.reason,
                 group.as_stated)  # fmt: skip
        needed.append((lambda: _date_rules(rows, group), names))
    if table in SIDE_PAIRS:
        needed.append((lambda: _side_rules(rows, *SIDE_PAIRS[table]), SIDE_PAIRS[table]))
    if table in THEME_LINKS:
        needed.append((lambda: _voice_rules(rows), ("voice", "raised_by")))
    for run, names in needed:
        if all(n is None or n in columns for n in names):
            run()
    return rows.problems


def step_rank(steps: pd.Series) -> np.ndarray:
    """Place of each step in the order of ``STEP_ORDER``; any other step comes after them."""
    order = {term.value: i for i, term in enumerate(STEP_ORDER)}
    if isinstance(steps.dtype, pd.CategoricalDtype):  # by code: no text per row
        ranks = [order.get(c, len(order)) for c in steps.cat.categories]
        return np.append(np.array(ranks, dtype=np.int64), len(order))[steps.cat.codes.to_numpy()]
    return steps.astype("string").map(order).fillna(len(order)).to_numpy(dtype=np.int64)


def _text(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


class _Found:
    """Problems of the model rules, each at the file line of its row (header = line 1)."""

    def __init__(self, schema: Schema, lines: dict[str, np.ndarray]):
        self.schema, self.lines = schema, lines
        self.problems: list[Problem] = []

    def add(self, table: str, bad: np.ndarray, column: str, values: pd.Series, message) -> None:
        """One problem per row flagged in ``bad``; ``message`` is text or a function of the row."""
        path = self.schema.table(table).path
        lines = self.lines[table]

        def make(row: int) -> Problem:
            text = message(row) if callable(message) else message
            return Problem(path, int(lines[row]), column, _text(values.iloc[row]), RULE, text)

        self.problems += listed(np.flatnonzero(bad), make)


def _pairs_in(frame: pd.DataFrame, other: pd.DataFrame, columns: tuple[str, str]) -> np.ndarray:
    """Per row of ``frame``: whether ``other`` has a row with the same two values."""
    first, first_other, n_first = shared_codes(frame[columns[0]], other[columns[0]])
    second, second_other, n = shared_codes(frame[columns[1]], other[columns[1]])
    del n_first
    mine = pair_codes(first, second, n)
    theirs = pair_codes(first_other, second_other, n)
    return is_in(mine, theirs)


def model_problems(
    t: dict[str, pd.DataFrame], schema: Schema, lines: dict[str, np.ndarray]
) -> list[Problem]:
    """The rules of the report model (codebook, sections 3 and 4): every event has a report;
    evidence cites a source that reports its event or instrument; the event's values are
    reconciled from what its reports state, by the codebook's rule, with a note where they
    differ; an instrument has steps, in order."""
    found = _Found(schema, lines)
    events, reports = t["events"], t["reports"]
    steps, instruments = t["instrument_steps"], t["instruments"]
    themes = t["instrument_themes"]

    at = positions(reports.event_id, events.event_id)
    reported = np.bincount(at[at >= 0], minlength=len(events)) > 0
    found.add("events", ~reported, "event_id", events.event_id, "no report cites this event")
    with_event = steps.event_id.notna().to_numpy()
    step_report = _pairs_in(steps, reports, ("event_id", "source_id"))
    found.add(
        "instrument_steps",
        with_event & ~step_report,
        "event_id",
        steps.event_id,
        lambda i: f"source {steps.source_id.iloc[i]} has no report of this event (reports.csv)",
    )
    theme_step = _pairs_in(themes, steps, ("instrument_id", "source_id"))
    found.add(
        "instrument_themes",
        ~theme_step,
        "source_id",
        themes.source_id,
        lambda i: (
            "this source reports no step of instrument "
            f"{themes.instrument_id.iloc[i]} (instrument_steps.csv)"
        ),
    )
    stepped = positions(steps.instrument_id, instruments.instrument_id)
    has_steps = np.bincount(stepped[stepped >= 0], minlength=len(instruments)) > 0
    found.add(
        "instruments",
        ~has_steps,
        "instrument_id",
        instruments.instrument_id,
        "no step of this instrument is coded (instrument_steps.csv)",
    )
    _step_order(found, steps)
    _reconciled(found, events, reports, at)
    return found.problems


def _step_order(found: _Found, steps: pd.DataFrame) -> None:
    """A step is not dated before a step that comes earlier in ``STEP_ORDER`` (a signature
    before its proposal): the later step's last possible day is before the earlier one's first."""
    lo, hi = date_intervals(steps.date, steps.date_precision)
    lo = lo.to_numpy(dtype="datetime64[ns]")
    hi = hi.to_numpy(dtype="datetime64[ns]")
    rank = step_rank(steps.step)
    instrument, n = codes(steps.instrument_id)
    dated = ~np.isnat(lo) & (instrument >= 0)
    for later in range(1, len(STEP_ORDER) + 1):
        earlier = dated & (rank < later)
        latest = np.full(n + 1, np.iinfo(np.int64).min, dtype=np.int64)  # NaT: no earlier step
        np.maximum.at(latest, instrument[earlier], lo[earlier].astype(np.int64))
        start = latest[instrument].view("datetime64[ns]")  # -1 (no instrument): NaT at the end
        bad = (rank == later) & ~np.isnat(start) & ~np.isnat(hi) & (hi < start)
        found.add(
            "instrument_steps",
            bad,
            "date",
            steps.date,
            lambda i, start=start: (
                f"step {steps.step.iloc[i]} is dated before an earlier step of "
                f"instrument {steps.instrument_id.iloc[i]} (which starts {str(start[i])[:10]})"
            ),
        )


def _reconciled(found: _Found, events: pd.DataFrame, reports: pd.DataFrame, at: np.ndarray) -> None:
    """The event's date is the one the rule picks from its reports; its place, mode and sides
    are values a report states (and empty only when none states one); where the reports
    disagree, ``reconciliation_note`` says how the values were decided. ``at``: the row in
    ``events`` of each report."""
    chosen = chosen_reports(reports, events)
    has = chosen >= 0
    pick = np.maximum(chosen, 0)
    for column in DATE:
        mine, theirs, _ = shared_codes(events[column], reports[column])
        theirs = np.where(has, theirs[pick], -1)
        bad = mine != theirs
        if column == "date_inferred":  # required: an undated event says whether it inferred
            bad &= has
        found.add(
            "events",
            bad,
            column,
            events[column],
            lambda i, column=column: (
                f"the reports give no date, so {column} stays empty"
                if chosen[i] < 0
                else f"the codebook's rule (R1-R3: most precise, then earliest, then stated) picks "
                f"the date of source {reports.source_id.iloc[chosen[i]]}: {column} "
                f"{_text(reports[column].iloc[chosen[i]]) or '(empty)'}"
            ),
        )
    disagree = date_disagrees(reports, events, chosen)
    event_rows = np.arange(len(events))
    for column, stated in STATED.items():
        mine, theirs, n = shared_codes(events[column], reports[stated])
        given = (at >= 0) & (theirs >= 0)
        stated_here = is_in(
            pair_codes(event_rows, mine, n), pair_codes(at[given], theirs[given], n)
        )
        any_stated = np.bincount(at[given], minlength=len(events)) > 0
        empty = mine < 0
        found.add(
            "events",
            ~empty & ~stated_here,
            column,
            events[column],
            f"no report of this event states this value ({stated} in reports.csv)",
        )
        found.add(
            "events",
            empty & any_stated,
            column,
            events[column],
            f"a report states a value ({stated} in reports.csv) but the event leaves it empty",
        )
        disagree |= value_disagrees(reports, events, stated)
    note = events.reconciliation_note.isna().to_numpy()
    found.add(
        "events",
        disagree & note,
        "reconciliation_note",
        events.reconciliation_note,
        "the reports of this event disagree (date, place, mode or sides); say how the event's "
        "values were decided",
    )
