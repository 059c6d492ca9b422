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
    """``n_events`` events (a third of them meetings inside visits), with agreements, participants
    and theme links in proportion, as read from CSV, before keys and dates are encoded."""
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
    events = pd.DataFrame(
        {
            "event_id": pd.array(ids, dtype="string"),
            "source_id": pd.array(
                np.char.add("S", (np.arange(n_events) // 5).astype(str)), dtype="string"
            ),
            "partner_id": pd.array(rng.choice(partners, n_events), dtype="string"),
            "event_type": _categorical(
                rng.choice(["visit", "talks", "meeting", "courtesy_call"], n_events),
                "events",
                "event_type",
                schema,
            ),
            "parent_event_id": pd.array(parent, dtype="string"),
            "start_date": pd.array(np.where(undated, None, start), dtype="string"),
            "date_precision": _categorical(
                np.where(undated, None, precision), "events", "date_precision", schema
            ),
            "date_inferred": pd.array(rng.random(n_events) < 0.5, dtype="boolean"),
        }
    )
    n_agreements = n_events // 4
    a_event = rng.integers(0, n_events, n_agreements)
    agreements = pd.DataFrame(
        {
            "agreement_id": pd.array([f"A{i:07d}" for i in range(n_agreements)], dtype="string"),
            "source_id": events.source_id.to_numpy()[a_event],
            "partner_id": events.partner_id.to_numpy()[a_event],
            "event_id": events.event_id.to_numpy()[a_event],
            "name_as_stated": pd.array(["instrument"] * n_agreements, dtype="string"),
            "kind": _categorical(
                rng.choice(schema.enum("agreements", "kind"), n_agreements),
                "agreements",
                "kind",
                schema,
            ),
            "status": _categorical(
                rng.choice(schema.enum("agreements", "status"), n_agreements),
                "agreements",
                "status",
                schema,
            ),
            "date": events.start_date.array.take(a_event),
            "date_precision": events.date_precision.array.take(a_event),
            "date_inferred": events.date_inferred.array.take(a_event),
        }
    )
    n_links = n_events * 2
    l_event = rng.integers(0, n_events, n_links)
    event_themes = pd.DataFrame(
        {
            "event_id": events.event_id.to_numpy()[l_event],
            "theme_id": pd.array(rng.choice(themes.theme_id, n_links), dtype="string"),
            "voice": _categorical(
                np.where(rng.random(n_links) < 0.2, "observer", "official"),
                "event_themes",
                "voice",
                schema,
            ),
            "source_id": events.source_id.to_numpy()[l_event],
        }
    ).drop_duplicates(["event_id", "theme_id", "voice"])
    a_links = rng.integers(0, n_agreements, n_agreements)
    agreement_themes = pd.DataFrame(
        {
            "agreement_id": agreements.agreement_id.to_numpy()[a_links],
            "theme_id": pd.array(rng.choice(themes.theme_id, n_agreements), dtype="string"),
            "voice": _categorical(["official"] * n_agreements, "agreement_themes", "voice", schema),
            "source_id": agreements.source_id.to_numpy()[a_links],
        }
    ).drop_duplicates(["agreement_id", "theme_id", "voice"])
    persons = pd.DataFrame(
        {
            "person_id": pd.array([f"p{i}" for i in range(200)], dtype="string"),
            "name": pd.array([f"Person {i}" for i in range(200)], dtype="string"),
        }
    )
    p_event = np.repeat(np.arange(n_events), 2)
    participants = pd.DataFrame(
        {
            "event_id": events.event_id.to_numpy()[p_event],
            "person_id": pd.array(
                np.char.add("p", rng.integers(0, 200, len(p_event)).astype(str)), dtype="string"
            ),
            "side": _categorical(
                np.tile(["cambodia", "partner"], n_events), "participants", "side", schema
            ),
            "title_as_stated": pd.array(
                rng.choice(["Minister", "Deputy", None], len(p_event)), dtype="string"
            ),
        }
    ).drop_duplicates(["event_id", "person_id"])
    tables = {
        "events": events,
        "agreements": agreements,
        "event_themes": event_themes,
        "agreement_themes": agreement_themes,
        "themes": themes,
        "persons": persons,
        "participants": participants,
        "partners": pd.DataFrame(
            {
                "partner_id": pd.array(partners, dtype="string"),
                "name": pd.array([f"Partner {p}" for p in partners], dtype="string"),
            }
        ),
        "sources": pd.DataFrame(
            {"source_id": pd.array(np.char.add("S", np.arange(n_events // 5 + 1).astype(str)))}
        ),
    }
    return tables
