"""The vocabulary values that code gives a meaning to, each named once with the column that
declares it. Vocabularies may be extended (``datapackage.json``); these values may not be removed,
and the validator says so. Everything else about a vocabulary is read from the schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Term:
    """One value of a controlled vocabulary: the table and column that declare it."""

    table: str
    column: str
    value: str
    meaning: str = ""

    def __str__(self) -> str:
        return self.value


VISIT = Term("events", "event_type", "visit", "a visit holds the meetings held during it")
VIRTUAL = Term("events", "mode", "virtual", "a virtual meeting has no visiting or hosting side")
CAMBODIA = Term("participants", "side", "cambodia", "a person serving Cambodia")
PARTNER = Term("participants", "side", "partner", "a person serving the event's partner")
OFFICIAL = Term("event_themes", "voice", "official", "what the governments said")
OBSERVER = Term("event_themes", "voice", "observer", "outside commentary (left out on request)")
OBSERVER_RAISER = Term(
    "event_themes", "raised_by", "observer", "goes with the observer voice, and only with it"
)

PROPOSED = Term("instrument_steps", "step", "proposed", "comes before drafted and signed")
DRAFTED = Term("instrument_steps", "step", "drafted", "comes after proposed, before signed")
SIGNED = Term(
    "instrument_steps", "step", "signed", "comes after proposed and drafted, before any other step"
)
# The steps whose order the validator checks (a later step is not dated before an earlier one);
# every other step (renewed, reviewed, implemented, ...) comes after them, in any order.
STEP_ORDER = (PROPOSED, DRAFTED, SIGNED)

TERMS = (
    VISIT,
    VIRTUAL,
    CAMBODIA,
    PARTNER,
    OFFICIAL,
    OBSERVER,
    OBSERVER_RAISER,
    PROPOSED,
    DRAFTED,
    SIGNED,
)

# How a figure names a side in its legend; another side's value is shown as "<value> side".
SIDE_LABELS = {CAMBODIA.value: "Cambodian side", PARTNER.value: "partner side"}


def side_label(side: str) -> str:
    return SIDE_LABELS.get(side, f"{side.replace('_', ' ')} side")


@cache
def _declared(table: str, column: str) -> tuple[str, ...]:
    from helpers.dataset.schema import Schema

    return tuple(Schema.project().enum(table, column))


def with_declared(found: Iterable[str], table: str, column: str) -> list[str]:
    """Every value the project's schema declares for a column, in its order, then the values
    found that a study added to the vocabulary, sorted: a stable order for colours and legends."""
    declared = _declared(table, column)
    return [*declared, *sorted(set(map(str, found)) - set(declared))]
