"""Intercoder reliability: Krippendorff's alpha per coded variable between two codings of the
same sources, with every disagreement the coders have to reconcile, and what the numbers mean.

The coders first agree on the units (which events and instruments a source reports, with their
ids), then code everything else independently. By default only the units both coded are
compared, and only the sources both registered (matched by checksum); ``sources`` narrows the
comparison to the named ones, so that coder B may code only the new article.

Variables: each reconciled field of an event; the kind of each instrument, the steps coded for
it and each step's date; whether each theme is raised at an event or about an instrument; the
voice and the raiser of each theme link both coded; which persons took part in each event, and
their side and title. Only the evidence of the sources compared counts (reports, steps,
participants and theme links cite their source).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.scope import Scope, resolve
from helpers.coding.codes import Shared, categorised, key_text, pack_pair, value_text
from helpers.dataset.lines import HEADER_LINE, row_lines
from helpers.dataset.membership import distinct
from helpers.dataset.schema import Schema
from helpers.errors import DataError
from helpers.paths import DESCRIPTOR_NAME, SECOND_CODING_NAME

ABSENT = "(none)"  # a unit coded, but the variable left empty
TENTATIVE, RELIABLE = 0.667, 0.8  # Krippendorff's customary thresholds for alpha
MIN_UNITS = 10  # fewer units coded by both than this: alpha is too unstable to judge
SECOND_CODER = "Coder B: an independent second coding of the same sources"

# the fields compared unit by unit: table -> (key column, {column: label})
FIELDS = {
    "events": (
        "event_id",
        {
            "event_type": "Event type",
            "parent_event_id": "Visit the event belongs to",
            "start_date": "Date (start)",
            "end_date": "Date (end)",
            "date_precision": "Date precision",
            "date_inferred": "Date inferred",
            "mode": "Mode (in person, virtual)",
            "visiting_side": "Visiting side",
            "hosting_side": "Hosting side",
        },
    ),
    "instruments": ("instrument_id", {"kind": "Instrument kind"}),
}
UNIT_KEYS = {table: key for table, (key, _) in FIELDS.items()}  # events, instruments
CHILDREN = (  # rows that hang on a unit: table, key column, the unit's table
    ("reports", "event_id", "events"),
    ("participants", "event_id", "events"),
    ("event_themes", "event_id", "events"),
    ("instrument_steps", "instrument_id", "instruments"),
    ("instrument_themes", "instrument_id", "instruments"),
)
EVIDENCE = tuple(table for table, _, _ in CHILDREN)  # the rows that cite their source
LINKS = {  # theme links: table, the unit's key column, label of the unit
    "event": ("event_themes", "event_id", "event"),
    "instrument": ("instrument_themes", "instrument_id", "instrument"),
}
STEP_FIELDS = {  # per instrument and step: column of instrument_steps -> label
    "date": "Instrument step date",
    "date_precision": "Instrument step date precision",
}

READING = f"""\
How to read alpha. Krippendorff's alpha (nominal) measures how far two codings agree beyond
what chance would give: 1 means the coders agree on every unit, 0 that they agree no more
than chance, and below 0 that they disagree systematically. Customary reading (Krippendorff
2004): {RELIABLE:g} or more reliable; {TENTATIVE:g} to {RELIABLE:g} tentative, for provisional
conclusions only; below {TENTATIVE:g} not reliable. NaN means alpha is undefined: both coders
gave every unit the same single value, so agreement cannot be told apart from chance (read the
disagreements column instead). "units" counts the units coded by both; with fewer than
{MIN_UNITS} alpha moves a great deal with a single disagreement and says little."""


@dataclass(frozen=True)
class Variable:
    """One coded variable: where its values are written, and each coding's values of it."""

    name: str
    label: str
    table: str  # the CSV file holding the values
    key: tuple[str, ...]  # the columns of that file that name a unit
    a: Coded
    b: Coded
    text: np.ndarray  # a value code's text


