"""Short data-driven sentences for the notebooks' readings and limits, so that no number is
typed into a notebook and the text stays true for any dataset."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.corroboration import OCCASIONS, corroboration
from helpers.analysis.occasions import occasion_totals
from helpers.analysis.scope import Scope
from helpers.dataset.dates import UNDATED
from helpers.dataset.vocabulary import OFFICIAL


def _sources(t: dict[str, pd.DataFrame]) -> pd.Series:
    return pd.concat(
        [t["reports"].source_id.astype("string"), t["instrument_steps"].source_id.astype("string")]
    )


def scope_line(scope: Scope) -> str:
    """One line saying what is in scope."""
    t = scope.tables
    return (
        f"Scope: partners {', '.join(scope.partners)}; {scope.years_label}; "
        f"themes of kind {' and '.join(scope.theme_kinds)}; "
        f"observers' commentary {'included' if scope.include_observers else 'left out'}. "
        f"{len(t['events'])} events ({len(t['reports'])} reports of them), "
        f"{len(t['instruments'])} instruments ({len(t['instrument_steps'])} steps reported), "
        f"{_sources(t).nunique()} sources."
    )


def limits(scope: Scope) -> str:
    """How thin the evidence is, per partner: sources, occasions, undated and inferred dates,
    and how many occasions rest on a single source."""
    t = scope.tables
    totals = occasion_totals(t, scope.partners)
    single = corroboration(scope)
    single = single[(single["item"] == OCCASIONS) & (single.sources == 1)]
    lines = []
    events_partner = t["events"].partner_id.astype("string")
    instrument_partner = t["instruments"].set_index(t["instruments"].instrument_id.astype("string"))
    steps = t["instrument_steps"]
    steps_partner = steps.instrument_id.astype("string").map(
        instrument_partner.partner_id.astype("string")
    )
    reports_partner = (
        t["reports"]
        .event_id.astype("string")
        .map(pd.Series(events_partner.array, index=t["events"].event_id.astype("string")))
    )
    for partner in scope.partners:
        ev = t["events"][(events_partner == partner).to_numpy()]
        st = steps[(steps_partner == partner).to_numpy()]
        n_instruments = int((instrument_partner.partner_id.astype("string") == partner).sum())
        sources = pd.concat(
            [
                t["reports"].source_id[(reports_partner == partner).to_numpy()].astype("string"),
                st.source_id.astype("string"),
            ]
        ).nunique()
        n_occ = int(totals[partner])
        one = int(single[single.partner_id == partner]["items"].sum())
        undated = int(ev.start_date.isna().sum() + st.date.isna().sum())
        inferred = int(ev.date_inferred.sum() + st.date_inferred.sum())
        lines.append(
            f"- {partner}: {sources} source(s), {n_occ} occasion(s) ({one} reported by a single "
            f"source), {len(ev)} event(s), {n_instruments} instrument(s) with {len(st)} step "
            f"report(s); {inferred} date(s) inferred, {undated} undated."
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
