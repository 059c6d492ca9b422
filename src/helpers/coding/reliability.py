"""Intercoder reliability: Krippendorff's alpha per variable between two codings of the same
sources, and the list of disagreements that the coders have to reconcile.

Units are matched by their keys (``event_id``, ``agreement_id``): the two coders first agree on
the units (which events and agreements a source reports), then code them independently. A unit
that only one coder has counts as a missing value for the other.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from helpers.analysis.scope import ALL, Scope, resolve
from helpers.dataset.dates import coarsen
from helpers.dataset.lines import line_of_row
from helpers.dataset.schema import Schema
from helpers.errors import DataError

# variable name -> (table, key column, value column); themes are added per theme present
CATEGORICAL = {
    "event_type": ("events", "event_id", "event_type"),
    "date_precision": ("events", "event_id", "date_precision"),
    "mode": ("events", "event_id", "mode"),
    "visiting_side": ("events", "event_id", "visiting_side"),
    "agreement_kind": ("agreements", "agreement_id", "kind"),
    "agreement_status": ("agreements", "agreement_id", "status"),
}
ABSENT = "(none)"  # a unit coded, but the variable left empty
LABELS = {
    "event_type": "Event type",
    "date_precision": "Date precision",
    "mode": "Mode (in person, virtual)",
    "visiting_side": "Visiting side",
    "agreement_kind": "Agreement kind",
    "agreement_status": "Agreement status",
}
TENTATIVE, RELIABLE = 0.667, 0.8  # Krippendorff's customary thresholds for alpha
SIMULATED = "Simulated second coder (a seeded perturbation of this dataset, not a real coder)"


@dataclass(frozen=True)
class Comparison:
    """Alpha per variable and every disagreement, for two codings."""

    alphas: pd.DataFrame
    disagreements: pd.DataFrame


def _unit_values(tables: dict[str, pd.DataFrame], table: str, key: str, column: str) -> pd.Series:
    frame = tables[table]
    values = frame[column].astype("string").fillna(ABSENT)
    return pd.Series(values.to_numpy(), index=frame[key].astype(str), name=column)


def _units(tables: dict[str, pd.DataFrame]) -> set[tuple[str, str]]:
    """Every unit of a coding: (table, key) of its events and agreements."""
    events = {("events", str(e)) for e in tables["events"].event_id}
    return events | {("agreements", str(a)) for a in tables["agreements"].agreement_id}


def _theme_presence(tables: dict[str, pd.DataFrame], theme: str) -> pd.Series:
    events = tables["events"].event_id.astype(str)
    links = tables["event_themes"]
    raised = set(links[links.theme_id == theme].event_id.astype(str))
    return pd.Series(["yes" if e in raised else "no" for e in events], index=events.to_numpy())


def _rows(scope: Scope, table: str, key: str) -> dict[str, int]:
    """Line in the coding's CSV file of each unit in scope, for pointing the coders at it."""
    return _lines(scope, table, [key], set(scope.tables[table][key].astype(str)))


def _link_rows(scope: Scope, theme: str) -> dict[str, int]:
    """Line in event_themes.csv of the first link of each event in scope to ``theme``."""
    lines = _lines(scope, "event_themes", ["theme_id", "event_id"], None)
    events = set(scope.tables["events"].event_id.astype(str))
    return {e: line for (t, e), line in lines.items() if t == theme and e in events}


def _lines(scope: Scope, table: str, key: list[str], wanted: set | None) -> dict:
    """First line of the file of each value of ``key`` (one column: the value; several: a
    tuple), read from the file itself: the scope's tables are cut and renumbered."""
    path = scope.data_dir / Schema.of(scope.data_dir).table(table).path
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=key)[key]
    found: dict = {}
    for i, values in enumerate(zip(*(raw[c] for c in key), strict=True)):
        unit = values[0] if len(key) == 1 else values
        if (wanted is None or unit in wanted) and unit not in found:
            found[unit] = line_of_row(path, i)
    return found


