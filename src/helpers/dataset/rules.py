"""Codebook rules that the Frictionless table schema cannot express.

Each rule is a Frictionless ``Check`` so that its problems come out of the same validation
report, with row, column and value, as the library's own (types, keys, vocabularies). Which
columns form a date is declared once, in ``helpers.dataset.dates.DATE_GROUPS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from frictionless import Check, Row, errors

from helpers.dataset.dates import DATE_GROUPS, PRECISION_LENGTH, DateGroup, parse_partial_date
from helpers.dataset.vocabulary import OBSERVER, OBSERVER_RAISER, VIRTUAL


class RuleError(errors.CellError):
    """A row breaks a rule of the codebook."""

    type = "codebook-rule"
    title = "Codebook rule"
    description = "A value breaks a decision rule of data/CODEBOOK.md."
    template = "{note}"


SIDE_PAIRS: dict[str, tuple[str, str, str]] = {
    # table: (visiting column, hosting column, mode column)
    "events": ("visiting_side", "hosting_side", "mode"),
}


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
        f"`{group.as_stated}` given but `{group.start}` empty needs `{group.reason}` "
        "(why the date could not be recorded).",
        f'`{group.as_stated}` that is only a weekday ("Tuesday", "on Monday") with '
        f"`{group.precision}` = day needs `{group.inferred}` = true: the exact day was inferred "
        f"(from the date line), and `{group.reason}` says how.",
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
    if table in ("event_themes", "agreement_themes"):
        checks.append(VoiceRules())
    return checks
