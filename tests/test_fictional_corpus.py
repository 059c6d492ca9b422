"""The report model on a growing corpus, proved on FICTIONAL articles: every row these tests add
(source S005, its reports, steps and evidence) is invented for the test, describes nothing
that happened, and is written only to a temporary copy of data/, never to data/ itself.

1. A second article about an existing meeting adds reports and evidence, not an occasion.
2. A later article about a signature turns a proposed instrument into a signed one, without a
   second instrument.
3. Two sources that disagree on a date are both kept; the event's date follows the codebook's
   rule (R2: among equally precise dates, the earliest), with a note.
"""

from __future__ import annotations

import csv
from pathlib import Path

from helpers.analysis import agreements, corroboration, occasions, themes_by_partner
from helpers.analysis.scope import resolve
from helpers.dataset.validate import validate_dataset

FICTIONAL = "FICTIONAL test row (tests/test_fictional_corpus.py): describes nothing real."
SOURCE = ["S005", "fictional_later_article.txt", "f" * 64, "", "", "", "", FICTIONAL]


def add_rows(data: Path, table: str, *rows: list[str]) -> None:
    with open(data / f"{table}.csv", "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(data: Path, table: str, key: str, column: str, value: str) -> None:
    path = data / f"{table}.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    at = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == key:
            row[at] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_second_article_adds_reports_and_evidence_not_an_occasion(data_copy: Path) -> None:
    before = resolve(data_copy)
    add_rows(data_copy, "sources", SOURCE)
    # the same January 2024 talks (E011), dated alike, with one participant and one theme
    stated = ["2", "January 23", "2024-01-23", "", "day", "true", "From the date line."]
    add_rows(data_copy, "reports", ["E011", "S005", *stated, "", "", "", ""])
    add_rows(data_copy, "participants", ["E011", "S005", "to-lam", "partner", "", "", "2"])
    add_rows(data_copy, "event_themes",
             ["E011", "S005", "drugs", "official", "both", "", "3", FICTIONAL])  # fmt: skip
    assert validate_dataset(data_copy) == []
    after = resolve(data_copy)
    assert len(after.tables["events"]) == len(before.tables["events"])
    assert len(after.tables["reports"]) == len(before.tables["reports"]) + 1
    totals = occasions.occasion_totals
    assert totals(after.tables, after.partners).equals(totals(before.tables, before.partners))
    themes = themes_by_partner.themes_by_voice(after).set_index(["partner_id", "theme_id", "voice"])
    was = themes_by_partner.themes_by_voice(before).set_index(["partner_id", "theme_id", "voice"])
    drugs = ("VNM", "drugs", "official")
    assert themes.loc[drugs, "occasions"] == was.loc[drugs, "occasions"]  # still one occasion
    assert themes.loc[drugs, "sources"] == was.loc[drugs, "sources"] + 1  # now two sources say so
    table = corroboration.corroboration(after)
    occasions_vnm = table[(table["item"] == "occasions") & (table.partner_id == "VNM")]
    assert dict(zip(occasions_vnm.sources, occasions_vnm["items"], strict=True)) == {1: 2, 2: 1}


def test_a_later_signature_makes_the_proposal_signed_not_a_second_instrument(data_copy) -> None:
    before = agreements.agreements_by_kind_status(resolve(data_copy))
    add_rows(data_copy, "sources", SOURCE)
    # the MoU proposed to Timor-Leste (I001), reported signed in May 2026 by the new article
    add_rows(data_copy, "instrument_steps", ["I001", "signed", "S005", "4", "", "the MoU",
                                             "in May", "2026-05", "month", "true",
                                             "Year from the date line."])  # fmt: skip
    assert validate_dataset(data_copy) == []
    scope = resolve(data_copy)
    assert list(scope.tables["instruments"].instrument_id.astype(str)) == [
        f"I{i:03d}" for i in range(1, 7)
    ]
    after = agreements.agreements_by_kind_status(scope)
    tls = after[after.partner_id == "TLS"]
    assert list(zip(tls.kind.astype(str), tls.status.astype(str), tls.agreements, strict=True)) == [
        ("mou", "signed", 1)
    ]
    assert after.agreements.sum() == before.agreements.sum()  # each instrument once
    steps = agreements.agreements_by_year(scope)
    assert sorted(steps[steps.instrument_id == "I001"].status.astype(str)) == ["proposed", "signed"]


def test_disagreeing_dates_are_both_kept_and_the_rule_decides(data_copy: Path) -> None:
    add_rows(data_copy, "sources", SOURCE)
    # the new article dates the January 2024 call on the party chairman (E010) a day later
    stated = ["2", "January 24", "2024-01-24", "", "day", "true", "From the date line."]
    add_rows(data_copy, "reports", ["E010", "S005", *stated, "", "", "", ""])
    problems = validate_dataset(data_copy)
    assert [(p.file, p.column) for p in problems] == [("events.csv", "reconciliation_note")]
    set_cell(
        data_copy, "events", "E010", "reconciliation_note", "S005 gives the 24th; R2 keeps 23."
    )
    assert validate_dataset(data_copy) == []
    scope = resolve(data_copy)
    reports = scope.tables["reports"]
    stated = reports[reports.event_id.astype(str) == "E010"].start_date.astype(str)
    assert sorted(stated) == ["2024-01-23", "2024-01-24"]  # both claims kept
    events = scope.tables["events"].set_index(scope.tables["events"].event_id.astype(str))
    assert str(events.loc["E010", "start_date"]) == "2024-01-23"  # the earliest of equals
    # the later date as the event's value breaks the rule, and the validator says so
    set_cell(data_copy, "events", "E010", "start_date", "2024-01-24")
    problems = validate_dataset(data_copy)
    assert [(p.file, p.column, p.value) for p in problems] == [
        ("events.csv", "start_date", "2024-01-24")
    ]
    assert "picks the date of source S003" in problems[0].message