def nominal_alpha(a: pd.Series, b: pd.Series) -> float:
    """Krippendorff's alpha (nominal) for two coders; NaN when it is undefined (no variation)."""
    units = sorted(set(a.index) | set(b.index))
    values = sorted(set(a) | set(b))
    code = {v: i for i, v in enumerate(values)}
    data = np.array(
        [[code[s[u]] if u in s.index else np.nan for u in units] for s in (a, b)], dtype=float
    )
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # one value only, or no unit coded by both: alpha is undefined
        return float("nan")


def compare(dir_a: Path | str, dir_b: Path | str) -> Comparison:
    """Compare two valid codings of the same sources, as wholes (both are validated first)."""
    return compare_scopes(resolve(dir_a), resolve(dir_b))


def compare_scopes(scope_a: Scope, scope_b: Scope) -> Comparison:
    """Compare two codings of the same sources, each cut to its scope."""
    a, b = scope_a.tables, scope_b.tables
    dir_a, dir_b = scope_a.data_dir, scope_b.data_dir
    sources_a = set(zip(a["sources"].file_name, a["sources"].sha256, strict=True))
    sources_b = set(zip(b["sources"].file_name, b["sources"].sha256, strict=True))
    if sources_a != sources_b:
        only = sorted(f for f, _ in sources_a ^ sources_b)
        raise DataError(f"{dir_a} and {dir_b} code different sources (differing: {only})")
    units_a, units_b = _units(a), _units(b)
    if not units_a & units_b:
        raise DataError(
            f"{dir_a} and {dir_b} share no unit (no event_id or agreement_id in both), so no "
            "alpha can be computed: the coders first agree on the units, then code them"
        )
    variables = {name: (spec, None) for name, spec in CATEGORICAL.items()}
    themes = sorted(
        set(a["event_themes"].theme_id.astype(str)) | set(b["event_themes"].theme_id.astype(str))
    )
    for theme in themes:
        variables[f"theme:{theme}"] = (("events", "event_id", None), theme)
    themes_a = a["themes"]
    theme_labels = dict(zip(themes_a.theme_id.astype(str), themes_a.label.astype(str), strict=True))
    alpha_rows, disagreements = [], []
    # a unit that only one coder has is listed once, not once per variable
    for table, key in (("events", "event_id"), ("agreements", "agreement_id")):
        rows_a, rows_b = _rows(scope_a, table, key), _rows(scope_b, table, key)
        for unit in sorted(set(rows_a) ^ set(rows_b)):
            disagreements.append(
                {
                    "variable": "unit",
                    "table": f"{table}.csv",
                    "unit": unit,
                    "value_a": "present" if unit in rows_a else "(unit missing)",
                    "value_b": "present" if unit in rows_b else "(unit missing)",
                    "row_a": rows_a.get(unit),
                    "row_b": rows_b.get(unit),
                }
            )
    for name, ((table, key, column), theme) in variables.items():
        if theme is None:
            va, vb = _unit_values(a, table, key, column), _unit_values(b, table, key, column)
            rows_a, rows_b = _rows(scope_a, table, key), _rows(scope_b, table, key)
        else:
            va, vb = _theme_presence(a, theme), _theme_presence(b, theme)
            rows_a, rows_b = _link_rows(scope_a, theme), _link_rows(scope_b, theme)
        units = sorted(set(va.index) | set(vb.index))
        both = [u for u in units if u in va.index and u in vb.index]
        differing = [u for u in both if va[u] != vb[u]]
        alpha_rows.append(
            {
                "variable": name,
                "label": LABELS.get(name) or f"Theme: {theme_labels.get(theme, theme)}",
                "alpha": round(nominal_alpha(va, vb), 3),
                "units": len(units),
                "coded_by_both": len(both),
                "disagreements": len(differing),
            }
        )
        for unit in differing:
            disagreements.append(
                {
                    "variable": name,
                    "table": f"{table}.csv" if theme is None else "event_themes.csv",
                    "unit": unit,
                    "value_a": va[unit],
                    "value_b": vb[unit],
                    "row_a": rows_a.get(unit),
                    "row_b": rows_b.get(unit),
                }
            )
    alphas = pd.DataFrame(alpha_rows)
    columns = ["variable", "table", "unit", "value_a", "value_b", "row_a", "row_b"]
    found = pd.DataFrame(disagreements, columns=columns)
    for column in ("row_a", "row_b"):
        found[column] = found[column].astype("Int64")
    return Comparison(alphas, found)


