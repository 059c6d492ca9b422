"""One-off migration of a data folder from the one-source-per-event model (commit 0ac9036) to
reports, reconciled events and instruments with steps (issue 11). Kept for the record; the data
it wrote is what is committed, and ``tests/test_migration.py`` checks that no fact was lost.

Mechanical, because every old event had one source and every old agreement row was one
instrument with one step: an event's stated values become its one report and, unchanged, the
event's reconciled values; participants take the event's source; agreement A<n> becomes
instrument I<n> with one step (its status). Run: python tests/migration/migrate_reports.py DIR...
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OLD_TABLES = ("events", "participants", "agreements", "event_themes", "agreement_themes")


def instrument_id(agreement_id: str) -> str:
    """The instrument an old agreement record became (A007 -> I007)."""
    return "I" + agreement_id[1:]


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in header} for row in rows)


EVENT_COLUMNS = [
    "event_id", "partner_id", "event_type", "parent_event_id", "start_date", "end_date",
    "date_precision", "date_inferred", "date_inference_reason", "place", "mode", "visiting_side",
    "hosting_side", "cambodian_body_id", "partner_body_id", "summary", "reconciliation_note",
]  # fmt: skip
REPORT_COLUMNS = [
    "event_id", "source_id", "paragraph", "date_as_stated", "start_date", "end_date",
    "date_precision", "date_inferred", "date_inference_reason", "place_as_stated", "mode",
    "visiting_side", "hosting_side",
]  # fmt: skip
PARTICIPANT_COLUMNS = [
    "event_id", "source_id", "person_id", "side", "title_as_stated", "honorific_as_stated",
    "paragraph",
]  # fmt: skip
THEME_COLUMNS = [
    "source_id", "theme_id", "voice", "raised_by", "attributed_to", "paragraph", "evidence",
]  # fmt: skip
STEP_COLUMNS = [
    "instrument_id", "step", "source_id", "paragraph", "event_id", "name_as_stated",
    "date_as_stated", "date", "date_precision", "date_inferred", "date_inference_reason",
]  # fmt: skip


def migrate(folder: Path) -> None:
    """Rewrite the old coded tables of ``folder`` (those present) in the new model."""
    events = _read(folder / "events.csv") if (folder / "events.csv").exists() else []
    source_of = {e["event_id"]: e["source_id"] for e in events}
    if events:
        _write(folder / "events.csv", EVENT_COLUMNS,
               [e | {"place": e["place_as_stated"]} for e in events])  # fmt: skip
        _write(folder / "reports.csv", REPORT_COLUMNS, events)
    if (folder / "participants.csv").exists():
        rows = _read(folder / "participants.csv")
        rows = [p | {"source_id": source_of.get(p["event_id"], "")} for p in rows]
        _write(folder / "participants.csv", PARTICIPANT_COLUMNS, rows)
    if (folder / "event_themes.csv").exists():
        rows = _read(folder / "event_themes.csv")
        _write(folder / "event_themes.csv", ["event_id", *THEME_COLUMNS], rows)
    if (folder / "agreements.csv").exists():
        rows = _read(folder / "agreements.csv")
        for a in rows:
            a["instrument_id"] = instrument_id(a["agreement_id"])
        _write(folder / "instruments.csv",
               ["instrument_id", "partner_id", "kind", "name", "summary"],
               [a | {"name": a["name_as_stated"]} for a in rows])  # fmt: skip
        _write(
            folder / "instrument_steps.csv", STEP_COLUMNS, [a | {"step": a["status"]} for a in rows]
        )
        (folder / "agreements.csv").unlink()
    if (folder / "agreement_themes.csv").exists():
        rows = _read(folder / "agreement_themes.csv")
        rows = [r | {"instrument_id": instrument_id(r["agreement_id"])} for r in rows]
        _write(folder / "instrument_themes.csv", ["instrument_id", *THEME_COLUMNS], rows)
        (folder / "agreement_themes.csv").unlink()


if __name__ == "__main__":
    for name in sys.argv[1:]:
        migrate(Path(name))
