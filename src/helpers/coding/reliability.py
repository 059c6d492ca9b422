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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.analysis.scope import Scope, resolve
from helpers.dataset.lines import row_lines
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
    """One coded variable: each coder's value per unit, and where the values are written."""

    name: str
    label: str
    table: str  # the CSV file holding the values
    key: tuple[str, ...]  # the columns of that file that name a unit
    a: pd.Series
    b: pd.Series


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
    coding B's files (default: read from its data folder)."""
    a, b = scope_a.tables, scope_b.tables
    compared, b_ids = _common_sources(scope_a, scope_b, sources)
    a = _restricted(a, compared, {s: s for s in compared})
    b = _restricted(b, compared, b_ids)
    units_a, units_b = _units(a), _units(b)
    common = {t: units_a[t].intersection(units_b[t], sort=False) for t in UNIT_KEYS}
    if not any(len(keys) for keys in common.values()):
        raise DataError(
            f"{scope_a.data_dir} and {scope_b.data_dir} share no unit (no event_id or "
            f"instrument_id in both) for the sources {sorted(compared)}, so no alpha can be "
            "computed: the coders first agree on the units, then code them"
        )
    if not all_units:
        a, b = _only_units(a, common), _only_units(b, common)
    lines_a, lines_b = LineFinder(scope_a), lines_b or LineFinder(scope_b)
    alpha_rows, disagreements = [], _unit_differences(units_a, units_b, lines_a, lines_b)
    for var in _variables(a, b):
        both, x, y = _paired(var.a, var.b)
        differ = x != y
        alpha_rows.append(
            {
                "variable": var.name,
                "label": var.label,
                "alpha": round(_alpha(x, y), 3),
                "units": len(both),
                "disagreements": int(differ.sum()),
            }
        )
        differing = sorted(zip(both[differ], x[differ], y[differ], strict=True), key=_first)
        for unit, value_a, value_b in differing:
            disagreements.append(
                {
                    "variable": var.name,
                    "table": f"{var.table}.csv",
                    "unit": _unit_text(unit),
                    "value_a": value_a,
                    "value_b": value_b,
                    "row_a": lines_a.line(var, unit, value_a),
                    "row_b": lines_b.line(var, unit, value_b),
                }
            )
    alphas = pd.DataFrame(
        alpha_rows, columns=["variable", "label", "alpha", "units", "disagreements"]
    )
    columns = ["variable", "table", "unit", "value_a", "value_b", "row_a", "row_b"]
    found = pd.DataFrame(disagreements, columns=columns)
    for column in ("row_a", "row_b"):
        found[column] = found[column].astype("Int64")
    return Comparison(alphas, found, tuple(sorted(compared)), tuple(_warnings(alphas)))


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


