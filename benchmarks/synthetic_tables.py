"""Large synthetic tables, built in memory (vectorised) for benchmarking the helpers. They have
the columns and dtypes of the loaded dataset (keys and dates encoded as
``helpers.dataset.read`` does); they are random and labelled synthetic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.scope import Scope
from helpers.dataset.schema import Schema


def _categorical(values, table: str, column: str, schema: Schema) -> pd.Categorical:
    return pd.Categorical(values, categories=schema.enum(table, column))


def scope_of(tables: dict[str, pd.DataFrame], schema: Schema) -> Scope:
    """The whole of encoded ``tables`` as a Scope: every partner, year and theme kind."""
    partners = tuple(sorted(tables["partners"].partner_id.astype(str)))
    return Scope(
        data_dir=schema.path.parent,
        partners=partners,
        year_from=None,
        year_to=None,
        theme_kinds=tuple(schema.enum("themes", "kind")),
        include_observers=True,
        tables=tables,
        all_partners=partners,
    )


def synthetic_tables(n_events: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """``n_events`` events (a third of them meetings inside visits), each reported by 1 to 5
    sources, with instruments (1 to 3 steps each), participants and theme links (per source) in
    proportion, as read from CSV, before keys and dates are encoded."""
    rng = np.random.default_rng(seed)
    schema = Schema.project()
    partners = np.array([f"P{i:02d}" for i in range(20)])
    n_themes = 40
    themes = pd.DataFrame(
        {
            "theme_id": [f"t{i:02d}" for i in range(n_themes)],
            "kind": _categorical(
                np.where(np.arange(n_themes) % 2, "crime", "means"), "themes", "kind", schema
            ),
            "label": pd.array([f"Theme {i}" for i in range(n_themes)], dtype="string"),
        }
    )
    ids = np.array([f"E{i:07d}" for i in range(n_events)], dtype=object)
    is_child = rng.random(n_events) < 1 / 3
    parent_idx = np.maximum(np.arange(n_events) - rng.integers(1, 4, n_events), 0)
    parent = np.where(is_child & (np.arange(n_events) > 0), ids[parent_idx], None)
    years = rng.integers(2000, 2025, n_events)
    precision = rng.choice(["day", "month", "year"], n_events)
    month, day = rng.integers(1, 13, n_events), rng.integers(1, 29, n_events)
    y_s = years.astype(str)
    m_s = np.char.zfill(month.astype(str), 2)
    d_s = np.char.zfill(day.astype(str), 2)
    start = np.where(
        precision == "year",
        y_s,
        np.where(
            precision == "month",
            np.char.add(np.char.add(y_s, "-"), m_s),
            np.char.add(np.char.add(np.char.add(np.char.add(y_s, "-"), m_s), "-"), d_s),
        ),
    )
    undated = rng.random(n_events) < 0.05
    dates = pd.array(np.where(undated, None, start), dtype="string")
    precisions = _categorical(
        np.where(undated, None, precision), "events", "date_precision", schema
    )
    inferred = pd.array(rng.random(n_events) < 0.5, dtype="boolean")
    events = pd.DataFrame(
        {
            "event_id": pd.array(ids, dtype="string"),
            "partner_id": pd.array(rng.choice(partners, n_events), dtype="string"),
            "event_type": _categorical(
                rng.choice(["visit", "talks", "meeting", "courtesy_call"], n_events),
                "events",
                "event_type",
                schema,
            ),
            "parent_event_id": pd.array(parent, dtype="string"),
            "start_date": dates,
            "date_precision": precisions,
            "date_inferred": inferred,
        }
    )
    # 1 to 5 reports per event, each from another source, dated as the event
    n_sources = n_events // 5 + 5
    per_event = rng.integers(1, 6, n_events)
    r_event = np.repeat(np.arange(n_events), per_event)
    offset = np.arange(len(r_event)) - np.repeat(np.cumsum(per_event) - per_event, per_event)
    r_source = (r_event // 5 + offset) % n_sources
    source_ids = np.char.add("S", np.arange(n_sources).astype(str))
    reports = pd.DataFrame(
        {
            "event_id": events.event_id.to_numpy()[r_event],
            "source_id": pd.array(source_ids[r_source], dtype="string"),
            "start_date": dates.take(r_event),
            "date_precision": precisions.take(r_event),
            "date_inferred": inferred.take(r_event),
        }
    )
    n_instruments = n_events // 4
    i_event = rng.integers(0, n_events, n_instruments)
    instruments = pd.DataFrame(
        {
            "instrument_id": pd.array([f"I{i:07d}" for i in range(n_instruments)], dtype="string"),
            "partner_id": events.partner_id.to_numpy()[i_event],
            "kind": _categorical(
                rng.choice(schema.enum("instruments", "kind"), n_instruments),
                "instruments",
                "kind",
                schema,
            ),
            "name": pd.array(["instrument"] * n_instruments, dtype="string"),
        }
    )
    # 1 to 3 steps per instrument (proposed, signed, reviewed), each at the instrument's event,
    # reported by one of the event's sources
    n_steps = rng.integers(1, 4, n_instruments)
    s_instrument = np.repeat(np.arange(n_instruments), n_steps)
    step_no = np.arange(len(s_instrument)) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
    s_event = i_event[s_instrument]
    first_report = np.cumsum(per_event) - per_event
    s_report = first_report[s_event] + step_no % per_event[s_event]
    instrument_steps = pd.DataFrame(
        {
            "instrument_id": instruments.instrument_id.to_numpy()[s_instrument],
            "step": _categorical(
                np.array(["proposed", "signed", "reviewed"])[step_no],
                "instrument_steps",
                "step",
                schema,
            ),
            "source_id": reports.source_id.array.take(s_report),
            "event_id": events.event_id.to_numpy()[s_event],
            "date": dates.take(s_event),
            "date_precision": precisions.take(s_event),
            "date_inferred": inferred.take(s_event),
        }
    ).drop_duplicates(["instrument_id", "step", "source_id"])
    n_links = n_events * 2
    l_report = np.sort(rng.integers(0, len(reports), n_links))  # a file lists them by event
    event_themes = pd.DataFrame(
        {
            "event_id": reports.event_id.to_numpy()[l_report],
            "source_id": reports.source_id.array.take(l_report),
            "theme_id": pd.array(rng.choice(themes.theme_id, n_links), dtype="string"),
            "voice": _categorical(
                np.where(rng.random(n_links) < 0.2, "observer", "official"),
                "event_themes",
                "voice",
                schema,
            ),
        }
    ).drop_duplicates(["event_id", "source_id", "theme_id", "voice"])
    a_links = np.sort(rng.integers(0, len(instrument_steps), n_instruments))
    instrument_themes = pd.DataFrame(
        {
            "instrument_id": instrument_steps.instrument_id.to_numpy()[a_links],
            "source_id": instrument_steps.source_id.array.take(a_links),
            "theme_id": pd.array(rng.choice(themes.theme_id, n_instruments), dtype="string"),
            "voice": _categorical(
                ["official"] * n_instruments, "instrument_themes", "voice", schema
            ),
        }
    ).drop_duplicates(["instrument_id", "source_id", "theme_id", "voice"])
    persons = pd.DataFrame(
        {
            "person_id": pd.array([f"p{i}" for i in range(200)], dtype="string"),
            "name": pd.array([f"Person {i}" for i in range(200)], dtype="string"),
        }
    )
    p_report = np.repeat(np.arange(len(reports)), 2)
    p_event = r_event[p_report]
    participants = pd.DataFrame(
        {
            "event_id": events.event_id.to_numpy()[p_event],
            "source_id": reports.source_id.array.take(p_report),
            "person_id": pd.array(
                np.char.add("p", rng.integers(0, 200, len(p_event)).astype(str)), dtype="string"
            ),
            "side": _categorical(
                np.tile(["cambodia", "partner"], len(reports)), "participants", "side", schema
            ),
            "title_as_stated": pd.array(
                rng.choice(["Minister", "Deputy", None], len(p_event)), dtype="string"
            ),
        }
    ).drop_duplicates(["event_id", "source_id", "person_id"])
    tables = {
        "events": events,
        "reports": reports,
        "instruments": instruments,
        "instrument_steps": instrument_steps,
        "event_themes": event_themes,
        "instrument_themes": instrument_themes,
        "themes": themes,
        "persons": persons,
        "participants": participants,
        "partners": pd.DataFrame(
            {
                "partner_id": pd.array(partners, dtype="string"),
                "name": pd.array([f"Partner {p}" for p in partners], dtype="string"),
            }
        ),
        "sources": pd.DataFrame({"source_id": pd.array(source_ids, dtype="string")}),
    }
    return tables
