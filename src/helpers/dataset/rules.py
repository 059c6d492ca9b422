"""Codebook rules that the Frictionless table schema cannot express.

The rules of one row are Frictionless ``Check``s, so that their problems come out of the same
validation report, with row, column and value, as the library's own (types, keys,
vocabularies). Which columns form a date is declared once, in
``helpers.dataset.dates.DATE_GROUPS``. The rules of the report model, which compare rows across
tables (an event and its reports, an instrument and its steps), run over whole typed columns
(``model_problems``) and name file, line, column and value in the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from frictionless import Check, Row, errors

from helpers.dataset.dates import (
    DATE_GROUPS,
    PRECISION_LENGTH,
    DateGroup,
    date_intervals,
    parse_partial_date,
)
from helpers.dataset.lines import record_starts
from helpers.dataset.problem import Problem
from helpers.dataset.reconcile import (
    DATE,
    STATED,
    chosen_reports,
    date_disagrees,
    value_disagrees,
)
from helpers.dataset.schema import Schema
from helpers.dataset.vocabulary import OBSERVER, OBSERVER_RAISER, STEP_ORDER, VIRTUAL


class RuleError(errors.CellError):
    """A row breaks a rule of the codebook."""

    type = "codebook-rule"
    title = "Codebook rule"
    description = "A value breaks a decision rule of data/CODEBOOK.md."
    template = "{note}"


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


class DateRules(Check):
    """Precision, inference and ordering rules for the dates of one table."""

    type = "date-rules"
    Errors = [RuleError]

    def __init__(self, group: DateGroup):
        super().__init__()
        self.group = group

    def validate_row(self, row: Row) -> Iterable[errors.Error]:
        g = self.group
        start, end, precision = row[g.start], row[g.end] if g.end else None, row[g.precision]
        parsed = {}
        for column, value in ((g.start, start), (g.end, end)):
            if value is None or not isinstance(value, str):
                continue
            try:
                parsed[column] = parse_partial_date(value)
            except ValueError:
                yield error(row, column, f"{value!r} is not a real calendar date")
        if start is not None and precision is None:
            yield error(row, g.precision, f"{g.start} is given but {g.precision} is empty")
        if start is None and precision is not None:
            yield error(row, g.precision, f"{g.precision} is {precision!r} but {g.start} is empty")
        for column, value in ((g.start, start), (g.end, end)):
            expected = PRECISION_LENGTH.get(precision)
            if isinstance(value, str) and expected and len(value) != expected:
                yield error(
                    row,
                    column,
                    f"{value!r} does not have {precision} precision "
                    f"({g.precision} is {precision!r})",
                )
        if end is not None and start is None:
            yield error(row, g.end, f"{g.end} is given but {g.start} is empty")
        if g.start in parsed and g.end and g.end in parsed and parsed[g.end] < parsed[g.start]:
            yield error(row, g.end, f"{g.end} {end!r} is before {g.start} {start!r}")
        if row[g.inferred] is True and not row[g.reason]:
            yield error(row, g.reason, f"{g.inferred} is true but no reason is given")
        if g.as_stated is None:
            return
        stated = row[g.as_stated]
        if precision == "day" and row[g.inferred] is False and weekday_only(stated):
            yield error(
                row,
                g.inferred,
                f"{g.as_stated} {stated!r} names only a weekday: the exact day was inferred, "
                f"so {g.inferred} must be true (with a reason)",
            )
        if start is None and row[g.as_stated] and not row[g.reason]:
            yield error(
                row,
                g.reason,
                f"{g.as_stated} is {row[g.as_stated]!r} but {g.start} "
                "is empty and no reason says why",
            )


class SideRules(Check):
    """Visiting and hosting sides differ, and a virtual meeting has neither."""

    type = "side-rules"
    Errors = [RuleError]

    def __init__(self, visiting: str, hosting: str, mode: str):
        super().__init__()
        self.visiting, self.hosting, self.mode = visiting, hosting, mode

    def validate_row(self, row: Row) -> Iterable[errors.Error]:
        visiting, hosting = row[self.visiting], row[self.hosting]
        if visiting is not None and visiting == hosting:
            yield error(
                row, self.hosting, f"{self.visiting} and {self.hosting} are both {visiting!r}"
            )
        if row[self.mode] == VIRTUAL.value:
            for column in (self.visiting, self.hosting):
                if row[column] is not None:
                    yield error(row, column, "a virtual meeting has no visiting or hosting side")


class VoiceRules(Check):
    """Observer commentary is raised by 'observer', and only commentary is."""

    type = "voice-rules"
    Errors = [RuleError]

    def validate_row(self, row: Row) -> Iterable[errors.Error]:
        observer = row[OBSERVER.column] == OBSERVER.value
        if observer != (row[OBSERVER_RAISER.column] == OBSERVER_RAISER.value):
            yield error(
                row,
                OBSERVER_RAISER.column,
                f"voice is {row['voice']!r} but raised_by is "
                f"{row['raised_by']!r}; {OBSERVER} goes with {OBSERVER_RAISER} only",
            )


def error(row: Row, column: str, note: str) -> RuleError:
    value = row[column]
    if isinstance(value, bool):  # as the file spells it
        value = "true" if value else "false"
    return RuleError(
        note=note,
        cells=[str(c) if c is not None else "" for c in row.cells],
        row_number=row.row_number,
        cell="" if value is None else str(value),
        field_name=column,
        field_number=row.field_names.index(column) + 1,
    )


def checks_for(table: str) -> list[Check]:
    """The codebook checks that apply to one table."""
    checks: list[Check] = []
    if table in DATE_GROUPS:
        checks.append(DateRules(DATE_GROUPS[table]))
    if table in SIDE_PAIRS:
        checks.append(SideRules(*SIDE_PAIRS[table]))
    if table in THEME_LINKS:
        checks.append(VoiceRules())
    return checks


def step_rank(steps: pd.Series) -> np.ndarray:
    """Place of each step in the order of ``STEP_ORDER``; any other step comes after them."""
    order = {term.value: i for i, term in enumerate(STEP_ORDER)}
    return steps.astype("string").map(order).fillna(len(order)).to_numpy(dtype=np.int64)


def _strings(column: pd.Series) -> np.ndarray:
    """Values as the file spells them (booleans as true/false), None where empty."""
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.map({True: "true", False: "false"})
    return column.astype("string").to_numpy(dtype=object, na_value=None)


def _pairs(frame: pd.DataFrame, columns: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([frame[c].astype("string").array for c in columns])


def _text(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


class _Found:
    """Problems of the model rules, each at the file line of its row (header = line 1)."""

    def __init__(self, schema: Schema, data_dir: Path):
        self.schema, self.data_dir = schema, data_dir
        self.problems: list[Problem] = []

    def add(self, table: str, bad: np.ndarray, column: str, values: pd.Series, message) -> None:
        """One problem per row flagged in ``bad``; ``message`` is text or a function of the row."""
        path = self.schema.table(table).path
        starts = record_starts(self.data_dir / path)
        for row in np.flatnonzero(bad):
            line = starts[row + 1] if row + 1 < len(starts) else int(row) + 2
            text = message(int(row)) if callable(message) else message
            value = _text(values.iloc[row])
            self.problems.append(Problem(path, line, column, value, "codebook-rule", text))


def model_problems(t: dict[str, pd.DataFrame], schema: Schema, data_dir: Path) -> list[Problem]:
    """The rules of the report model (codebook, sections 3 and 4): every event has a report;
    evidence cites a source that reports its event or instrument; the event's values are
    reconciled from what its reports state, by the codebook's rule, with a note where they
    differ; an instrument has steps, in order."""
    found = _Found(schema, data_dir)
    events, reports = t["events"], t["reports"]
    steps, instruments = t["instrument_steps"], t["instruments"]

    reported = events.event_id.isin(reports.event_id.array).to_numpy()
    found.add("events", ~reported, "event_id", events.event_id, "no report cites this event")
    with_event = steps.event_id.notna().to_numpy()
    step_report = _pairs(steps, ["event_id", "source_id"]).isin(
        _pairs(reports, ["event_id", "source_id"])
    )
    found.add(
        "instrument_steps",
        with_event & ~step_report,
        "event_id",
        steps.event_id,
        lambda i: f"source {steps.source_id.iloc[i]} has no report of this event (reports.csv)",
    )
    theme_step = _pairs(t["instrument_themes"], ["instrument_id", "source_id"]).isin(
        _pairs(steps, ["instrument_id", "source_id"])
    )
    found.add(
        "instrument_themes",
        ~theme_step,
        "source_id",
        t["instrument_themes"].source_id,
        lambda i: (
            "this source reports no step of instrument "
            f"{t['instrument_themes'].instrument_id.iloc[i]} (instrument_steps.csv)"
        ),
    )
    has_steps = instruments.instrument_id.isin(steps.instrument_id.array).to_numpy()
    found.add(
        "instruments",
        ~has_steps,
        "instrument_id",
        instruments.instrument_id,
        "no step of this instrument is coded (instrument_steps.csv)",
    )
    _step_order(found, steps)
    _reconciled(found, events, reports)
    return found.problems


def _step_order(found: _Found, steps: pd.DataFrame) -> None:
    """A step is not dated before a step that comes earlier in ``STEP_ORDER`` (a signature
    before its proposal): the later step's last possible day is before the earlier one's first."""
    lo, hi = date_intervals(steps.date, steps.date_precision)
    rank = step_rank(steps.step)
    instrument = steps.instrument_id.astype("string").array
    frame = pd.DataFrame({"instrument": instrument, "rank": rank, "lo": lo.array})
    for later in range(1, len(STEP_ORDER) + 1):
        earlier = frame[(frame["rank"] < later) & frame.lo.notna()]
        latest = earlier.groupby("instrument", observed=True).lo.max()
        at = latest.index.get_indexer(instrument)
        known = np.append(latest.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
        start = known[at]  # -1 (no earlier dated step): the NaT at the end
        bad = (rank == later) & (hi.to_numpy() < start)
        found.add(
            "instrument_steps",
            bad,
            "date",
            steps.date,
            lambda i, start=start: (
                f"step {steps.step.iloc[i]} is dated before an earlier step of "
                f"instrument {instrument[i]} (which starts {str(start[i])[:10]})"
            ),
        )


def _reconciled(found: _Found, events: pd.DataFrame, reports: pd.DataFrame) -> None:
    """The event's date is the one the rule picks from its reports; its place, mode and sides
    are values a report states (and empty only when none states one); where the reports
    disagree, ``reconciliation_note`` says how the values were decided."""
    chosen = chosen_reports(reports, events)
    has = chosen >= 0
    pick = np.maximum(chosen, 0)
    for column in DATE:
        mine = _strings(events[column])
        theirs = _strings(reports[column])[pick]
        theirs = np.where(has, theirs, None)
        bad = mine != theirs
        if column == "date_inferred":  # required: an undated event says whether it inferred
            bad &= has
        found.add(
            "events",
            bad,
            column,
            events[column],
            lambda i, column=column, theirs=theirs: (
                f"the reports give no date, so {column} stays empty"
                if chosen[i] < 0
                else f"the codebook's rule (R1-R3: most precise, then earliest, then stated) picks "
                f"the date of source {reports.source_id.iloc[chosen[i]]}: {column} "
                f"{_text(theirs[i]) or '(empty)'}"
            ),
        )
    index = pd.Index(events.event_id.astype("string").array)
    at = index.get_indexer(reports.event_id.astype("string").array)
    disagree = date_disagrees(reports, events, chosen)
    for column, stated in STATED.items():
        pairs = pd.DataFrame({"event": at, "value": reports[stated].astype("string").array})
        pairs = pairs[(pairs.event >= 0) & pairs.value.notna()]
        mine = events[column].astype("string")
        keys = pd.MultiIndex.from_arrays([np.arange(len(events)), mine.array])
        stated_here = keys.isin(pd.MultiIndex.from_arrays([pairs.event, pairs.value]))
        any_stated = np.isin(np.arange(len(events)), pairs.event.to_numpy())
        empty = mine.isna().to_numpy()
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
