"""Aggregations behind the notebooks' tables and figures.

The unit of comparison is the *occasion*: a visit with the meetings held during it, or a
stand-alone meeting. A theme raised at a visit and again at one of its meetings counts once for
that occasion, so that one long trip does not outweigh a one-day meeting. Every table carries the
number of sources behind it, so that readers can see how thin each cell is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.keys import positions
from helpers.scope import Scope, occasion_keys, year_of
from helpers.tally import codes, groups, tally

UNDATED = "undated"


def occasions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event with its occasion (the parent visit, or itself) and occasion year."""
    out = events[["event_id", "partner_id", "source_id", "event_type"]].copy()
    out["occasion_id"], out["year"] = occasion_keys(events)
    return out


def year_label(years: pd.Series) -> pd.Series:
    """Years as text, with undated rows labelled as such (for tables and axes)."""
    return years.astype("string").fillna(UNDATED)


def counts_by_partner_year(scope: Scope) -> pd.DataFrame:
    """Events, occasions and agreements per partner and year (undated ones in their own row)."""
    ev = occasions(scope.tables["events"])
    ag = scope.tables["agreements"]
    rows = pd.DataFrame(
        {
            "partner_id": pd.concat([ev.partner_id, ag.partner_id], ignore_index=True),
            "year": pd.concat([ev.year, year_of(ag.date)], ignore_index=True),
            "occasion": pd.arrays.IntegerArray(  # agreements' rows: missing
                np.concatenate([codes(ev.occasion_id)[0], np.zeros(len(ag), dtype=np.int64)]),
                np.arange(len(ev) + len(ag)) >= len(ev),
            ),
            "events": np.repeat([1, 0], [len(ev), len(ag)]),
            "agreements": np.repeat([0, 1], [len(ev), len(ag)]),
            "source_id": pd.concat([ev.source_id, ag.source_id], ignore_index=True),
        }
    )
    table = tally(
        rows,
        ["partner_id", "year"],
        sums=("events", "agreements"),
        distinct={"occasions": "occasion", "sources": "source_id"},
    )
    table = table[["partner_id", "year", "events", "occasions", "agreements", "sources"]]
    table["partner_id"] = table.partner_id.astype("string")
    table["year"] = year_label(table.year)
    return table.sort_values(["partner_id", "year"], key=_undated_last).reset_index(drop=True)


def _undated_last(column: pd.Series) -> pd.Series:
    return column.astype(str).replace(UNDATED, "9999")


def date_quality(scope: Scope) -> pd.DataFrame:
    """How dates are known: rows per table, precision (or none) and whether inferred."""
    rows = []
    for name in ("events", "agreements"):
        frame = scope.tables[name]
        precision = frame.date_precision.astype("string").fillna("no date")
        grouped = frame.assign(precision=precision).groupby(
            ["precision", "date_inferred"], observed=True
        )
        for (prec, inferred), group in grouped:
            rows.append(
                {
                    "table": name,
                    "precision": prec,
                    "inferred": bool(inferred),
                    "rows": len(group),
                    "sources": group.source_id.nunique(),
                }
            )
    order = {"day": 0, "month": 1, "year": 2, "no date": 3}
    table = pd.DataFrame(rows, columns=["table", "precision", "inferred", "rows", "sources"])
    return table.sort_values(
        ["table", "precision", "inferred"],
        key=lambda c: c.map(order) if c.name == "precision" else c,
    ).reset_index(drop=True)


