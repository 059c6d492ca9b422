"""Aggregations checked against counts worked out by hand from the five articles.

Hand counts (see data/CODEBOOK.md for the rules):
- China (S001): one trip to Beijing (E002) holding two meetings (E003 with the public security
  minister, E004 with a party official): 3 events, 1 occasion, 3 documents signed, year 2019
  inferred.
- Timor-Leste (S000): one meeting with the ambassador (E001) and one proposed MoU, no year.
- Vietnam: virtual talks in 2021 (S004, 1 event, 1 supplement signed); a 2023 visit (S002) with
  two calls and a co-chaired meeting (4 events, no agreement); a 2024 visit (S003) with a call and
  talks (3 events, the 2023 plan reviewed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import (
    agreements,
    dataset_overview,
    interlocutors,
    occasions,
    themes,
    themes_by_partner,
    themes_over_time,
)
from helpers.analysis.scope import resolve
from helpers.dataset.dates import date_intervals
from helpers.errors import ParameterError
from helpers.paths import PROJECT_DATA as DATA


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column].astype(str) == str(value)
    assert mask.sum() == 1, (where, mask.sum())
    return frame[mask].iloc[0]


def test_counts_by_partner_year(project_scope) -> None:
    table = dataset_overview.counts_by_partner_year(project_scope)
    expected = {
        ("CHN", "2019"): (3, 1, 3, 3, 1),
        ("TLS", "undated"): (1, 1, 1, 1, 1),
        ("VNM", "2021"): (1, 1, 1, 1, 1),
        ("VNM", "2023"): (4, 1, 0, 0, 1),
        ("VNM", "2024"): (3, 1, 1, 1, 1),
    }
    got = {
        (r.partner_id, r.year): (r.events, r.occasions, r.instruments, r.steps, r.sources)
        for r in table.itertuples()
    }
    assert got == expected


def test_date_quality(project_scope) -> None:
    table = dataset_overview.date_precision(project_scope)
    got = {(r.table, r.precision, r.inferred): r.rows for r in table.itertuples()}
    assert got == {
        ("events", "day", True): 6,
        ("events", "month", True): 2,
        ("events", "year", True): 3,
        ("events", "no date", False): 1,
        ("reports", "day", True): 6,
        ("reports", "month", True): 2,
        ("reports", "year", True): 3,
        ("reports", "no date", False): 1,
        ("instrument_steps", "day", True): 2,
        ("instrument_steps", "year", True): 3,
        ("instrument_steps", "no date", False): 1,
    }


def test_theme_by_partner(project_scope) -> None:
    table = themes_by_partner.themes_by_voice(project_scope)
    info = row(table, partner_id="VNM", theme_id="information_sharing", voice="official")
    assert (info.occasions, info.partner_occasions, info.sources) == (2, 3, 2)
    assert info.share == pytest.approx(0.667)
    border_observer = row(table, partner_id="VNM", theme_id="border_control", voice="observer")
    assert (border_observer.occasions, border_observer.sources) == (1, 1)
    # telecom fraud with China: raised at two meetings and in the MoU, but one occasion
    telecom = row(table, partner_id="CHN", theme_id="telecom_fraud", voice="official")
    assert (telecom.occasions, telecom.share) == (1, 1.0)
    assert len(table[(table.partner_id == "TLS") & (table.theme_id == "transnational_crime")]) == 2


def test_observers_can_be_left_out() -> None:
    scope = resolve(DATA, include_observers=False)
    table = themes_by_partner.themes_by_voice(scope)
    assert set(table.voice) == {"official"}
    by_year = themes_over_time.themes_by_year(scope)
    # the 2023 visit to Vietnam has only an observer's commentary on themes
    assert by_year[(by_year.partner_id == "VNM") & (by_year.year == "2023")].empty


def test_theme_kind_filter() -> None:
    scope = resolve(DATA, theme_kind="crime")
    table = themes_by_partner.themes_by_voice(scope)
    assert set(table.kind) == {"crime"}
    assert "information_sharing" not in set(table.theme_id)


def test_agreement_counts(project_scope) -> None:
    table = agreements.agreements_by_kind_status(project_scope)
    got = {(r.partner_id, r.kind, r.status): r.agreements for r in table.itertuples()}
    assert got == {
        ("CHN", "mou", "signed"): 1,
        ("CHN", "action_plan", "signed"): 1,
        ("CHN", "agreement", "signed"): 1,
        ("TLS", "mou", "proposed"): 1,
        ("VNM", "cooperation_plan", "reviewed"): 1,
        ("VNM", "supplementary_document", "signed"): 1,
    }


def test_interlocutors_and_continuity(project_scope) -> None:
    people = interlocutors.interlocutors_by_year(project_scope)
    to_lam = people[people.person_id == "to-lam"]
    assert list(to_lam.year) == ["2021", "2023", "2024"]
    continuity = interlocutors.continuity(project_scope).set_index("person_id")
    assert continuity.loc[
        "to-lam", ["first_year", "last_year", "years_met", "occasions"]
    ].tolist() == [
        2021,
        2024,
        3,
        3,
    ]
    assert continuity.loc["sar-kheng", "partners"] == "CHN, VNM"
    assert pd.isna(continuity.loc["ermenegildo-kupa-lopes", "first_year"])


def test_scope_one_partner_narrow_years() -> None:
    scope = resolve(DATA, partners=["VNM"], year_from=2023, year_to=2024)
    assert sorted(scope.tables["events"].event_id) == [f"E{i:03d}" for i in range(5, 12)]
    assert list(scope.tables["instruments"].instrument_id) == ["I005"]
    assert occasions.occasion_totals(scope.tables, scope.partners).to_dict() == {"VNM": 2}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"partners": ["XXX"]}, "partners: unknown value(s) ['XXX']; allowed"),
        ({"partners": []}, "partners"),
        (
            {"year_from": 2025, "year_to": 2020},
            "year_from/year_to: the range 2025–2020 is inverted",
        ),
        ({"year_from": 1990, "year_to": 1995}, "year_to: 1995 is before the first dated year"),
        ({"year_from": "2020"}, "year_from: '2020' is not a whole year"),
        (
            {"theme_kind": "weapons"},
            "theme_kind: 'weapons' is unknown; allowed: ['all', 'crime', 'means']",
        ),
        ({"include_observers": "yes"}, "include_observers"),
    ],
)
def test_impossible_parameters_are_named(kwargs, fragment) -> None:
    with pytest.raises(ParameterError) as info:
        resolve(DATA, **kwargs)
    assert fragment in str(info.value)


def test_missing_data_directory(tmp_path) -> None:
    with pytest.raises(ParameterError, match="data_dir: directory .* does not exist"):
        resolve(tmp_path / "nowhere")


def test_date_intervals() -> None:
    dates = pd.Series(["2019", "2024-02", "2021-08-03", None], dtype="string")
    precision = pd.Series(["year", "month", "day", None], dtype="string")
    lo, hi = date_intervals(dates, precision)
    assert list(lo[:3]) == [pd.Timestamp(d) for d in ("2019-01-01", "2024-02-01", "2021-08-03")]
    assert list(hi[:3]) == [pd.Timestamp(d) for d in ("2019-12-31", "2024-02-29", "2021-08-03")]
    assert pd.isna(lo[3]) and pd.isna(hi[3])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_year_filter_keeps_or_drops_whole_occasions(data_copy: Path) -> None:
    # the 2023 visit now starts in December 2022; its March 2023 meetings go with it
    for table in ("events.csv", "reports.csv"):
        _edit(data_copy / table, "2023-03-03,2023-03-05", "2022-12-30,2023-03-05")
    scope = resolve(data_copy, year_from=2023)
    assert not {"E005", "E006", "E007", "E008"} & set(scope.tables["events"].event_id)
    counts = dataset_overview.counts_by_partner_year(scope)
    assert set(counts.year) == {"2024"}


def test_instrument_without_event_is_an_occasion_of_its_own(data_copy: Path) -> None:
    with open(data_copy / "instruments.csv", "a", encoding="utf-8") as handle:
        handle.write("I007,VNM,mou,test instrument,Test row.\n")
    with open(data_copy / "instrument_steps.csv", "a", encoding="utf-8") as handle:
        handle.write("I007,signed,S004,17,,test instrument,,2022,year,false,\n")
    with open(data_copy / "instrument_themes.csv", "a", encoding="utf-8") as handle:
        handle.write("I007,S004,drugs,official,both,,17,Test row.\n")
    table = themes_by_partner.themes_by_voice(resolve(data_copy))
    drugs = row(table, partner_id="VNM", theme_id="drugs", voice="official")
    assert (drugs.occasions, drugs.partner_occasions) == (2, 4)
    assert (table.share <= 1).all()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"year_to": 0}, "year_to: 0 is before the first dated year"),
        ({"year_from": 2030}, "year_from: 2030 is after the last dated year"),
        ({"partners": ["TLS"], "year_from": 2019}, "no event or instrument of ['TLS']"),
    ],
)
def test_empty_scopes_are_refused(kwargs, fragment) -> None:
    with pytest.raises(ParameterError, match=re.escape(fragment)):
        resolve(DATA, **kwargs)


def test_repeated_partners_count_once() -> None:
    assert resolve(DATA, partners=["VNM", "VNM"]).partners == ("VNM",)


def test_theme_partners_by_year(project_scope) -> None:
    table = themes_over_time.theme_spread_by_year(project_scope)
    transnational = {
        r.year: (r.partners, r.partner_ids, r.sources)
        for r in table[table.theme_id == "transnational_crime"].itertuples()
    }
    assert transnational == {
        "2019": (1, "CHN", 1),
        "2021": (1, "VNM", 1),
        "2024": (1, "VNM", 1),
        "undated": (1, "TLS", 1),
    }
    # the 2023 visit's themes come only from an observer's commentary
    assert set(table[table.year == "2023"].theme_id) == {
        "border_control",
        "illegal_migration",
        "smuggling",
    }
    # sources are distinct sources of the theme's links that year, not a sum over partners
    links = themes.theme_links(project_scope).astype({"year": "string"}).fillna({"year": "undated"})
    expected = links.groupby(["theme_id", "year"], observed=True).source_id.nunique()
    got = table.set_index(["theme_id", "year"]).sources
    assert {(str(t), str(y)): n for (t, y), n in expected.items()} == {
        (str(t), str(y)): n for (t, y), n in got.items()
    }


def _edited(data: Path, file: str, edit) -> Path:
    path = data / file
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")
    return data


def test_instrument_without_event_is_an_occasion_when_no_event_is_in_scope(data_copy) -> None:
    # I002's step loses its event and gets a date of its own: in 2021, China has it alone
    def edit(text: str) -> str:
        return text.replace("I002,signed,S001,9,E003,", "I002,signed,S001,9,,").replace(
            "fraud,Friday,2019,year", "fraud,Friday,2021,year"
        )

    scope = resolve(_edited(data_copy, "instrument_steps.csv", edit), "CHN", 2021, 2021)
    assert scope.tables["events"].empty and len(scope.tables["instruments"]) == 1
    assert occasions.occasion_totals(scope.tables, scope.partners).to_dict() == {"CHN": 1}
    by_partner = themes_by_partner.themes_by_voice(scope)
    assert set(by_partner.partner_occasions) <= {1}


def test_agreements_are_sorted_by_text_not_by_file_order(data_copy) -> None:
    def reverse(text: str) -> str:
        header, *rows = text.splitlines()
        return "\n".join([header, *reversed(rows)]) + "\n"

    scope = resolve(_edited(data_copy, "partners.csv", reverse))
    table = agreements.agreements_by_year(scope)
    keys = list(zip(table.partner_id, table.year, table.instrument_id, strict=True))
    assert keys == sorted(keys)
    assert table.partner_id.dtype == "string"
