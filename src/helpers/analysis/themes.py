"""Theme mentions counted by occasion: shared by the questions of notebooks 02 and 03."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.occasions import agreement_occasions, occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.keys import codes, codes_at, positions, take


def theme_links(scope: Scope, occ: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every theme mention in scope, from events and agreements, with its occasion and year.

    Columns: occasion (an integer: the same number is the same occasion), partner_id, year,
    theme_id, voice, source_id. Themes of a kind outside the scope are left out. ``occ`` is
    ``occasions(events)`` when the caller has it already.
    """
    t = scope.tables
    occ = occasions(t["events"]) if occ is None else occ
    occasion, _ = codes(occ.occasion_id)
    links = t["event_themes"]
    at_event = positions(links.event_id, occ.event_id)
    from_events = pd.DataFrame(
        {
            "occasion": codes_at(occasion, at_event),
            "partner_id": take(occ.partner_id, at_event),
            "year": take(occ.year, at_event),
            "theme_id": links.theme_id.array,
            "voice": links.voice.array,
            "source_id": links.source_id.array,
        }
    )
    agreements, links = t["agreements"], t["agreement_themes"]
    at_agreement = positions(links.agreement_id, agreements.agreement_id)
    agreement_occasion, _, years = agreement_occasions(occ, agreements)
    from_agreements = pd.DataFrame(
        {
            "occasion": agreement_occasion[at_agreement],
            "partner_id": take(agreements.partner_id, at_agreement),
            "year": take(years, at_agreement),
            "theme_id": links.theme_id.array,
            "voice": links.voice.array,
            "source_id": links.source_id.array,
        }
    )
    combined = pd.concat([from_events, from_agreements], ignore_index=True)
    themes = t["themes"]
    in_kinds = themes.kind.isin(scope.theme_kinds).to_numpy()
    at_theme = positions(combined.theme_id, themes.theme_id)
    return combined[in_kinds[at_theme] & (at_theme >= 0)].reset_index(drop=True)


def theme_counts(scope: Scope, keys: list[str], occ: pd.DataFrame) -> pd.DataFrame:
    """Occasions and sources per group of theme links, with the themes' kinds and labels."""
    links = theme_links(scope, occ)
    table = tally(links, keys, distinct={"occasions": "occasion", "sources": "source_id"})
    for column in ("partner_id", "theme_id", "voice"):
        if column in table:
            table[column] = table[column].astype("string")
    return table.join(theme_labels(scope), on="theme_id")


def theme_labels(scope: Scope) -> pd.DataFrame:
    """Kind and label of each theme, indexed by theme_id (as text)."""
    themes = scope.tables["themes"]
    return pd.DataFrame(
        {"kind": themes.kind.astype("string").array, "label": themes.label.astype("string").array},
        index=themes.theme_id.astype("string").array,
    )