def _take(column: pd.Series, rows: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Values of ``column`` at row positions (-1 gives a missing value), keeping the dtype."""
    return column.array.take(rows, allow_fill=True)


def _codes_at(found: np.ndarray, rows: np.ndarray) -> pd.arrays.IntegerArray:
    """``found[rows]``, missing where a row is -1 (nothing found): never the last element."""
    return pd.arrays.IntegerArray(np.append(found, 0)[rows], rows < 0)


def _agreement_occasions(
    occ: pd.DataFrame, agreements: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Occasion code, row of the event in ``occ`` (-1 if none in scope) and occasion year of each
    agreement: its event's occasion, or (without an event in scope) an occasion of its own."""
    occasion, n_event_codes = codes(occ.occasion_id)
    at_event = positions(agreements.event_id, occ.event_id)
    own, _ = codes(agreements.agreement_id)
    tied = at_event >= 0
    occasion = np.where(tied, np.append(occasion, -1)[at_event], n_event_codes + own)
    years = pd.Series(_take(occ.year, at_event)).where(tied, year_of(agreements.date).array)
    return occasion, at_event, years.astype("Int64")


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
            "occasion": _codes_at(occasion, at_event),
            "partner_id": _take(occ.partner_id, at_event),
            "year": _take(occ.year, at_event),
            "theme_id": links.theme_id.array,
            "voice": links.voice.array,
            "source_id": links.source_id.array,
        }
    )
    agreements, links = t["agreements"], t["agreement_themes"]
    at_agreement = positions(links.agreement_id, agreements.agreement_id)
    agreement_occasion, _, years = _agreement_occasions(occ, agreements)
    from_agreements = pd.DataFrame(
        {
            "occasion": agreement_occasion[at_agreement],
            "partner_id": _take(agreements.partner_id, at_agreement),
            "year": _take(years, at_agreement),
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


def occasion_table(scope: Scope, occ: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every occasion in scope with its partner: the events' occasions, plus each agreement that
    is not tied to an event in scope (it is an occasion of its own). Columns: partner_id,
    occasion (an integer code)."""
    occ = occasions(scope.tables["events"]) if occ is None else occ
    agreements = scope.tables["agreements"]
    agreement_occasion, at_event, _ = _agreement_occasions(occ, agreements)
    alone = at_event < 0
    return pd.DataFrame(
        {
            "partner_id": pd.concat(
                [occ.partner_id, agreements.partner_id[alone]], ignore_index=True
            ),
            "occasion": np.concatenate([codes(occ.occasion_id)[0], agreement_occasion[alone]]),
        }
    )


def occasion_totals(scope: Scope, occ: pd.DataFrame | None = None) -> pd.Series:
    """Number of occasions per partner in scope (the denominator of theme shares)."""
    table = tally(occasion_table(scope, occ), ["partner_id"], distinct={"occasions": "occasion"})
    totals = table.set_index(table.partner_id.astype("string")).occasions
    return totals.reindex(list(scope.partners), fill_value=0)


def _theme_counts(scope: Scope, keys: list[str], occ: pd.DataFrame) -> pd.DataFrame:
    """Occasions and sources per group of theme links, with the themes' kinds and labels."""
    links = theme_links(scope, occ)
    table = tally(links, keys, distinct={"occasions": "occasion", "sources": "source_id"})
    for column in ("partner_id", "theme_id", "voice"):
        if column in table:
            table[column] = table[column].astype("string")
    return table.join(_theme_labels(scope), on="theme_id")


def _theme_labels(scope: Scope) -> pd.DataFrame:
    """Kind and label of each theme, indexed by theme_id (as text)."""
    themes = scope.tables["themes"]
    return pd.DataFrame(
        {"kind": themes.kind.astype("string").array, "label": themes.label.astype("string").array},
        index=themes.theme_id.astype("string").array,
    )


def theme_by_partner(scope: Scope) -> pd.DataFrame:
    """Partner x theme x voice: occasions raising the theme, their share, and sources behind it."""
    occ = occasions(scope.tables["events"])
    table = _theme_counts(scope, ["partner_id", "theme_id", "voice"], occ)
    totals = occasion_totals(scope, occ)
    table["partner_occasions"] = table.partner_id.map(totals).astype(int)
    table["share"] = (table.occasions / table.partner_occasions).round(3)
    columns = [
        "partner_id",
        "theme_id",
        "kind",
        "label",
        "voice",
        "occasions",
        "sources",
        "partner_occasions",
        "share",
    ]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "partner_id", "voice"])
        .reset_index(drop=True)
    )