def perturb(
    source: Path | str, target: Path | str, seed: int = 20261122, rate: float = 0.2
) -> list[str]:
    """Write to ``target`` a copy of a coding with documented, seeded changes, as a worked
    example of a second coder. Returns what was changed, one line per change.

    With probability ``rate`` per unit: an event's type is replaced by another type of the
    vocabulary; an event's date precision is coarsened (day -> month -> year, with the date cut
    to match); an event-theme link is dropped; an agreement's status is replaced by another.
    """
    source, target = Path(source), Path(target)
    if target.exists():
        raise DataError(f"{target} exists already; perturb writes only to a new directory")
    rng = random.Random(seed)
    shutil.copytree(source, target)
    tables = {
        name: pd.read_csv(target / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("events", "event_themes", "agreements")
    }
    schema = Schema.of(target)
    changes = []
    events = tables["events"]
    types = schema.enum("events", "event_type")
    parents = set(events.parent_event_id)  # a visit with meetings keeps its type
    for i, ev in events.iterrows():
        if ev.event_id not in parents and rng.random() < rate:
            new = rng.choice([t for t in types if t != ev.event_type])
            events.loc[i, "event_type"] = new
            changes.append(f"{ev.event_id}: event_type {ev.event_type} -> {new}")
        coarser = coarsen(ev.start_date, ev.date_precision)
        if coarser is not None and ev.end_date == "" and rng.random() < rate:
            date, precision = coarser
            events.loc[i, ["date_precision", "start_date"]] = [precision, date]
            changes.append(f"{ev.event_id}: date_precision {ev.date_precision} -> {precision}")
    links = tables["event_themes"]
    keep = [rng.random() >= rate for _ in range(len(links))]
    for _, link in links[[not k for k in keep]].iterrows():
        changes.append(f"{link.event_id}: theme {link.theme_id} ({link.voice}) dropped")
    tables["event_themes"] = links[keep]
    agreements = tables["agreements"]
    statuses = schema.enum("agreements", "status")
    for i, ag in agreements.iterrows():
        if rng.random() < rate:
            new = rng.choice([s for s in statuses if s != ag.status])
            agreements.loc[i, "status"] = new
            changes.append(f"{ag.agreement_id}: status {ag.status} -> {new}")
    for name, frame in tables.items():
        frame.to_csv(target / f"{name}.csv", index=False, lineterminator="\n")
    return changes


def simulated_second_coder(scope: Scope, seed: int, rate: float) -> tuple[list[str], Comparison]:
    """The worked example of notebook 06: a perturbed copy of the scope's data directory (see
    ``perturb``), cut to the same scope, compared with the original. The copy is removed
    whatever happens; returns the changes made and the comparison."""
    with tempfile.TemporaryDirectory(prefix="second-coder-") as workdir:
        copy = Path(workdir) / "coder_b"
        changes = perturb(scope.data_dir, copy, seed=seed, rate=rate)
        partners = list(scope.partners) if scope.partners != scope.all_partners else ALL
        kinds = scope.theme_kinds[0] if len(scope.theme_kinds) == 1 else ALL
        coder_b = resolve(
            copy, partners, scope.year_from, scope.year_to, kinds, scope.include_observers
        )
        return changes, compare_scopes(scope, coder_b)