@dataclass(frozen=True)
class Coded:
    """One coding's values of a variable, in codes: per unit (a number, equal in both codings
    for the same unit, in the order of the units' text), its codes per key column and its
    value's code."""

    units: np.ndarray  # sorted, unique
    keys: tuple[np.ndarray, ...]
    values: np.ndarray


YES_NO = np.array(["no", "yes"], dtype=object)
NOT_WRITTEN = ("no", "(unit missing)")  # values with no line in the file
KEY_COLUMNS = {  # each key column -> the tables that have it
    "event_id": ("events", "reports", "participants", "event_themes"),
    "instrument_id": ("instruments", "instrument_steps", "instrument_themes"),
    "person_id": ("participants",),
    "theme_id": ("event_themes", "instrument_themes"),
    "step": ("instrument_steps",),
}
DISAGREEMENT_COLUMNS = ["variable", "table", "unit", "value_a", "value_b", "row_a", "row_b"]


def compare_scopes(
    scope_a: Scope,
    scope_b: Scope,
    sources: Iterable[str] | None = None,
    *,
    all_units: bool = False,
    lines_b: LineFinder | None = None,
) -> Comparison:
    """Compare two codings, each cut to its scope, on the sources both registered (or the
    ``sources`` named, by coding A's ids), on the units both coded (``all_units``: also the
    units only one coded, as missing values for the other). ``lines_b`` finds the lines of
    coding B's files (default: its tables as loaded, and its files' line breaks).

    Every key and value is compared as an integer code on one set of categories shared by the
    two codings (``helpers.coding.codes``); text is made only for the disagreements."""
    a, b = scope_a.tables, scope_b.tables
    compared, b_ids = _common_sources(scope_a, scope_b, sources)
    a = _restricted(a, compared, {s: s for s in compared})
    b = _restricted(b, compared, b_ids)
    keys = {
        name: Shared([t[table][name] for t in (a, b) for table in tables], key_text)
        for name, tables in KEY_COLUMNS.items()
    }
    units_a, units_b = _units(a, keys), _units(b, keys)
    common = {t: np.intersect1d(units_a[t], units_b[t], assume_unique=True) for t in UNIT_KEYS}
    if not any(len(found) for found in common.values()):
        raise DataError(
            f"{scope_a.data_dir} and {scope_b.data_dir} share no unit (no event_id or "
            f"instrument_id in both) for the sources {sorted(compared)}, so no alpha can be "
            "computed: the coders first agree on the units, then code them"
        )
    if not all_units:
        a, b = _only_units(a, common, keys), _only_units(b, common, keys)
    lines_a, lines_b = LineFinder(scope_a), lines_b or LineFinder(scope_b)
    alpha_rows = []
    found = [_unit_differences(units_a, units_b, keys, lines_a, lines_b)]
    for var in _variables(a, b, keys):
        row, differing = _compared(var, keys, lines_a, lines_b)
        alpha_rows.append(row)
        found.append(differing)
    alphas = pd.DataFrame(
        alpha_rows, columns=["variable", "label", "alpha", "units", "disagreements"]
    )
    found = [f for f in found if len(f)]
    disagreements = (
        pd.concat(found, ignore_index=True)
        if found
        else pd.DataFrame([], columns=DISAGREEMENT_COLUMNS).astype(
            {"row_a": "Int64", "row_b": "Int64"}
        )
    )
    return Comparison(alphas, disagreements, tuple(sorted(compared)), tuple(_warnings(alphas)))


