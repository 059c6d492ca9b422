"""Short data-driven sentences for the notebooks' readings and limits, so that no number is
typed into a notebook and the text stays true for any dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.corroboration import occasions_by_sources
from helpers.analysis.occasions import occasion_totals, occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.dates import UNDATED
from helpers.dataset.keys import codes, positions, take
from helpers.dataset.vocabulary import OFFICIAL


def _distinct(columns: list[pd.Series]) -> int:
    """Number of distinct non-missing values over ``columns`` (key columns sharing their
    categories are counted on codes)."""
    joined = pd.concat(columns, ignore_index=True)
    found, size = codes(joined)
    return int(np.count_nonzero(np.bincount(found[found >= 0], minlength=size)))


def scope_line(scope: Scope) -> str:
    """One line saying what is in scope."""
    t = scope.tables
    sources = _distinct([t["reports"].source_id, t["instrument_steps"].source_id])
    return (
        f"Scope: partners {', '.join(scope.partners)}; {scope.years_label}; "
        f"themes of kind {' and '.join(scope.theme_kinds)}; "
        f"observers' commentary {'included' if scope.include_observers else 'left out'}. "
        f"{len(t['events'])} events ({len(t['reports'])} reports of them), "
        f"{len(t['instruments'])} instruments ({len(t['instrument_steps'])} steps reported), "
        f"{sources} sources."
    )


def _per_partner(table: pd.DataFrame) -> dict[str, dict]:
    """The rows of a tally by partner, keyed by the partner as text."""
    return {str(row.pop("partner_id")): row for row in table.to_dict("records")}


def limits(scope: Scope) -> str:
    """How thin the evidence is, per partner: sources, occasions, undated and inferred dates,
    and how many occasions rest on a single source."""
    t = scope.tables
    events, reports = t["events"], t["reports"]
    instruments, steps = t["instruments"], t["instrument_steps"]
    occ = occasions(events)
    totals = occasion_totals(t, scope.partners, occ)
    single = occasions_by_sources(scope, occ)
    single = _per_partner(single[single.sources == 1][["partner_id", "items"]])
    step_partner = take(
        instruments.partner_id, positions(steps.instrument_id, instruments.instrument_id)
    )
    report_partner = take(events.partner_id, positions(reports.event_id, events.event_id))
    dated = pd.DataFrame(  # one row per event, then one per step
        {
            "partner_id": pd.concat(
                [events.partner_id, pd.Series(step_partner)], ignore_index=True
            ),
            "events": np.repeat([1, 0], [len(events), len(steps)]),
            "steps": np.repeat([0, 1], [len(events), len(steps)]),
            "undated": np.concatenate(
                [events.start_date.isna().to_numpy(), steps.date.isna().to_numpy()]
            ),
            "inferred": np.concatenate(
                [
                    events.date_inferred.fillna(False).to_numpy(dtype=bool),
                    steps.date_inferred.fillna(False).to_numpy(dtype=bool),
                ]
            ),
        }
    )
    counts = _per_partner(
        tally(dated, ["partner_id"], sums=("events", "steps", "undated", "inferred"))
    )
    evidence = pd.DataFrame(
        {
            "partner_id": pd.concat(
                [pd.Series(report_partner), pd.Series(step_partner)], ignore_index=True
            ),
            "source_id": pd.concat([reports.source_id, steps.source_id], ignore_index=True),
        }
    )
    sources = _per_partner(tally(evidence, ["partner_id"], distinct={"sources": "source_id"}))
    n_instruments = _per_partner(tally(instruments, ["partner_id"], count="instruments"))
    lines = []
    for partner in scope.partners:
        found = counts.get(partner, {})
        lines.append(
            f"- {partner}: {sources.get(partner, {}).get('sources', 0)} source(s), "
            f"{int(totals[partner])} occasion(s) ({single.get(partner, {}).get('items', 0)} "
            f"reported by a single source), {found.get('events', 0)} event(s), "
            f"{n_instruments.get(partner, {}).get('instruments', 0)} instrument(s) with "
            f"{found.get('steps', 0)} step report(s); {found.get('inferred', 0)} date(s) "
            f"inferred, {found.get('undated', 0)} undated."
        )
    lines.append(
        "A cell backed by one source is one newspaper's account, not a measure of how often "
        "a subject comes up; absence from this dataset is not evidence of absence."
    )
    return "\n".join(lines)


def top_themes(table: pd.DataFrame, voice: str = OFFICIAL.value, n: int = 3) -> str:
    """Per partner, the themes raised at the largest share of occasions (ties listed together)."""
    lines = []
    rows = table[table.voice == voice]
    for partner, group in rows.groupby("partner_id", observed=True):
        best = group.share.max()
        names = sorted(group[group.share == best].label)
        shown = ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
        lines.append(
            f"- {partner}: {shown} ({best:.0%} of {int(group.partner_occasions.iloc[0])} "
            f"occasion(s))"
        )
    return "\n".join(lines) if lines else f"No {voice} theme in scope."


def shared_themes(table: pd.DataFrame, voice: str = OFFICIAL.value) -> str:
    """Themes raised with more than one partner, and themes unique to one."""
    rows = table[table.voice == voice]
    per_theme = rows.groupby("label", observed=True).partner_id.agg(lambda s: sorted(set(s)))
    shared = {k: v for k, v in per_theme.items() if len(v) > 1}
    if not shared:
        return "No theme is raised with more than one partner."
    return "Raised with more than one partner: " + "; ".join(
        f"{label} ({', '.join(p)})" for label, p in sorted(shared.items())
    )


def year_span(years: pd.Series) -> str:
    dated = sorted(y for y in set(years.astype(str)) if y != UNDATED)
    undated = (years.astype(str) == UNDATED).sum()
    span = f"{dated[0]}–{dated[-1]}" if dated else "no dated rows"
    return f"{span}" + (f", plus {undated} undated row(s)" if undated else "")
