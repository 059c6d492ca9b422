"""Theme mentions counted by occasion: shared by the questions of notebooks 02 and 03."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.occasions import at_occasions, occasions, step_occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import tally
from helpers.dataset.keys import codes, positions


def theme_links(scope: Scope, occ: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every theme link in scope (one row per source that gives it), from events and
    instruments, with its occasion and year.

    Columns: occasion (an integer: the same number is the same occasion), partner_id, year,
    theme_id, voice, source_id. An instrument's theme is placed at the occasion of each step of
    the instrument that the same source reports. Themes of a kind outside the scope are left
    out. ``occ`` is ``occasions(events)`` when the caller has it already.
    """
    t = scope.tables
    occ = occasions(t["events"]) if occ is None else occ
    from_events = at_occasions(occ, t["event_themes"], ["theme_id", "voice", "source_id"])
    steps = step_occasions(occ, t["instrument_steps"], t["instruments"])
    links = t["instrument_themes"]
    link_keys = pd.DataFrame(
        {
            "instrument": positions(links.instrument_id, t["instruments"].instrument_id),
            "source": codes(links.source_id)[0],
            "link": np.arange(len(links)),
        }
    )
    step_keys = pd.DataFrame(
        {
            "instrument": steps.instrument.to_numpy(),
            "source": codes(t["instrument_steps"].source_id)[0],
            "step_row": np.arange(len(steps)),
        }
    )
    both = link_keys.merge(step_keys, on=["instrument", "source"], sort=False)
    both = both.drop_duplicates(["link", "step_row"]).sort_values(["link", "step_row"])
    at_link, at_step = both.link.to_numpy(), both.step_row.to_numpy()
    from_instruments = pd.DataFrame(
        {
            "occasion": pd.array(steps.occasion.to_numpy()[at_step], dtype="Int64"),
            "partner_id": steps.partner_id.array.take(at_step),
            "year": steps.year.array.take(at_step),
            "theme_id": links.theme_id.array.take(at_link),
            "voice": links.voice.array.take(at_link),
            "source_id": links.source_id.array.take(at_link),
        },
        copy=False,  # the arrays are not changed: no copy of millions of rows
    )
    combined = pd.concat([from_events, from_instruments], ignore_index=True)
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
