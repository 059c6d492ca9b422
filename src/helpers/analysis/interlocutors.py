"""Notebook 05: which officials meet on each side over time: continuity and turnover."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.occasions import occasions
from helpers.analysis.scope import Scope
from helpers.analysis.tally import as_text, joined, tally
from helpers.dataset.dates import undated_last, year_label
from helpers.dataset.keys import codes, groups, positions, take


def _attendance(scope: Scope) -> pd.DataFrame:
    """Side x partner x person x year (keys still coded): events and occasions attended (each
    once, however many sources place the person there) and the sources that do."""
    t = scope.tables
    occ = occasions(t["events"])
    part = t["participants"]
    at_event = positions(part.event_id, occ.event_id)
    # partner and year are the event's: numbered once per event, not per participant row
    when, first = groups(occ, ["partner_id", "year"])
    occasion, n_occasions = codes(occ.occasion_id)
    frame = pd.DataFrame(
        {
            "side": part.side.array,
            "person_id": part.person_id.array,
            "when": _at_rows(when, len(first), at_event),
            "event": part.event_id.array,
            "occasion": _at_rows(occasion, n_occasions, at_event),
            "source_id": part.source_id.array,
        },
        copy=False,  # the arrays are not changed: no copy of millions of rows
    )
    distinct = {"events": "event", "occasions": "occasion", "sources": "source_id"}
    # each event lies in one occasion: both are counted in one sort
    table = tally(
        frame, ["side", "when", "person_id"], distinct=distinct, within=dict(event="occasion")
    )
    at_when = np.append(first, -1)[table.pop("when").cat.codes.to_numpy()]
    table.insert(1, "partner_id", take(occ.partner_id, at_when))
    table.insert(3, "year", take(occ.year, at_when))
    return table


def _at_rows(per_event: np.ndarray, n: int, at_event: np.ndarray) -> pd.Categorical:
    """Codes 0 to ``n`` - 1 of the events at the rows ``at_event`` (-1, no event: missing), as
    a categorical: looked up once in codes as narrow as pandas keeps them."""
    coded = pd.Categorical.from_codes(np.append(per_event, -1), categories=pd.RangeIndex(n))
    return pd.Categorical.from_codes(coded.codes[at_event], dtype=coded.dtype, validate=False)


def _names(scope: Scope, person_ids: pd.Series) -> pd.Series:
    persons = scope.tables["persons"]
    at = positions(person_ids, persons.person_id)
    return pd.Series(take(persons.name.astype("string"), at), index=person_ids.index)


def interlocutors_by_year(scope: Scope) -> pd.DataFrame:
    """Person x partner x year: events and occasions attended, with the person's side."""
    table = _attendance(scope)
    table.insert(3, "name", _names(scope, table.person_id))
    for column in ("side", "partner_id", "person_id"):
        table[column] = as_text(table[column])
    table["year"] = year_label(table.year.astype("Int64"))
    return table.sort_values(
        ["partner_id", "side", "year", "person_id"], key=undated_last
    ).reset_index(drop=True)


def continuity(scope: Scope) -> pd.DataFrame:
    """Per person: first and last dated year met, years met, occasions, partners met, and the
    titles the sources give the person."""
    attended = _attendance(scope)
    keys = ["side", "person_id"]
    dated = attended[attended.year.notna().to_numpy()]
    by_dated = dated.groupby(keys, observed=True, sort=False).year
    table = pd.concat(
        [
            by_dated.min().rename("first_year"),
            by_dated.max().rename("last_year"),
            by_dated.nunique().rename("years_met"),
            attended.groupby(keys, observed=True, sort=False).occasions.sum(),
        ],
        axis=1,
    ).reset_index()
    met = joined(attended, keys, "partner_id", ", ")
    table["partners"] = [met[key] for key in zip(table.side, table.person_id, strict=True)]
    titles = joined(scope.tables["participants"], ["person_id"], "title_as_stated", "; ")
    for column in keys:
        table[column] = table[column].astype("string")
    table.insert(2, "name", _names(scope, table.person_id))
    table = table[table.name.notna().to_numpy()]  # as before: people without a name are left out
    table["titles"] = pd.array(
        [titles.get((person,), "") for person in table.person_id], dtype="string"
    )
    table["partners"] = table.partners.astype("string")
    table["first_year"] = table.first_year.astype("Int64")
    table["last_year"] = table.last_year.astype("Int64")
    table["years_met"] = table.years_met.fillna(0).astype(int)
    columns = [*keys, "name", "first_year", "last_year", "years_met", "occasions"]
    columns += ["partners", "titles"]
    return table[columns].sort_values(["side", "first_year", "person_id"]).reset_index(drop=True)