def _compared(
    var: Variable, keys: dict[str, Shared], lines_a: LineFinder, lines_b: LineFinder
) -> tuple[dict, pd.DataFrame]:
    """The variable's alpha row, and its disagreements in the order of the units' text."""
    at_a, at_b = _common(var.a.units, var.b.units)
    both = at_a
    x, y = var.a.values[at_a], var.b.values[at_b]
    differ = x != y
    row = {
        "variable": var.name,
        "label": var.label,
        "alpha": round(_alpha(x, y), 3),
        "units": len(both),
        "disagreements": int(differ.sum()),
    }
    if not differ.any():
        return row, pd.DataFrame()
    at = at_a[differ]
    units = [codes[at] for codes in var.a.keys]
    value_a, value_b = var.text[x[differ]], var.text[y[differ]]
    shared = [keys[k] for k in var.key]
    return row, _listed(
        var.name, var.table, var.key, units, shared, value_a, value_b, lines_a, lines_b
    )


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions in ``a`` and in ``b`` (both sorted, unique) of the values both have."""
    at = np.searchsorted(b, a)
    hit = at < len(b)
    hit[hit] = b[at[hit]] == a[hit]
    return np.flatnonzero(hit), at[hit]


def _listed(
    variable: str,
    table: str,
    key: tuple[str, ...],
    units: list[np.ndarray],
    shared: list[Shared],
    value_a: np.ndarray,
    value_b: np.ndarray,
    lines_a: LineFinder,
    lines_b: LineFinder,
) -> pd.DataFrame:
    """Disagreements as rows of the table: the unit (its codes per column of ``key``, written
    as their texts joined with " / "), both values and the line of each in its coding's file."""
    parts = [one.text[codes] for one, codes in zip(shared, units, strict=True)]
    unit = parts[0] if len(parts) == 1 else _joined_text(parts, " / ")
    return pd.DataFrame(
        {
            "variable": np.full(len(unit), variable, dtype=object),
            "table": np.full(len(unit), f"{table}.csv", dtype=object),
            "unit": unit,
            "value_a": value_a,
            "value_b": value_b,
            "row_a": lines_a.lines(table, key, units, shared, ~np.isin(value_a, NOT_WRITTEN)),
            "row_b": lines_b.lines(table, key, units, shared, ~np.isin(value_b, NOT_WRITTEN)),
        }
    )


def _joined_text(parts: list[np.ndarray], sep: str) -> np.ndarray:
    return np.array([sep.join(t) for t in zip(*parts, strict=True)], dtype=object)


