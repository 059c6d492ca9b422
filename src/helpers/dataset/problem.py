"""One problem of a data directory, as the validator reports it."""

from __future__ import annotations

from dataclasses import dataclass


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
