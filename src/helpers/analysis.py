"""Aggregations behind the notebooks' tables and figures.

The unit of comparison is the *occasion*: a visit with the meetings held during it, or a
stand-alone meeting. A theme raised at a visit and again at one of its meetings counts once for
that occasion, so that one long trip does not outweigh a one-day meeting. Every table carries the
number of sources behind it, so that readers can see how thin each cell is.
"""

from __future__ import annotations

import pandas as pd

from helpers.scope import Scope, year_of

UNDATED = "undated"


def occasions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event with its occasion (the parent visit, or itself) and occasion year."""
    out = events[["event_id", "partner_id", "source_id", "event_type", "parent_event_id"]].copy()
    out["occasion_id"] = events.parent_event_id.fillna(events.event_id)
    start = events.set_index("event_id").start_date
    out["year"] = year_of(out.occasion_id.map(start).astype("string"))
    return out.drop(columns="parent_event_id")


def year_label(years: pd.Series) -> pd.Series:
    """Years as text, with undated rows labelled as such (for tables and axes)."""
    return years.astype("string").fillna(UNDATED)


def counts_by_partner_year(scope: Scope) -> pd.DataFrame:
    """Events, occasions and agreements per partner and year (undated ones in their own row)."""
    ev = occasions(scope.tables["events"])
    ev["year"] = year_label(ev.year)
    ag = scope.tables["agreements"].assign(
        year=year_label(year_of(scope.tables["agreements"].date))
    )
    parts = [
        ev.groupby(["partner_id", "year"]).event_id.nunique().rename("events"),
        ev.groupby(["partner_id", "year"]).occasion_id.nunique().rename("occasions"),
        ag.groupby(["partner_id", "year"]).agreement_id.nunique().rename("agreements"),
        pd.concat(
            [ev[["partner_id", "year", "source_id"]], ag[["partner_id", "year", "source_id"]]]
        )
        .groupby(["partner_id", "year"])
        .source_id.nunique()
        .rename("sources"),
    ]
    table = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
    table["partner_id"] = table.partner_id.astype("string")
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


def theme_links(scope: Scope) -> pd.DataFrame:
    """Every theme mention in scope, from events and agreements, with its occasion and year.

    Columns: occasion_id, partner_id, year, theme_id, kind, label, voice, source_id.
    """
    t = scope.tables
    occ = occasions(t["events"]).set_index("event_id")
    from_events = t["event_themes"].merge(
        occ[["occasion_id", "partner_id", "year"]], left_on="event_id", right_index=True
    )
    agreements = t["agreements"].set_index("agreement_id")
    from_agreements = t["agreement_themes"].copy()
    event_of = from_agreements.agreement_id.map(agreements.event_id)
    from_agreements["occasion_id"] = event_of.map(occ.occasion_id).fillna(
        from_agreements.agreement_id
    )
    from_agreements["partner_id"] = from_agreements.agreement_id.map(agreements.partner_id)
    from_agreements["year"] = year_of(from_agreements.agreement_id.map(agreements.date))
    columns = ["occasion_id", "partner_id", "year", "theme_id", "voice", "source_id"]
    links = pd.concat([from_events[columns], from_agreements[columns]], ignore_index=True)
    themes = t["themes"].set_index("theme_id")
    links["kind"] = links.theme_id.map(themes.kind).astype("string")
    links["label"] = links.theme_id.map(themes.label).astype("string")
    links = links[links.kind.isin(scope.theme_kinds)]
    for column in ("occasion_id", "partner_id", "theme_id", "voice", "source_id"):
        links[column] = links[column].astype("string")
    return links.reset_index(drop=True)


def occasion_totals(scope: Scope) -> pd.Series:
    """Number of occasions per partner in scope (the denominator of theme shares)."""
    occ = occasions(scope.tables["events"])
    totals = occ.groupby("partner_id", observed=True).occasion_id.nunique()
    totals.index = totals.index.astype("string")
    return totals.reindex(list(scope.partners), fill_value=0)


def theme_by_partner(scope: Scope) -> pd.DataFrame:
    """Partner x theme x voice: occasions raising the theme, their share, and sources behind it."""
    links = theme_links(scope)
    keys = ["partner_id", "theme_id", "kind", "label", "voice"]
    table = (
        links.groupby(keys, observed=True)
        .agg(occasions=("occasion_id", "nunique"), sources=("source_id", "nunique"))
        .reset_index()
    )
    totals = occasion_totals(scope)
    table["partner_occasions"] = table.partner_id.map(totals).astype(int)
    table["share"] = (table.occasions / table.partner_occasions).round(3)
    return table.sort_values(["kind", "theme_id", "partner_id", "voice"]).reset_index(drop=True)


def theme_by_year(scope: Scope) -> pd.DataFrame:
    """Partner x year x theme: occasions raising the theme (any voice in scope) and sources."""
    links = theme_links(scope)
    links["year"] = year_label(links.year)
    table = (
        links.groupby(["partner_id", "year", "theme_id", "kind", "label"], observed=True)
        .agg(occasions=("occasion_id", "nunique"), sources=("source_id", "nunique"))
        .reset_index()
    )
    return table.sort_values(["kind", "theme_id", "partner_id", "year"]).reset_index(drop=True)


def agreements_table(scope: Scope) -> pd.DataFrame:
    """Agreement records with partner, year, kind and status, ready to count or plot."""
    ag = scope.tables["agreements"]
    out = ag[["agreement_id", "partner_id", "kind", "status", "name_as_stated", "source_id"]].copy()
    out["year"] = year_label(year_of(ag.date))
    out["date_precision"] = ag.date_precision
    return out.sort_values(["partner_id", "year", "agreement_id"]).reset_index(drop=True)


def agreement_counts(scope: Scope) -> pd.DataFrame:
    """Partner x kind x status: number of agreement records and sources."""
    ag = agreements_table(scope)
    table = (
        ag.groupby(["partner_id", "kind", "status"], observed=True)
        .agg(agreements=("agreement_id", "nunique"), sources=("source_id", "nunique"))
        .reset_index()
    )
    table["partner_id"] = table.partner_id.astype("string")
    return table.sort_values(["partner_id", "kind", "status"]).reset_index(drop=True)


def interlocutors(scope: Scope) -> pd.DataFrame:
    """Person x partner x year: events attended, with the person's side and title(s) as stated."""
    t = scope.tables
    occ = occasions(t["events"]).set_index("event_id")
    part = t["participants"].merge(
        occ[["partner_id", "year", "occasion_id", "source_id"]],
        left_on="event_id",
        right_index=True,
    )
    part = part.merge(t["persons"][["person_id", "name"]], on="person_id")
    part["year"] = year_label(part.year)
    table = (
        part.groupby(["side", "partner_id", "person_id", "name", "year"], observed=True)
        .agg(
            events=("event_id", "nunique"),
            occasions=("occasion_id", "nunique"),
            sources=("source_id", "nunique"),
            titles=("title_as_stated", lambda s: "; ".join(sorted(set(s.dropna())))),
        )
        .reset_index()
    )
    for column in ("side", "partner_id", "person_id", "name"):
        table[column] = table[column].astype("string")
    return table.sort_values(
        ["partner_id", "side", "year", "person_id"], key=_undated_last
    ).reset_index(drop=True)


