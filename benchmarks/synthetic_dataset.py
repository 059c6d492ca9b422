"""A valid synthetic data directory of any size, written with whole-column operations, for
measuring the validator (``helpers validate``) at up to millions of events.

Every row is SYNTHETIC and labelled so; nothing here is a fact. The tables keep every rule of
the validator: each event is reported by one to five sources (its date the one the codebook's
rule picks: a later report may give only the month), a third of the events are meetings inside
a visit, participants serve the event's partner or Cambodia, instruments have one to three
steps (proposed, signed, reviewed) at their event, reported by a source of that event.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.dataset.schema import Schema
from helpers.paths import PROJECT_DATA

LABEL = "SYNTHETIC benchmark data (benchmarks/synthetic_dataset.py); not a real source."
VOCABULARIES = ("plover_event_types", "plover_contexts", "cameo_codes")


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object)


def _dates(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day-precise dates, their month, and a precision per row (day, month or year)."""
    year = rng.integers(2000, 2025, n)
    month, day = rng.integers(1, 13, n), rng.integers(1, 29, n)
    days = np.array([f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(year, month, day, strict=True)])
    precision = rng.choice(np.array(["day", "month", "year"]), n, p=[0.6, 0.25, 0.15])
    length = np.select([precision == "day", precision == "month"], [10, 7], 4)
    dated = np.array([text[:k] for text, k in zip(days, length, strict=True)], dtype=object)
    return dated, precision.astype(object), np.array([t[:7] for t in days], dtype=object)


def _write(target: Path, name: str, columns: list[str], frame: dict[str, object]) -> None:
    """One table as the csv module writes it (quotes only where a cell needs them)."""
    n = max(len(v) for v in frame.values() if not isinstance(v, str))
    table = pd.DataFrame(
        {
            c: np.full(n, frame.get(c, ""), dtype=object)
            if isinstance(frame.get(c, ""), str)
            else np.asarray(frame[c], dtype=object)
            for c in columns
        }
    )
    table.to_csv(target / f"{name}.csv", index=False, lineterminator="\n")


