"""Short data-driven sentences for the notebooks' readings and limits, so that no number is
typed into a notebook and the text stays true for any dataset."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.occasions import occasion_totals
from helpers.analysis.scope import Scope
from helpers.dataset.dates import UNDATED
from helpers.dataset.vocabulary import OFFICIAL


def scope_line(scope: Scope) -> str:
    """One line saying what is in scope."""
    t = scope.tables
    return (
        f"Scope: partners {', '.join(scope.partners)}; {scope.years_label}; "
        f"themes of kind {' and '.join(scope.theme_kinds)}; "
        f"observers' commentary {'included' if scope.include_observers else 'left out'}. "
        f"{len(t['events'])} events, {len(t['agreements'])} agreement records, "
        f"{pd.concat([t['events'].source_id, t['agreements'].source_id]).nunique()} sources."
    )


def limits(scope: Scope) -> str:
    """How thin the evidence is, per partner: sources, occasions, undated and inferred dates."""
    t = scope.tables
    totals = occasion_totals(t, scope.partners)
    lines = []
    for partner in scope.partners:
        ev = t["events"][t["events"].partner_id == partner]
        ag = t["agreements"][t["agreements"].partner_id == partner]
        sources = pd.concat([ev.source_id, ag.source_id]).nunique()
        n_occ = int(totals[partner])
        undated = int(ev.start_date.isna().sum() + ag.date.isna().sum())
        inferred = int(ev.date_inferred.sum() + ag.date_inferred.sum())
        lines.append(
            f"- {partner}: {sources} source(s), {n_occ} occasion(s), {len(ev)} event(s), "
            f"{len(ag)} agreement record(s); {inferred} date(s) inferred, {undated} undated."
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