def _restricted(
    tables: dict[str, pd.DataFrame], sources: set[str], ids: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """The evidence of the sources compared (source ids in coding A's numbering), the events
    and instruments it bears on, and the rows that hang on them, with keys as text."""
    cut = {"themes": tables["themes"]}
    for table in EVIDENCE:
        frame = tables[table].assign(source_id=_keys(tables[table].source_id).map(ids))
        cut[table] = _rows(frame, frame.source_id.isin(list(sources)).to_numpy())
    out = dict(cut)
    for table, key in UNIT_KEYS.items():
        frame = tables[table].assign(**{key: _keys(tables[table][key])})
        child = next(c for c, k, parent in CHILDREN if parent == table and c != "participants")
        evidence = _keys(cut[child][key]).dropna().unique()
        out[table] = _rows(frame, frame[key].isin(evidence).to_numpy())
    return _with_children(out, cut)


def _with_children(units: dict[str, pd.DataFrame], tables: dict) -> dict[str, pd.DataFrame]:
    """``units`` (events and instruments) with the rows of ``tables`` that hang on them."""
    out = dict(units)
    for table, key, parent in CHILDREN:
        frame = tables[table].assign(**{key: _keys(tables[table][key])})
        keys = units[parent][key].dropna().unique()
        out[table] = _rows(frame, frame[key].isin(keys).to_numpy())
    return out


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true, numbered from 0; ``frame`` itself when
    that is every row (no copy of a table of millions of rows that both coders share)."""
    if keep.all() and isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0:
        return frame
    return frame[keep].reset_index(drop=True)


def _units(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Index]:
    """Every unit of a coding: the keys (as text) of its events and of its instruments."""
    return {table: pd.Index(_keys(tables[table][key]).unique()) for table, key in UNIT_KEYS.items()}


def _only_units(tables: dict[str, pd.DataFrame], keep: dict[str, pd.Index]) -> dict:
    """The tables cut to the units in ``keep`` (per table) and the rows that hang on them."""
    units = dict(tables)
    for table, key in UNIT_KEYS.items():
        frame = tables[table]
        units[table] = _rows(frame, _keys(frame[key]).isin(keep[table]).to_numpy())
    return _with_children(units, tables)


def _keys(column: pd.Series) -> pd.Series:
    """A key column as plain text (Python strings, missing as None), for hashing and joining."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        text = column.cat.categories.astype(str).to_numpy(dtype=object)
        values = np.append(text, None)[column.cat.codes.to_numpy()]  # code -1: missing
    else:
        values = column.to_numpy(dtype=object, na_value=None)
    return pd.Series(values, index=column.index, dtype=object)


def _text(values: pd.Series) -> np.ndarray:
    """Values as the coders wrote them, an empty cell as ``(none)`` (a categorical's
    categories written once, then taken by code)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        text = pd.Series(values.cat.categories).astype("string").to_numpy(dtype=object)
        return np.append(text, ABSENT)[values.cat.codes.to_numpy()]  # code -1: missing
    return values.astype("string").fillna(ABSENT).to_numpy()


def _field(tables: dict, table: str, key: tuple[str, ...], column: str) -> pd.Series:
    frame = tables[table]
    (column_key,) = key
    return pd.Series(_text(frame[column]), index=frame[column_key].astype(str), dtype=object)


def _variables(a: dict, b: dict) -> Iterable[Variable]:
    """Every variable the two codings can be compared on (see the module's docstring)."""
    for table, (key_column, columns) in FIELDS.items():
        key = (key_column,)
        for column, label in columns.items():
            yield Variable(
                column if table == "events" else f"instrument_{column}",
                label,
                table,
                key,
                _field(a, table, key, column),
                _field(b, table, key, column),
            )
    yield _joined_variable(
        "instrument_steps",
        "Steps coded for the instrument",
        (a, b),
        "instrument_steps",
        ("instrument_id",),
        "step",
    )
    for column, label in STEP_FIELDS.items():
        yield _joined_variable(
            f"instrument_step_{column}",
            label,
            (a, b),
            "instrument_steps",
            ("instrument_id", "step"),
            column,
        )
    labels = dict(zip(a["themes"].theme_id.astype(str), a["themes"].label.astype(str), strict=True))
    for kind, (table, key, unit) in LINKS.items():
        parent = "events" if kind == "event" else "instruments"
        themes = sorted(set(a[table].theme_id.astype(str)) | set(b[table].theme_id.astype(str)))
        units = _keys(a[parent][key]).unique()
        units = pd.Index(units[pd.Index(units).isin(_keys(b[parent][key]))])  # coded by both
        raised_a, raised_b = _raised(a[table], key, units), _raised(b[table], key, units)
        for theme in themes:
            index = pd.MultiIndex(  # (unit, theme), built without a tuple per unit
                levels=[units, [theme]], codes=[np.arange(len(units)), np.zeros(len(units), int)]
            )
            yield Variable(
                f"{kind}_theme:{theme}",
                f"Theme: {labels.get(theme, theme)}" + ("" if kind == "event" else " (instrument)"),
                table,
                (key, "theme_id"),
                _presence(raised_a, theme, index),
                _presence(raised_b, theme, index),
            )
        for column, label in (("voice", "Voice of a theme"), ("raised_by", "Who raised a theme")):
            name, described = f"{kind}_theme_{column}", f"{label} ({unit})"
            yield _joined_variable(name, described, (a, b), table, (key, "theme_id"), column)
    yield Variable(
        "participant",
        "Who took part",
        "participants",
        ("event_id", "person_id"),
        *_attendance(a, b),
    )
    for column, label in (
        ("side", "Participant's side"),
        ("title_as_stated", "Participant's title"),
    ):
        name, person = f"participant_{column}", ("event_id", "person_id")
        yield _joined_variable(name, label, (a, b), "participants", person, column)


def _raised(links: pd.DataFrame, key: str, units: pd.Index) -> dict[str, np.ndarray]:
    """Per theme: the positions in ``units`` of the units the coding links it to."""
    at = units.get_indexer(_keys(links[key]))
    themes = _keys(links.theme_id).to_numpy()
    found = at >= 0
    frame = pd.DataFrame({"theme": themes[found], "at": at[found]})
    return {str(t): group.to_numpy() for t, group in frame.groupby("theme", sort=False).at}


def _presence(raised: dict[str, np.ndarray], theme: str, index: pd.MultiIndex) -> pd.Series:
    """Per unit of ``index`` (unit, theme): whether the coding links ``theme`` to the unit (in
    any voice)."""
    found = np.zeros(len(index), dtype=bool)
    found[raised.get(theme, np.array([], dtype=np.int64))] = True
    return pd.Series(np.where(found, "yes", "no").astype(object), index=index)


def _joined_variable(
    name: str, label: str, codings: tuple[dict, dict], table: str, key: tuple[str, ...], column: str
) -> Variable:
    """The variable whose unit is ``key`` of ``table`` and whose value is, in each coding, the
    unit's values of ``column`` joined (see ``_joined``)."""
    a, b = (_joined(coding[table], list(key), column) for coding in codings)
    return Variable(name, label, table, key, a, b)


def _joined(frame: pd.DataFrame, key: list[str], column: str) -> pd.Series:
    """Per combination of ``key`` in ``frame``: its values of ``column``, sorted and joined
    (a group of one value, by far the most common, is taken as it is)."""
    if frame.empty:
        return pd.Series(dtype=object)
    parts = pd.DataFrame({k: _keys(frame[k]) for k in key}).assign(_v=_text(frame[column]))
    parts = parts.drop_duplicates()
    group = parts.groupby(key, sort=False).ngroup().to_numpy()  # numbered as first seen
    first = ~pd.Series(group).duplicated().to_numpy()
    values = parts._v.to_numpy(dtype=object)
    joined = values[first].copy()  # one per group, in the order of the group numbers
    several = np.bincount(group)[group] > 1
    if several.any():
        rest = pd.DataFrame({"g": group[several], "v": values[several]}).sort_values(["g", "v"])
        g, v = rest.g.to_numpy(), rest.v.tolist()
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        ends = np.append(starts[1:], len(g))
        for i, j in zip(starts.tolist(), ends.tolist(), strict=True):
            joined[g[i]] = " + ".join(v[i:j])
    heads = [parts[k].to_numpy()[first] for k in key]
    index = pd.MultiIndex.from_arrays(heads, names=key) if len(key) > 1 else pd.Index(heads[0])
    return pd.Series(joined, index=index, dtype=object)


def _attendance(a: dict, b: dict) -> tuple[pd.Series, pd.Series]:
    """Per event both codings have and person named by either coding at it: whether each
    coding lists the person as a participant of the event."""
    listed = [
        pd.MultiIndex.from_arrays([_keys(t["participants"][c]) for c in ("event_id", "person_id")])
        for t in (a, b)
    ]
    pairs = listed[0].append(listed[1]).unique()
    events = _keys(a["events"].event_id)
    events = events[events.isin(_keys(b["events"].event_id))].unique()
    pairs = pairs[pairs.get_level_values(0).isin(events)]
    return tuple(  # type: ignore[return-value]
        pd.Series(np.where(pairs.isin(coded), "yes", "no").astype(object), index=pairs)
        for coded in listed
    )


def _unit_differences(
    units_a: dict[str, pd.Index],
    units_b: dict[str, pd.Index],
    lines_a: LineFinder,
    lines_b: LineFinder,
) -> list[dict]:
    """A unit only one coder has is listed once, not once per variable."""
    found = []
    only = [
        (table, str(unit), in_a)
        for table in UNIT_KEYS
        for keys, other, in_a in ((units_a, units_b, True), (units_b, units_a, False))
        for unit in keys[table].difference(other[table], sort=False)
    ]
    for table, unit, in_a in sorted(only):
        var = Variable(
            "unit", "", table, (UNIT_KEYS[table],), pd.Series(dtype=object), pd.Series(dtype=object)
        )
        value_a = "present" if in_a else "(unit missing)"
        value_b = "(unit missing)" if in_a else "present"
        found.append(
            {
                "variable": "unit",
                "table": f"{table}.csv",
                "unit": unit,
                "value_a": value_a,
                "value_b": value_b,
                "row_a": lines_a.line(var, unit, value_a),
                "row_b": lines_b.line(var, unit, value_b),
            }
        )
    return found


def _first(row: tuple):
    return row[0]


def _unit_text(unit) -> str:
    return " / ".join(unit) if isinstance(unit, tuple) else str(unit)


class LineFinder:
    """The line of a coding's CSV file where a unit's value is written (the file itself is
    read: the scope's tables are cut and renumbered)."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.schema = Schema.of(scope.data_dir)
        self.cache: dict[tuple, dict] = {}

    def line(self, var: Variable, unit, value: str) -> int | None:
        if value in ("no", "(unit missing)"):  # nothing is written for this unit
            return None
        return self._find(var.table, var.key, unit)

    def _find(self, table: str, key: tuple[str, ...], unit) -> int | None:
        unit = unit if isinstance(unit, tuple) else (unit,)
        unit = unit[: len(key)]
        if (table, key) not in self.cache:
            self.cache[table, key] = self._first_lines(table, key)
        return self.cache[table, key].get(tuple(unit))

    def _first_lines(self, table: str, key: tuple[str, ...]) -> dict:
        """Per value of ``key`` in ``table``'s file: the line of its first row."""
        path = self.scope.data_dir / self.schema.table(table).path
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(key))
        raw["_line"] = self._file_lines(table, len(raw))
        return self._first_of(raw, key)

    def _file_lines(self, table: str, rows: int) -> list[int]:
        """The line of each of the first ``rows`` rows of ``table``'s file."""
        return row_lines(self.scope.data_dir / self.schema.table(table).path, rows)

    @staticmethod
    def _first_of(raw: pd.DataFrame, key: tuple[str, ...]) -> dict:
        first = raw.drop_duplicates(list(key))  # a unit's first row
        return dict(
            zip(zip(*(first[c] for c in key), strict=True), first._line.tolist(), strict=True)
        )


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
