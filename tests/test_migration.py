"""The move to reports, reconciled events and instruments with steps (issue 11) lost no fact:
every cell of the old tables, read from git history (commit 0ac9036), is found in the new
tables, and no row was invented. Checked for the main coding and for coder B's."""

from __future__ import annotations

import io
import subprocess

import pandas as pd
import pytest

from helpers.paths import PROJECT_ROOT

BEFORE = "0ac9036"  # the last commit of the one-source-per-event model
FOLDERS = ("data", "data/coder_b")
UNCHANGED = ("sources", "partners", "bodies", "persons", "themes")


def old(folder: str, table: str) -> pd.DataFrame:
    text = subprocess.run(
        ["git", "show", f"{BEFORE}:{folder}/{table}.csv"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def new(folder: str, table: str) -> pd.DataFrame:
    return pd.read_csv(PROJECT_ROOT / folder / f"{table}.csv", dtype=str, keep_default_na=False)


def instrument(agreement_id: str) -> str:
    return "I" + agreement_id[1:]


def found(frame: pd.DataFrame, key: dict[str, str], facts: dict[str, str]) -> list[str]:
    """The facts (column: value) missing from the row of ``frame`` with ``key``."""
    mask = pd.Series(True, index=frame.index)
    for column, value in key.items():
        mask &= frame[column] == value
    if mask.sum() != 1:
        return [f"{key}: {mask.sum()} rows"]
    row = frame[mask].iloc[0]
    return [f"{key} {c}={v!r} (now {row[c]!r})" for c, v in facts.items() if row[c] != v]


@pytest.fixture(scope="module", params=FOLDERS)
def folder(request) -> str:
    return request.param


def test_events_keep_every_fact(folder: str) -> None:
    events, reports = new(folder, "events"), new(folder, "reports")
    lost = []
    for ev in old(folder, "events").to_dict("records"):
        stated = ["paragraph", "date_as_stated", "place_as_stated"]
        shared = ["start_date", "end_date", "date_precision", "date_inferred"]
        shared += ["date_inference_reason", "mode", "visiting_side", "hosting_side"]
        key = {"event_id": ev["event_id"], "source_id": ev["source_id"]}
        lost += found(reports, key, {c: ev[c] for c in stated + shared})
        own = ["partner_id", "event_type", "parent_event_id", "cambodian_body_id"]
        own += ["partner_body_id", "summary", *shared]
        facts = {c: ev[c] for c in own} | {"place": ev["place_as_stated"]}
        lost += found(events, {"event_id": ev["event_id"]}, facts)
    assert lost == []
    assert len(events) == len(reports) == len(old(folder, "events"))


def test_evidence_keeps_every_fact_and_gains_its_source(folder: str) -> None:
    source_of = dict(
        zip(*(old(folder, "events")[c] for c in ("event_id", "source_id")), strict=True)
    )
    lost = []
    people = new(folder, "participants")
    for p in old(folder, "participants").to_dict("records"):
        key = {"event_id": p["event_id"], "person_id": p["person_id"]}
        lost += found(people, key | {"source_id": source_of[p["event_id"]]}, p)
    links = new(folder, "event_themes")
    for link in old(folder, "event_themes").to_dict("records"):
        lost += found(links, {c: link[c] for c in ("event_id", "theme_id", "voice")}, link)
    assert lost == []
    assert len(people) == len(old(folder, "participants"))
    assert len(links) == len(old(folder, "event_themes"))


def test_each_agreement_is_one_instrument_with_one_step(folder: str) -> None:
    instruments, steps = new(folder, "instruments"), new(folder, "instrument_steps")
    themes = new(folder, "instrument_themes")
    lost = []
    for a in old(folder, "agreements").to_dict("records"):
        key = {"instrument_id": instrument(a["agreement_id"])}
        facts = {"partner_id": a["partner_id"], "kind": a["kind"], "summary": a["summary"]}
        lost += found(instruments, key, facts | {"name": a["name_as_stated"]})
        step = ["source_id", "paragraph", "event_id", "name_as_stated", "date_as_stated"]
        step += ["date", "date_precision", "date_inferred", "date_inference_reason"]
        lost += found(steps, key | {"step": a["status"]}, {c: a[c] for c in step})
    for link in old(folder, "agreement_themes").to_dict("records"):
        key = {"instrument_id": instrument(link["agreement_id"])}
        key |= {c: link[c] for c in ("theme_id", "voice")}
        lost += found(themes, key, {c: v for c, v in link.items() if c != "agreement_id"})
    assert lost == []
    assert len(instruments) == len(steps) == len(old(folder, "agreements"))
    assert len(themes) == len(old(folder, "agreement_themes"))


@pytest.mark.parametrize("table", UNCHANGED)
def test_reference_tables_are_unchanged(folder: str, table: str) -> None:
    assert new(folder, table).equals(old(folder, table))