def theme_by_year(scope: Scope) -> pd.DataFrame:
    """Partner x year x theme: occasions raising the theme (any voice in scope) and sources."""
    table = _theme_counts(
        scope, ["partner_id", "year", "theme_id"], occasions(scope.tables["events"])
    )
    table["year"] = year_label(table.year)
    columns = ["partner_id", "year", "theme_id", "kind", "label", "occasions", "sources"]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "partner_id", "year"])
        .reset_index(drop=True)
    )


def agreements_table(scope: Scope) -> pd.DataFrame:
    """Agreement records with partner, year, kind and status, ready to count or plot."""
    ag = scope.tables["agreements"]
    out = ag[["agreement_id", "partner_id", "kind", "status", "name_as_stated", "source_id"]].copy()
    for column in ("agreement_id", "partner_id", "source_id"):  # keys as text, sorted as text
        out[column] = out[column].astype("string")
    out["year"] = year_label(year_of(ag.date))
    out["date_precision"] = ag.date_precision
    return out.sort_values(["partner_id", "year", "agreement_id"]).reset_index(drop=True)


def agreement_counts(scope: Scope) -> pd.DataFrame:
    """Partner x kind x status: number of agreement records and sources."""
    ag = scope.tables["agreements"]
    ag = ag[ag.kind.notna().to_numpy() & ag.status.notna().to_numpy()]
    keys = ["partner_id", "kind", "status"]
    table = tally(ag, keys, distinct={"agreements": "agreement_id", "sources": "source_id"})
    table["partner_id"] = table.partner_id.astype("string")
    return table.sort_values(["partner_id", "kind", "status"]).reset_index(drop=True)


def _attendance(scope: Scope) -> pd.DataFrame:
    """Side x partner x person x year (keys still coded): events, occasions and sources."""
    t = scope.tables
    occ = occasions(t["events"])
    part = t["participants"]
    at_event = positions(part.event_id, occ.event_id)
    frame = pd.DataFrame(
        {
            "side": part.side.array,
            "partner_id": _take(occ.partner_id, at_event),
            "person_id": part.person_id.array,
            "year": _take(occ.year, at_event),
            "occasion": _codes_at(codes(occ.occasion_id)[0], at_event),
            "source_id": _take(occ.source_id, at_event),
        }
    )
    keys = ["side", "partner_id", "person_id", "year"]
    return tally(
        frame, keys, count="events", distinct={"occasions": "occasion", "sources": "source_id"}
    )


def _names(scope: Scope, person_ids: pd.Series) -> pd.Series:
    persons = scope.tables["persons"]
    names = pd.Series(persons.name.astype("string").array, index=persons.person_id.astype("string"))
    return person_ids.astype("string").map(names).astype("string")


