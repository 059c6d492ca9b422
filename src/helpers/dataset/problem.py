"""One problem of a data directory, as the validator reports it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

LIMIT = 1000  # rows listed per file, rule and column (as the Frictionless library stopped)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data: where it is and which rule it breaks.

    ``row`` is the line number in the CSV file (the header is line 1).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row else "")
        where += f", column {self.column!r}" if self.column else ""
        value = f", value {self.value!r}" if self.value is not None else ""
        return f"{where}{value}: {self.message} [{self.rule}]"


def listed(rows: Sequence[int], make: Callable[[int], Problem]) -> list[Problem]:
    """The problems of ``rows`` (all breaking one rule in one column of one file), the first
    ``LIMIT`` of them, and then one saying how many more rows there are."""
    problems = [make(int(row)) for row in rows[:LIMIT]]
    if len(rows) > LIMIT:
        first = problems[0]
        more = f"and {len(rows) - LIMIT:,d} more rows like these (the first {LIMIT:,d} are listed)"
        problems.append(Problem(first.file, None, first.column, None, first.rule, more))
    return problems