def _restricted(
    tables: dict[str, pd.DataFrame], sources: set[str], ids: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """The evidence of the sources compared (source ids in coding A's numbering), the events
    and instruments it bears on, and the rows that hang on them."""
    cut = {"themes": tables["themes"]}
    for table in EVIDENCE:
        frame = tables[table]
        chosen = _where(frame.source_id, lambda text: [ids.get(s) in sources for s in text])
        cut[table] = _rows(frame, chosen)
    out = dict(cut)
    for table, key in UNIT_KEYS.items():
        child = next(c for c, k, parent in CHILDREN if parent == table and c != "participants")
        out[table] = _rows(tables[table], _isin(tables[table][key], cut[child][key]))
    return _with_children(out, cut)


def _where(column: pd.Series, test: Callable[[np.ndarray], list[bool]]) -> np.ndarray:
    """Per row: whether ``test`` holds for the text of its value (worked out once per distinct
    value; a missing value never passes)."""
    categories, at = categorised(column)
    return np.append(np.asarray(test(key_text(categories)), dtype=bool), False)[at]


def _isin(column: pd.Series, other: pd.Series) -> np.ndarray:
    """Per row of ``column``: whether its value (as text) is a value of ``other``."""
    categories, at = categorised(column)
    other_categories, other_at = categorised(other)
    used = np.zeros(len(other_categories), dtype=bool)
    used[other_at[other_at >= 0]] = True
    if other_categories is categories:
        known = used
    else:
        known = pd.Index(key_text(categories)).isin(key_text(other_categories)[used])
    return np.append(known, False)[at]


def _with_children(units: dict[str, pd.DataFrame], tables: dict) -> dict[str, pd.DataFrame]:
    """``units`` (events and instruments) with the rows of ``tables`` that hang on them."""
    out = dict(units)
    for table, key, parent in CHILDREN:
        out[table] = _rows(tables[table], _isin(tables[table][key], units[parent][key]))
    return out


def _units(tables: dict[str, pd.DataFrame], keys: dict[str, Shared]) -> dict[str, np.ndarray]:
    """Every unit of a coding: the codes of its events' and of its instruments' keys."""
    return {
        table: distinct(keys[key].codes(tables[table][key])) for table, key in UNIT_KEYS.items()
    }


def _only_units(
    tables: dict[str, pd.DataFrame], keep: dict[str, np.ndarray], keys: dict[str, Shared]
) -> dict:
    """The tables cut to the units in ``keep`` (per table) and the rows that hang on them."""
    units = dict(tables)
    for table, key in UNIT_KEYS.items():
        frame = tables[table]
        units[table] = _rows(frame, np.isin(keys[key].codes(frame[key]), keep[table]))
    return _with_children(units, tables)


def _variables(a: dict, b: dict, keys: dict[str, Shared]) -> Iterable[Variable]:
    """Every variable the two codings can be compared on (see the module's docstring)."""
    for table, (key_column, columns) in FIELDS.items():
        for column, label in columns.items():
            values = Shared([a[table][column], b[table][column]], value_text, ABSENT)
            coded = (_field(t[table], key_column, column, keys[key_column], values) for t in (a, b))
            name = column if table == "events" else f"instrument_{column}"
            yield Variable(name, label, table, (key_column,), *coded, values.text)
    yield _joined_variable(
        "instrument_steps",
        "Steps coded for the instrument",
        (a, b),
        keys,
        "instrument_steps",
        ("instrument_id",),
        "step",
    )
    for column, label in STEP_FIELDS.items():
        yield _joined_variable(
            f"instrument_step_{column}",
            label,
            (a, b),
            keys,
            "instrument_steps",
            ("instrument_id", "step"),
            column,
        )
    labels = dict(zip(a["themes"].theme_id.astype(str), a["themes"].label.astype(str), strict=True))
    for kind, (table, key, unit) in LINKS.items():
        parent = "events" if kind == "event" else "instruments"
        units = np.intersect1d(
            *(distinct(keys[key].codes(t[parent][key])) for t in (a, b)), assume_unique=True
        )
        raised_a, raised_b = (_raised(t[table], key, units, keys) for t in (a, b))
        themes = distinct(
            np.concatenate([keys["theme_id"].codes(t[table].theme_id) for t in (a, b)])
        )
        for theme in themes.tolist():
            text = str(keys["theme_id"].text[theme])
            index = (units, np.full(len(units), theme, dtype=np.int64))
            yield Variable(
                f"{kind}_theme:{text}",
                f"Theme: {labels.get(text, text)}" + ("" if kind == "event" else " (instrument)"),
                table,
                (key, "theme_id"),
                Coded(units, index, _presence(raised_a, theme, len(units))),
                Coded(units, index, _presence(raised_b, theme, len(units))),
                YES_NO,
            )
        for column, label in (("voice", "Voice of a theme"), ("raised_by", "Who raised a theme")):
            name, described = f"{kind}_theme_{column}", f"{label} ({unit})"
            yield _joined_variable(name, described, (a, b), keys, table, (key, "theme_id"), column)
    yield _attendance(a, b, keys)
    for column, label in (
        ("side", "Participant's side"),
        ("title_as_stated", "Participant's title"),
    ):
        name, person = f"participant_{column}", ("event_id", "person_id")
        yield _joined_variable(name, label, (a, b), keys, "participants", person, column)


def _field(frame: pd.DataFrame, key: str, column: str, keys: Shared, values: Shared) -> Coded:
    """A column of a table of units (events, instruments: one row per unit), in codes."""
    units = keys.codes(frame[key])
    order = np.argsort(units, kind="stable")
    return Coded(units[order], (units[order],), values.codes(frame[column])[order])


def _raised(
    links: pd.DataFrame, key: str, units: np.ndarray, keys: dict[str, Shared]
) -> dict[int, np.ndarray]:
    """Per theme (code): the positions in ``units`` (sorted codes) of the units the coding
    links it to."""
    unit, theme = keys[key].codes(links[key]), keys["theme_id"].codes(links.theme_id)
    at = np.searchsorted(units, unit)
    found = at < len(units)
    found[found] = units[at[found]] == unit[found]
    at, theme = at[found], theme[found]
    order = np.argsort(theme, kind="stable")
    at, theme = at[order], theme[order]
    starts = np.flatnonzero(np.r_[True, theme[1:] != theme[:-1]]) if len(theme) else []
    ends = np.append(starts[1:], len(theme)) if len(theme) else []
    return {int(theme[i]): at[i:j] for i, j in zip(starts, ends, strict=True)}


def _presence(raised: dict[int, np.ndarray], theme: int, units: int) -> np.ndarray:
    """Per unit: whether the coding links ``theme`` to it (in any voice): 1 yes, 0 no."""
    found = np.zeros(units, dtype=np.int64)
    found[raised.get(theme, np.array([], dtype=np.int64))] = 1
    return found


def _joined_variable(
    name: str,
    label: str,
    codings: tuple[dict, dict],
    keys: dict[str, Shared],
    table: str,
    key: tuple[str, ...],
    column: str,
) -> Variable:
    """The variable whose unit is ``key`` of ``table`` and whose value is, in each coding, the
    unit's distinct values of ``column`` sorted and joined with " + " (a unit with one value,
    by far the most common, has it as it is)."""
    frames = [coding[table] for coding in codings]
    values = Shared([f[column] for f in frames], value_text, ABSENT)
    parts = [[keys[k].codes(f[k]) + 1 for k in key] for f in frames]  # 0: missing
    sizes = [len(keys[k]) + 1 for k in key]
    groups = [np.asarray(g) for g in pack_pair(parts[0], parts[1], sizes)]
    size = len(values) + 1
    top = max((int(g.max()) + 1 for g in groups if len(g)), default=0)
    if top >= (2**62) // size:  # renumber the units densely (order kept) to pair them below
        _, dense = np.unique(np.concatenate(groups), return_inverse=True)
        groups = [dense[: len(groups[0])], dense[len(groups[0]) :]]
    dense_a, dense_b = groups
    found, joined = [], []
    for f, group, part in zip(frames, (dense_a, dense_b), parts, strict=True):
        pairs, first = np.unique(group * size + values.codes(f[column]), return_index=True)
        unit, value = pairs // size, pairs % size
        start = np.r_[True, unit[1:] != unit[:-1]] if len(unit) else np.array([], dtype=bool)
        heads = np.flatnonzero(start)
        several = np.flatnonzero(np.diff(np.append(heads, len(unit))) > 1)
        text = values.text
        many = [
            " + ".join(text[value[heads[i] : heads[i + 1] if i + 1 < len(heads) else len(unit)]])
            for i in several.tolist()
        ]
        found.append(
            (unit[heads], value[heads].copy(), several, [p[first[heads]] - 1 for p in part])
        )
        joined.append(many)
    extra = pd.unique(np.array(joined[0] + joined[1], dtype=object))
    known = values.index.get_indexer(extra)  # a joined text that is also a single value
    new = np.flatnonzero(known < 0)
    codes = known.copy()
    codes[new] = len(values) + np.arange(len(new))
    code_of = dict(zip(extra.tolist(), codes.tolist(), strict=True))
    text = np.concatenate([values.text, extra[new]]).astype(object)
    coded = []
    for (unit, value, several, heads), many in zip(found, joined, strict=True):
        value[several] = [code_of[m] for m in many]
        coded.append(Coded(unit, tuple(heads), value))
    return Variable(name, label, table, key, coded[0], coded[1], text)


def _attendance(a: dict, b: dict, keys: dict[str, Shared]) -> Variable:
    """Per event both codings have and person named by either coding at it: whether each
    coding lists the person as a participant of the event."""
    key = ("event_id", "person_id")
    frames = [t["participants"] for t in (a, b)]
    events = np.intersect1d(
        *(distinct(keys["event_id"].codes(t["events"].event_id)) for t in (a, b)),
        assume_unique=True,
    )
    parts = [[keys[k].codes(f[k]) + 1 for k in key] for f in frames]  # 0: missing
    listed = pack_pair(parts[0], parts[1], [len(keys[k]) + 1 for k in key])
    everyone = np.concatenate(listed)
    at_event = np.isin(np.concatenate([parts[0][0], parts[1][0]]) - 1, events)
    pairs, first = np.unique(everyone[at_event], return_index=True)
    heads = tuple(
        np.concatenate([mine, theirs])[at_event][first] - 1
        for mine, theirs in zip(parts[0], parts[1], strict=True)
    )
    coded = [Coded(pairs, heads, np.isin(pairs, codes).astype(np.int64)) for codes in listed]
    return Variable("participant", "Who took part", "participants", key, *coded, YES_NO)


def _unit_differences(
    units_a: dict[str, np.ndarray],
    units_b: dict[str, np.ndarray],
    keys: dict[str, Shared],
    lines_a: LineFinder,
    lines_b: LineFinder,
) -> pd.DataFrame:
    """A unit only one coder has is listed once, not once per variable."""
    found = []
    for table, key in UNIT_KEYS.items():
        only_a = np.setdiff1d(units_a[table], units_b[table], assume_unique=True)
        only_b = np.setdiff1d(units_b[table], units_a[table], assume_unique=True)
        units = np.concatenate([only_a, only_b])
        in_a = np.r_[np.ones(len(only_a), bool), np.zeros(len(only_b), bool)]
        order = np.argsort(units, kind="stable")
        units, in_a = units[order], in_a[order]
        present, missing = "present", "(unit missing)"
        found.append(
            _listed(
                "unit",
                table,
                (key,),
                [units],
                [keys[key]],
                np.where(in_a, present, missing).astype(object),
                np.where(in_a, missing, present).astype(object),
                lines_a,
                lines_b,
            )
        )
    return pd.concat(found, ignore_index=True)


@dataclass(frozen=True)
class Comparison:
    """Alpha per variable, every disagreement, the sources compared and the warnings."""

    alphas: pd.DataFrame
    disagreements: pd.DataFrame
    sources: tuple[str, ...]
    warnings: tuple[str, ...]


def nominal_alpha(a: pd.Series, b: pd.Series) -> float:
    """Krippendorff's alpha (nominal) for two coders, each a value per unit (the index); NaN
    when it is undefined (no unit coded by both, or a single value throughout)."""
    _, x, y = _paired(a, b)
    return _alpha(x, y)


def _alpha(x: np.ndarray, y: np.ndarray) -> float:
    """Alpha of two coders' values of the same units, from the coincidences directly, in time
    and memory linear in the units.

    With two coders, each unit adds the pairs (x, y) and (y, x) to the coincidence matrix, so
    the observed disagreement is twice the units that differ, and with n = 2 x units pairable
    values, n_c of them the value c: alpha = 1 - (n - 1) D_o / (n^2 - sum n_c^2). This is
    the formula of ``krippendorff.alpha``, which builds a units x values x values array on the
    way (hundreds of GiB once a variable such as a date takes thousands of values over
    thousands of units); the tests check that the two agree."""
    n = 2 * len(x)
    counts = pd.Series(np.concatenate([x, y])).value_counts(sort=False).to_numpy()
    expected = float(n) ** 2 - float(np.square(counts, dtype=np.float64).sum())
    if expected <= 0:
        return float("nan")
    observed = 2.0 * float(np.count_nonzero(x != y))
    return 1.0 - (n - 1) * observed / expected


def _paired(a: pd.Series, b: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The units both coders coded, and each coder's values of them (as text), aligned."""
    if a.empty or b.empty:
        return pd.Index([]), np.array([], dtype=str), np.array([], dtype=str)
    both = a.index if a.index is b.index else a.index.intersection(b.index, sort=False)
    return both, _as_text(a.reindex(both)), _as_text(b.reindex(both))


def _as_text(values: pd.Series) -> np.ndarray:
    """Values as text: kept as they are when they are all strings already (no fixed-width
    copy of millions of them), else each written with ``str``."""
    found = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(found, skipna=False) == "string":
        return found
    return found.astype(str)


def compare(
    dir_a: Path | str,
    dir_b: Path | str,
    sources: Iterable[str] | None = None,
    *,
    all_units: bool = False,
) -> Comparison:
    """Compare two valid codings (both are validated first); see ``compare_scopes``."""
    return compare_scopes(resolve(dir_a), resolve(dir_b), sources, all_units=all_units)


def second_coding(scope: Scope) -> Comparison | None:
    """The scope's data compared with its second, independent coding (the data folder's
    ``coder_b/``, cut to the same scope), or None when the data folder has none."""
    folder = scope.data_dir / SECOND_CODING_NAME
    if not (folder / DESCRIPTOR_NAME).is_file():
        return None
    return compare_scopes(scope, resolve(folder, **scope.parameters()))


def _common_sources(
    scope_a: Scope, scope_b: Scope, wanted: Iterable[str] | None
) -> tuple[set[str], dict[str, str]]:
    """The sources to compare (coding A's ids) and, for each, coding B's id: matched by the
    article's checksum, so that the coders may have numbered them differently."""
    by_hash_b = dict(
        zip(
            scope_b.tables["sources"].sha256.astype(str),
            scope_b.tables["sources"].source_id.astype(str),
            strict=True,
        )
    )
    a_sources = scope_a.tables["sources"]
    ids_a = dict(zip(a_sources.source_id.astype(str), a_sources.sha256.astype(str), strict=True))
    if wanted is not None:
        wanted = [str(s) for s in wanted]
        unknown = [s for s in wanted if s not in ids_a]
        missing = [s for s in wanted if s in ids_a and ids_a[s] not in by_hash_b]
        if unknown or missing:
            raise DataError(
                f"sources {unknown + missing}: "
                + (f"not in {scope_a.data_dir}/sources.csv " if unknown else "")
                + (f"not registered (same file checksum) in {scope_b.data_dir}" if missing else "")
            )
        chosen = set(wanted)
    else:
        chosen = {s for s, sha in ids_a.items() if sha in by_hash_b}
    if not chosen:
        raise DataError(f"{scope_a.data_dir} and {scope_b.data_dir} register no common source")
    return chosen, {by_hash_b[ids_a[s]]: s for s in chosen}


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true, numbered from 0; ``frame`` itself when
    that is every row (no copy of a table of millions of rows that both coders share)."""
    if keep.all() and isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0:
        return frame
    return frame[keep].reset_index(drop=True)


class LineFinder:
    """The line of a coding's CSV file where a unit's value is written: the position of the
    unit's first row in the table as loaded (the file's rows in order; the scope's tables are
    cut and renumbered), then that row's line in the file."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.schema = Schema.of(scope.data_dir)
        self.cache: dict[tuple, tuple] = {}

    def lines(
        self,
        table: str,
        key: tuple[str, ...],
        units: list[np.ndarray],
        shared: list[Shared],
        wanted: np.ndarray,
    ) -> pd.arrays.IntegerArray:
        """The line of the first row of each unit (its codes in ``shared``, per column of
        ``key``) where ``wanted``, else missing (also where the file has no such row)."""
        found = np.zeros(len(wanted), dtype=np.int64)
        known = np.asarray(wanted, dtype=bool).copy()
        if known.any():
            sizes, rows, order = self._sorted_rows(table, key, shared)
            query = _packed([codes[known] for codes in units], sizes)
            at = np.searchsorted(rows, query)
            hit = at < len(rows)
            hit[hit] = rows[at[hit]] == query[hit]
            where = np.flatnonzero(known)
            found[where[hit]] = self._file_lines(table, order[at[hit]])
            known[where[~hit]] = False
        return pd.arrays.IntegerArray(found, ~known)

    def _sorted_rows(self, table: str, key: tuple[str, ...], shared: list[Shared]) -> tuple:
        """The sizes of the key's columns' codes, each row's key packed into one number
        (sorted) and the rows in that order (a key's first row first)."""
        if (table, key) not in self.cache:
            frame = self._frame(table)
            codes = [one.codes(frame[c]) for one, c in zip(shared, key, strict=True)]
            sizes = [len(one) + 1 for one in shared]
            packed = _packed(codes, sizes)  # a value coding A nor B has: never found
            order = np.argsort(packed, kind="stable")
            self.cache[table, key] = (sizes, packed[order], order)
        return self.cache[table, key]

    def _frame(self, table: str) -> pd.DataFrame:
        """The table with the file's rows in order (as loaded, else read from the file)."""
        loaded = self.scope.loaded.get(table)
        if loaded is not None:
            return loaded
        path = self.scope.data_dir / self.schema.table(table).path
        return pd.read_csv(path, dtype=str, keep_default_na=False)

    def _file_lines(self, table: str, rows: np.ndarray) -> np.ndarray:
        """The line of the file on which each of the data rows ``rows`` starts."""
        if ("lines", table) not in self.cache:
            self.cache["lines", table] = self._line_map(table)
        lines = self.cache["lines", table]
        rows = np.asarray(rows, dtype=np.int64)
        return rows + 1 + HEADER_LINE if lines is None else lines[rows]

    def _line_map(self, table: str) -> np.ndarray | None:
        """The line of each data row of the table's file; None when each row's line is its
        number plus 2 (every record one line)."""
        path = self.scope.data_dir / self.schema.table(table).path
        rows = len(self._frame(table))
        return None if one_line_records(path, rows) else np.asarray(row_lines(path, rows))


def _packed(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Codes (-1: missing) of several columns as one number per row, with fixed multipliers
    (so that numbers made at different times compare)."""
    total = 1
    for size in sizes:
        total *= size
    if total >= 2**62:
        raise DataError(f"too many distinct keys to look up lines by number ({total})")
    packed = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for column, size in zip(codes, sizes, strict=True):
        packed = packed * size + (np.asarray(column, dtype=np.int64) + 1)
    return packed


def one_line_records(path: Path, rows: int) -> bool:
    """Whether the file has exactly the header's and ``rows`` records' line breaks, and no
    carriage return (which also ends a line): then no cell spans lines."""
    breaks, last = 0, b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                if b"\r" in chunk:
                    return False
                breaks += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return False
    return breaks == rows + (1 if last == b"\n" else 0)


def _warnings(alphas: pd.DataFrame) -> list[str]:
    few = alphas[alphas.units < MIN_UNITS]
    found = []
    if len(few):
        found.append(
            f"{len(few)} of {len(alphas)} variables rest on fewer than {MIN_UNITS} units coded "
            f"by both (as few as {int(few.units.min())}): their alpha is too unstable to judge; "
            "code more sources twice before drawing conclusions."
        )
    undefined = alphas.alpha.isna().sum()
    if undefined:
        found.append(f"{undefined} variable(s) have an undefined alpha (NaN): see 'How to read'.")
    return found


def report(comparison: Comparison) -> str:
    """The comparison as the ``agreement`` command prints it: what was compared, alpha per
    variable, how to read it, the warnings and every disagreement to reconcile."""
    with pd.option_context("display.width", 120, "display.max_rows", None):
        parts = [
            f"Sources compared: {', '.join(comparison.sources)}",
            "",
            "Krippendorff's alpha (nominal) per variable:",
            comparison.alphas.to_string(index=False),
            "",
            textwrap.fill(" ".join(READING.split()), 96),
        ]
        if comparison.warnings:
            parts += ["", *(f"Warning: {w}" for w in comparison.warnings)]
        parts += ["", f"Disagreements to reconcile ({len(comparison.disagreements)}):"]
        if len(comparison.disagreements):
            parts.append(comparison.disagreements.to_string(index=False))
    return "\n".join(parts)