def interlocutors(scope: Scope) -> pd.DataFrame:
    """Person x partner x year: events and occasions attended, with the person's side."""
    table = _attendance(scope)
    for column in ("side", "partner_id", "person_id"):
        table[column] = table[column].astype("string")
    table.insert(3, "name", _names(scope, table.person_id))
    table["year"] = year_label(table.year.astype("Int64"))
    return table.sort_values(
        ["partner_id", "side", "year", "person_id"], key=_undated_last
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
    met = _joined(attended, keys, "partner_id", ", ")
    table["partners"] = [met[key] for key in zip(table.side, table.person_id, strict=True)]
    titles = _joined(scope.tables["participants"], ["person_id"], "title_as_stated", "; ")
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


def _joined(frame: pd.DataFrame, keys: list[str], column: str, sep: str) -> dict[tuple, str]:
    """Per combination of ``keys``: the distinct non-missing values of ``column``, sorted and
    joined with ``sep``."""
    pairs = frame[[*keys, column]].dropna(subset=[column])
    group, first = groups(pairs, [*keys, column])
    distinct = pairs.iloc[first]
    joined: dict[tuple, list[str]] = {}
    for *key, value in zip(*(distinct[c].astype(str) for c in [*keys, column]), strict=True):
        joined.setdefault(tuple(key), []).append(value)
    return {key: sep.join(sorted(found)) for key, found in joined.items()}


def date_interval(date: str | None, precision: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span a partial date leaves open: a day, a whole month or a whole year (NaT if none)."""
    lo, hi = date_intervals(
        pd.Series([date], dtype="string"), pd.Series([precision], dtype="string")
    )
    return lo.iloc[0], hi.iloc[0]


def date_intervals(dates: pd.Series, precision: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised ``date_interval``: first and last day each partial date leaves open.

    Each distinct (date, precision) pair is worked out once.
    """
    pairs = pd.DataFrame({"date": dates.array, "precision": precision.array})
    group, first = groups(pairs, ["date", "precision"])
    lo, hi = _intervals(pairs.date.iloc[first], pairs.precision.iloc[first])
    return lo.take(group).reset_index(drop=True), hi.take(group).reset_index(drop=True)


def _intervals(dates: pd.Series, precision: pd.Series) -> tuple[pd.Series, pd.Series]:
    dates = dates.astype("string").reset_index(drop=True)
    precision = precision.astype("string").reset_index(drop=True)
    padded = dates.where(precision != "month", dates + "-01").where(
        precision != "year", dates + "-01-01"
    )
    lo = pd.to_datetime(padded, format="%Y-%m-%d", errors="coerce")
    hi = lo.copy()
    month = (precision == "month").fillna(False).to_numpy()
    year = (precision == "year").fillna(False).to_numpy()
    hi[month] = lo[month] + pd.offsets.MonthEnd(0)
    hi[year] = lo[year] + pd.offsets.YearEnd(0)
    return lo, hi


def timeline_items(scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top-level events and agreements with the span their dates leave open (lo, hi)."""

    def spans(frame: pd.DataFrame, id_column: str, date_column: str) -> pd.DataFrame:
        out = frame[[id_column, "partner_id", "source_id"]].reset_index(drop=True)
        out["precision"] = frame.date_precision.reset_index(drop=True)
        out["lo"], out["hi"] = date_intervals(frame[date_column], out.precision)
        return out

    events = scope.tables["events"]
    top = events[events.parent_event_id.isna().to_numpy()]
    return spans(top, "event_id", "start_date"), spans(
        scope.tables["agreements"], "agreement_id", "date"
    )


def timeline_table(events: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """The rows behind the timeline figure, events and agreements in one table."""
    parts = []
    for item, frame, id_column in (
        ("event", events, "event_id"),
        ("agreement", agreements, "agreement_id"),
    ):
        part = frame.rename(columns={id_column: "id"}).assign(item=item)
        parts.append(part[["item", "id", "partner_id", "source_id", "precision", "lo", "hi"]])
    table = pd.concat(parts, ignore_index=True)
    for column in ("lo", "hi"):
        table[column] = table[column].dt.strftime("%Y-%m-%d").astype("string")
    for column in ("id", "partner_id", "source_id", "precision"):
        table[column] = table[column].astype("string")
    return table.sort_values(["partner_id", "lo", "item", "id"], na_position="last").reset_index(
        drop=True
    )


def theme_partners_by_year(scope: Scope) -> pd.DataFrame:
    """Theme x year: how many partners raised the theme that year, which, and how many distinct
    sources say so (any voice in scope)."""
    links = theme_links(scope)
    keys = ["theme_id", "year"]
    table = tally(links, keys, distinct={"partners": "partner_id", "sources": "source_id"})
    which = _joined(links, keys, "partner_id", ", ")
    found = zip(table.theme_id.astype(str), table.year.astype(str), strict=True)
    table["partner_ids"] = pd.array([which[key] for key in found], dtype="string")
    table["theme_id"] = table.theme_id.astype("string")
    table = table.join(_theme_labels(scope), on="theme_id")
    table["year"] = year_label(table.year)
    columns = ["theme_id", "kind", "label", "year", "partners", "partner_ids", "sources"]
    return (
        table[columns]
        .sort_values(["kind", "theme_id", "year"], key=_undated_last)
        .reset_index(drop=True)
    )


def vocabulary(scope: Scope, table: str, column: str) -> list[str]:
    """The controlled vocabulary of a column, in the order the schema declares it."""
    return [str(v) for v in scope.tables[table][column].cat.categories]
