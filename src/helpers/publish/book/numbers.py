"""The dataset in numbers, for the landing page: every number counted from the data."""

from __future__ import annotations

from dataclasses import dataclass

from helpers.analysis.occasions import occasion_keys
from helpers.analysis.scope import Scope


@dataclass(frozen=True)
class Number:
    """One headline figure: what is counted, how many, and a line saying more."""

    label: str
    value: str
    detail: str


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def dataset_numbers(scope: Scope) -> list[Number]:
    """Sources, events, occasions, partners and years of a (valid) dataset, every partner,
    year and theme in scope (``resolve`` with its defaults)."""
    tables = scope.tables
    occasions, _ = occasion_keys(tables["events"])
    partners = tables["partners"]
    names = sorted(
        f"{name} ({code})" if name and name != code else str(code)
        for code, name in zip(
            partners.partner_id.astype(str), partners.name.astype(str), strict=True
        )
        if code in scope.all_partners
    )
    years = scope.years()
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "none")
    return [
        Number("sources", f"{len(tables['sources']):,}", "news reports, each row citing one"),
        Number(
            "events",
            f"{len(tables['events']):,}",
            "meetings, visits and talks, as each source reports them",
        ),
        Number(
            "occasions",
            f"{occasions.nunique():,}",
            "visits with their meetings, or stand-alone meetings",
        ),
        Number("partners", f"{len(names):,}", ", ".join(names) or "none"),
        Number(
            "years",
            span,
            _plural(len(years), "calendar year", "calendar years") + " from first to last date",
        ),
    ]