def continuity(scope: Scope) -> pd.DataFrame:
    """Per person: first and last dated year met, years met, occasions, and partners met."""
    inter = interlocutors(scope)
    dated = inter[inter.year != UNDATED].assign(year=lambda d: d.year.astype(int))
    rows = []
    for (side, person, name), group in inter.groupby(["side", "person_id", "name"], observed=True):
        years = dated[dated.person_id == person].year
        rows.append(
            {
                "side": side,
                "person_id": person,
                "name": name,
                "first_year": int(years.min()) if len(years) else pd.NA,
                "last_year": int(years.max()) if len(years) else pd.NA,
                "years_met": int(years.nunique()),
                "occasions": int(group.occasions.sum()),
                "partners": ", ".join(sorted(group.partner_id.unique())),
            }
        )
    table = pd.DataFrame(rows)
    table["first_year"] = table.first_year.astype("Int64")
    table["last_year"] = table.last_year.astype("Int64")
    return table.sort_values(["side", "first_year", "person_id"]).reset_index(drop=True)


def date_interval(date: str | None, precision: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span a partial date leaves open: a day, a whole month or a whole year (NaT if none)."""
    if date is None or pd.isna(date):
        return pd.NaT, pd.NaT
    start = pd.Timestamp(
        date if precision == "day" else f"{date}-01" if precision == "month" else f"{date}-01-01"
    )
    if precision == "day":
        return start, start
    step = pd.DateOffset(months=1) if precision == "month" else pd.DateOffset(years=1)
    return start, start + step - pd.Timedelta(days=1)


def timeline_items(scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top-level events and agreements with the span their dates leave open (lo, hi)."""

    def spans(frame: pd.DataFrame, id_column: str, date_column: str) -> pd.DataFrame:
        out = frame[[id_column, "partner_id", "source_id"]].copy()
        out["precision"] = frame.date_precision.astype("string")
        intervals = [
            date_interval(d, p) for d, p in zip(frame[date_column], out.precision, strict=True)
        ]
        out["lo"] = pd.to_datetime([i[0] for i in intervals])
        out["hi"] = pd.to_datetime([i[1] for i in intervals])
        out["partner_id"] = out.partner_id.astype("string")
        return out.reset_index(drop=True)

    events = scope.tables["events"]
    top = events[events.parent_event_id.isna()]
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
    return table.sort_values(["partner_id", "lo", "item", "id"], na_position="last").reset_index(
        drop=True
    )


def theme_partners_by_year(by_year: pd.DataFrame) -> pd.DataFrame:
    """Theme x year: how many partners raised the theme that year, and which."""
    table = (
        by_year.groupby(["theme_id", "kind", "label", "year"], observed=True)
        .agg(
            partners=("partner_id", "nunique"),
            partner_ids=("partner_id", lambda s: ", ".join(sorted(set(s)))),
            sources=("sources", "sum"),
        )
        .reset_index()
    )
    return table.sort_values(["kind", "theme_id", "year"], key=_undated_last).reset_index(drop=True)


def vocabulary(scope: Scope, table: str, column: str) -> list[str]:
    """The controlled vocabulary of a column, in the order the schema declares it."""
    return [str(v) for v in scope.tables[table][column].cat.categories]