def write_dataset(target: Path, n_events: int, seed: int = 1) -> dict[str, int]:
    """Write a valid data directory of ``n_events`` events to ``target``; rows per table."""
    rng = np.random.default_rng(seed)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DATA / "datapackage.json", target / "datapackage.json")
    for name in VOCABULARIES:
        shutil.copy(PROJECT_DATA / f"{name}.csv", target / f"{name}.csv")
    schema = Schema.project()
    columns = {name: table.field_names for name, table in schema.tables.items()}
    rows: dict[str, int] = {}

    def write(name: str, frame: dict[str, object]) -> None:
        _write(target, name, columns[name], frame)
        rows[name] = max(len(v) for v in frame.values() if not isinstance(v, str))

    letters = [chr(65 + i) for i in range(26)]
    codes = np.array([f"{a}{b}{c}" for a in letters[:4] for b in letters[:5] for c in "XYZ"])[:20]
    write("partners", {"partner_id": codes, "name": [f"Partner {c} (synthetic)" for c in codes]})
    bodies = np.array([f"{c}-POL" for c in codes] + ["KHM-MOI"], dtype=object)
    write(
        "bodies",
        {
            "body_id": bodies,
            "partner_id": list(codes) + [""],
            "name": [f"Police of {c} (synthetic)" for c in codes] + ["Ministry (synthetic)"],
            "kind": "security_ministry",
        },
    )
    officers = np.array([[f"officer-{c.lower()}-{x}" for x in "abc"] for c in codes])
    ministers = np.array(["minister-a", "minister-b"])
    write(
        "persons",
        {
            "person_id": list(officers.ravel()) + list(ministers),
            "name": [f"Officer {i} (synthetic)" for i in range(officers.size)]
            + ["Minister A (synthetic)", "Minister B (synthetic)"],
            "partner_id": list(np.repeat(codes, 3)) + ["", ""],
        },
    )
    n_sources = max(n_events // 5, 10)
    sources = _ids("S", n_sources)
    write(
        "sources",
        {
            "source_id": sources,
            "file_name": [f"synthetic_{i:07d}.txt" for i in range(n_sources)],
            "sha256": [f"{i:064x}" for i in range(n_sources)],
            "outlet": "Synthetic",
            "note": LABEL,
        },
    )
    n_themes = 40
    themes = np.array([f"theme_{i:02d}" for i in range(n_themes)], dtype=object)
    write(
        "themes",
        {
            "theme_id": themes,
            "kind": np.where(np.arange(n_themes) % 2, "crime", "means"),
            "label": [f"Theme {i} (synthetic)" for i in range(n_themes)],
            "definition": "Synthetic theme.",
        },
    )

    # events: a visit with up to three meetings inside it, or a stand-alone meeting
    events = _ids("E", n_events)
    child = (rng.random(n_events) < 1 / 3) & (np.arange(n_events) > 0)
    child[1:] &= ~child[:-1]  # a meeting's parent (the event before it) is never a meeting
    root = np.where(child, np.arange(n_events) - 1, np.arange(n_events))
    partner = rng.integers(0, len(codes), n_events)[root]
    has_child = np.zeros(n_events, dtype=bool)
    has_child[root[child]] = True
    dated, precision, month = _dates(rng, n_events)
    undated = rng.random(n_events) < 0.05
    dated[undated], precision[undated] = "", ""
    inferred = np.where(~undated & (precision != "day"), "true", "false")
    reason = np.where(inferred == "true", "Synthetic: from the date line.", "")
    place = np.array([f"City {i % 97}" for i in range(n_events)], dtype=object)
    write(
        "events",
        {
            "event_id": events,
            "partner_id": codes[partner],
            "event_type": np.where(child, "meeting", np.where(has_child, "visit", "talks")),
            "parent_event_id": np.where(child, events[root], ""),
            "start_date": dated,
            "date_precision": precision,
            "date_inferred": inferred,
            "date_inference_reason": reason,
            "place": place,
            "mode": "in_person",
            "visiting_side": "partner",
            "hosting_side": "cambodia",
            "cambodian_body_id": "KHM-MOI",
            "partner_body_id": bodies[partner],
            "summary": LABEL,
        },
    )

    # reports: 1 to 5 sources per event; a later report of a day-dated event may give the month
    per_event = rng.integers(1, 6, n_events)
    r_event = np.repeat(np.arange(n_events), per_event)
    first = np.cumsum(per_event) - per_event
    offset = np.arange(len(r_event)) - first[r_event]
    r_source = (r_event // 5 + offset * 7) % n_sources
    coarse = (offset > 0) & (precision[r_event] == "day") & (rng.random(len(r_event)) < 0.3)
    r_date = np.where(coarse, month[r_event], dated[r_event])
    r_precision = np.where(coarse, "month", precision[r_event])
    r_inferred = np.where(coarse, "true", inferred[r_event])
    write(
        "reports",
        {
            "event_id": events[r_event],
            "source_id": sources[r_source],
            "paragraph": rng.integers(1, 30, len(r_event)),
            "start_date": r_date,
            "date_precision": r_precision,
            "date_inferred": r_inferred,
            "date_inference_reason": np.where(r_inferred == "true", "Synthetic: stated.", ""),
            "place_as_stated": place[r_event],
            "mode": "in_person",
            "visiting_side": "partner",
            "hosting_side": "cambodia",
        },
    )
    # participants: per report a minister of Cambodia and an officer of the event's partner
    p_report = np.repeat(np.arange(len(r_event)), 2)
    cambodian = np.arange(len(p_report)) % 2 == 0
    p_event = r_event[p_report]
    officer = officers[partner[p_event], rng.integers(0, 3, len(p_report))]
    write(
        "participants",
        {
            "event_id": events[p_event],
            "source_id": sources[r_source[p_report]],
            "person_id": np.where(cambodian, ministers[p_event % 2], officer),
            "side": np.where(cambodian, "cambodia", "partner"),
            "title_as_stated": np.where(cambodian, "Minister", ""),
            "paragraph": rng.integers(1, 30, len(p_report)),
        },
    )
    # event themes: about two per event, each from one of the event's reports
    n_links = 2 * n_events
    l_report = np.sort(rng.integers(0, len(r_event), n_links))
    voice = np.where(rng.random(n_links) < 0.2, "observer", "official")
    links = pd.DataFrame(
        {"report": l_report, "theme": rng.integers(0, n_themes, n_links), "voice": voice}
    ).drop_duplicates()
    write(
        "event_themes",
        {
            "event_id": events[r_event[links.report]],
            "source_id": sources[r_source[links.report]],
            "theme_id": themes[links.theme],
            "voice": links.voice.to_numpy(),
            "raised_by": np.where(links.voice == "observer", "observer", "both"),
            "paragraph": rng.integers(1, 30, len(links)),
            "evidence": LABEL,
        },
    )
    # instruments: one per four events, with one to three steps at their event
    n_instruments = max(n_events // 4, 1)
    i_event = np.sort(rng.choice(n_events, n_instruments, replace=False))
    instruments = _ids("I", n_instruments)
    write(
        "instruments",
        {
            "instrument_id": instruments,
            "partner_id": codes[partner[i_event]],
            "kind": rng.choice(np.array(["mou", "action_plan", "agreement"]), n_instruments),
            "name": "synthetic instrument",
            "summary": LABEL,
        },
    )
    n_steps = np.minimum(rng.integers(1, 4, n_instruments), per_event[i_event])
    s_instrument = np.repeat(np.arange(n_instruments), n_steps)
    step_no = np.arange(len(s_instrument)) - (np.cumsum(n_steps) - n_steps)[s_instrument]
    s_event = i_event[s_instrument]
    s_report = first[s_event] + step_no  # a different source of the event for each step
    write(
        "instrument_steps",
        {
            "instrument_id": instruments[s_instrument],
            "step": np.array(["proposed", "signed", "reviewed"])[step_no],
            "source_id": sources[r_source[s_report]],
            "paragraph": rng.integers(1, 30, len(s_instrument)),
            "event_id": events[s_event],
            "name_as_stated": "synthetic instrument",
            "date": dated[s_event],
            "date_precision": precision[s_event],
            "date_inferred": inferred[s_event],
            "date_inference_reason": reason[s_event],
        },
    )
    first_step = np.cumsum(n_steps) - n_steps
    write(
        "instrument_themes",
        {
            "instrument_id": instruments,
            "source_id": sources[r_source[s_report[first_step]]],
            "theme_id": themes[rng.integers(0, n_themes, n_instruments)],
            "voice": "official",
            "raised_by": "both",
            "paragraph": rng.integers(1, 30, n_instruments),
            "evidence": LABEL,
        },
    )
    return rows
