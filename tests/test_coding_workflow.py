"""Registering a new source, and intercoder reliability between two codings."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from cli import helpers_cli
from filetools import SEEDS, digest, needs_seeds

from helpers.coding.register import register_source
from helpers.coding.reliability import compare, nominal_alpha
from helpers.coding.simulation import perturb
from helpers.dataset.lines import line_of_row
from helpers.dataset.validate import validate_dataset
from helpers.errors import DataError
from helpers.paths import PROJECT_DATA as DATA


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "new_article.txt"
    path.write_text("A headline\n\nFirst paragraph.\nSecond paragraph.\n", encoding="utf-8")
    return path


def test_new_source_registers_and_writes_a_template(data_copy, article) -> None:
    source_id, folder = register_source(article, data_copy, data_copy.parent / "coding")
    assert source_id == "S005"
    sources = pd.read_csv(data_copy / "sources.csv", dtype=str, keep_default_na=False)
    new = sources[sources.source_id == "S005"].iloc[0]
    assert new.file_name == "new_article.txt"
    assert new.sha256 == hashlib.sha256(article.read_bytes()).hexdigest()
    assert validate_dataset(data_copy) == []  # the registered row is valid as it stands
    reports = pd.read_csv(folder / "reports.csv", dtype=str, keep_default_na=False)
    assert list(reports.columns)[:3] == ["event_id", "source_id", "paragraph"]
    assert reports.source_id.tolist() == ["S005"]
    events = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    assert "source_id" not in events.columns  # an event is the meeting, whoever reports it
    guide = (folder / "README.md").read_text()
    assert "3 paragraphs" in guide
    assert "`visit`, `talks`, `meeting`, `courtesy_call`" in guide


@pytest.mark.parametrize(
    ("make_bad", "fragment"),
    [
        (lambda a, d: a.with_name("missing.txt"), "no such file"),
        (lambda a, d: (a.write_bytes(b"caf\xe9"), a)[1], "not UTF-8"),
        (lambda a, d: register_source(a, d, d.parent / "c1") and a, "already registered as S005"),
    ],
    ids=["missing-file", "not-utf8", "already-registered"],
)
def test_new_source_refuses_and_writes_nothing(data_copy, article, make_bad, fragment) -> None:
    bad = make_bad(article, data_copy)
    before = digest(data_copy.parent)
    with pytest.raises(DataError, match=fragment):
        register_source(bad, data_copy, data_copy.parent / "coding")
    assert digest(data_copy.parent) == before


def test_new_source_refuses_an_already_coded_article(data_copy, tmp_path) -> None:
    known = pd.read_csv(DATA / "sources.csv").file_name.iloc[0]
    (tmp_path / known).write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="already registered as S000"):
        register_source(tmp_path / known, data_copy, tmp_path / "coding")


def test_hand_worked_alpha() -> None:
    # Four units, nominal; coder A: a a b b, coder B: a b b b. Coincidences: o_aa = 2,
    # o_ab = o_ba = 1, o_bb = 4; n_a = 3, n_b = 5, n = 8. D_o = 2/8; D_e = 2*3*5/(8*7) = 30/56;
    # alpha = 1 - (2/8)/(30/56) = 1 - 112/240 = 8/15.
    a = pd.Series(["a", "a", "b", "b"], index=["u1", "u2", "u3", "u4"])
    b = pd.Series(["a", "b", "b", "b"], index=["u1", "u2", "u3", "u4"])
    assert nominal_alpha(a, b) == pytest.approx(8 / 15)
    assert nominal_alpha(a, a) == 1.0
    assert pd.isna(nominal_alpha(a.replace("b", "a"), a.replace("b", "a")))  # no variation


def test_alpha_agrees_with_the_krippendorff_package() -> None:
    # random codings (invented): up to 8 values, units coded by one coder only, a few units
    import krippendorff
    import numpy as np

    rng = np.random.default_rng(14)
    compared = 0
    for _ in range(200):
        n, values = int(rng.integers(1, 40)), int(rng.integers(1, 9))
        index = [f"u{i}" for i in range(n)]
        a = pd.Series(rng.integers(0, values, n).astype(str), index=index)
        b = pd.Series(rng.integers(0, values, n).astype(str), index=index)
        a, b = a[rng.random(n) < 0.8], b[rng.random(n) < 0.8]
        units, seen = sorted(set(a.index) | set(b.index)), sorted(set(a) | set(b))
        code = {v: i for i, v in enumerate(seen)}
        data = [[code[s[u]] if u in s.index else np.nan for u in units] for s in (a, b)]
        try:
            with np.errstate(all="ignore"):
                expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        except ValueError:  # the package refuses: a single value, or no unit coded by both
            expected = float("nan")
        if np.isnan(expected):
            assert np.isnan(nominal_alpha(a, b))
        else:
            assert nominal_alpha(a, b) == pytest.approx(expected, abs=1e-12)
            compared += 1
    assert compared > 100


def test_alpha_of_many_units_with_many_values() -> None:
    # 20,000 units, each its own value (as a date or a parent visit can be): the package
    # would build a 20,000 x 20,000 x 20,000 array; one disagreement on the first unit
    units = [f"E{i:05d}" for i in range(20_000)]
    a = pd.Series(units, index=units)
    b = a.copy()
    b.iloc[0] = "other"
    n, observed = 40_000, 2  # pairable values; the pair (E00000, other) counted both ways
    squares = 19_999 * 2**2 + 2 * 1**2  # n_c^2 over the values
    assert nominal_alpha(a, b) == pytest.approx(1 - (n - 1) * observed / (n**2 - squares))
    assert nominal_alpha(a, a) == 1.0


def test_identical_codings_agree_fully() -> None:
    result = compare(DATA, DATA)
    defined = result.alphas.dropna(subset=["alpha"])
    assert len(defined) >= 20 and (defined.alpha == 1.0).all()
    assert result.disagreements.empty


@pytest.mark.parametrize(
    ("seed", "rate"),
    [(3, 0.3), (20261122, 0.2)],  # the second: notebook 06's, whose copy is not validated again
)
def test_perturbed_coding_lists_every_change(tmp_path, seed, rate) -> None:
    changes = perturb(DATA, tmp_path / "b", seed=seed, rate=rate)
    assert changes and validate_dataset(tmp_path / "b") == []
    result = compare(DATA, tmp_path / "b")
    units = {(row.unit.split(" / ")[0], row.variable) for row in result.disagreements.itertuples()}
    for change in changes:
        unit = change.split(":")[0]
        assert any(u == unit for u, _ in units), change
    assert (result.alphas.dropna().alpha < 1).any()
    assert result.disagreements.row_a.notna().all()


def test_agreement_compares_the_sources_both_registered(data_copy, article) -> None:
    register_source(article, data_copy, data_copy.parent / "coding")
    result = compare(data_copy, DATA)
    assert "S005" not in result.sources and len(result.sources) == 5
    with pytest.raises(DataError, match=r"sources \['S005'\]: not registered"):
        compare(data_copy, DATA, ["S005"])
    with pytest.raises(DataError, match=r"sources \['S999'\]: not in"):
        compare(data_copy, DATA, ["S999"])


def test_agreement_command(tmp_path, data_copy) -> None:
    perturb(DATA, tmp_path / "b", seed=1)
    run = helpers_cli("agreement", str(DATA), str(tmp_path / "b"))
    assert run.returncode == 0, run.stderr
    assert "Krippendorff's alpha" in run.stdout and "Disagreements to reconcile" in run.stdout
    (data_copy / "events.csv").write_text("broken\n")
    run = helpers_cli("agreement", str(DATA), str(data_copy))
    assert run.returncode == 1 and "INVALID" in run.stderr


def test_disagreements_point_at_the_right_lines(tmp_path) -> None:
    shutil.copytree(DATA, tmp_path / "b")
    links = pd.read_csv(DATA / "event_themes.csv", dtype=str, keep_default_na=False)
    target = links[(links.event_id == "E002") & (links.theme_id == "information_sharing")]
    line_in_a = line_of_row(DATA / "event_themes.csv", int(target.index[0]))
    links.drop(index=target.index).to_csv(tmp_path / "b" / "event_themes.csv", index=False)
    events = pd.read_csv(DATA / "events.csv", dtype=str, keep_default_na=False)
    events[events.event_id != "E004"].to_csv(tmp_path / "b" / "events.csv", index=False)
    for name in ("reports", "participants", "event_themes"):  # what hangs on the removed event
        frame = pd.read_csv(tmp_path / "b" / f"{name}.csv", dtype=str, keep_default_na=False)
        frame[frame.event_id != "E004"].to_csv(tmp_path / "b" / f"{name}.csv", index=False)
    result = compare(DATA, tmp_path / "b").disagreements
    theme = result[result.variable == "event_theme:information_sharing"].iloc[0]
    assert (theme.table, theme.unit, theme.row_a) == (
        "event_themes.csv",
        "E002 / information_sharing",
        line_in_a,
    )
    assert pd.isna(theme.row_b)
    missing = result[result.unit == "E004"]
    assert len(missing) == 1 and missing.iloc[0].value_b == "(unit missing)"


def test_disagreement_lines_count_a_cell_spanning_lines(tmp_path: Path) -> None:
    coder_b = Path(shutil.copytree(DATA, tmp_path / "b"))
    events = pd.read_csv(coder_b / "events.csv", dtype=str, keep_default_na=False)
    events.loc[0, "summary"] = "A summary\nwritten on two lines."
    last = events.index[-1]
    kinds = [k for k in ("meeting", "talks") if k != events.loc[last, "event_type"]]
    events.loc[last, "event_type"] = kinds[0]
    events.to_csv(coder_b / "events.csv", index=False, lineterminator="\n")
    lines = (coder_b / "events.csv").read_text(encoding="utf-8").splitlines()
    unit = events.loc[last, "event_id"]
    expected = next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{unit},"))
    found = compare(DATA, coder_b).disagreements
    row = found[(found.variable == "event_type") & (found.unit == unit)].iloc[0]
    assert row.row_b == expected == len(events) + 2  # header, a record on two lines, the rest


def test_agreement_command_refuses_codings_without_a_common_unit(tmp_path, data_copy) -> None:
    """Every unit renumbered (E001 -> E9001, I001 -> I9001): a valid coding of the same sources
    that shares no unit with the first, so no alpha is defined."""
    renumber = {"event_id": "E9", "parent_event_id": "E9", "instrument_id": "I9"}
    for path in data_copy.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in set(renumber) & set(frame.columns):
            frame[column] = frame[column].str.replace(r"^[EI]", renumber[column], regex=True)
        frame.to_csv(path, index=False, lineterminator="\n")
    assert validate_dataset(data_copy) == []
    run = helpers_cli("agreement", str(DATA), str(data_copy))
    assert run.returncode != 0
    assert "share no unit" in run.stderr and "Krippendorff" not in run.stdout


def _edit_csv(path: Path, edit) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def test_every_coded_variable_is_compared(tmp_path) -> None:
    """Voice and raiser of a theme link, a participant's side and presence, an instrument's
    themes: a difference in any of them is a disagreement with its lines in both codings."""
    coder_b = Path(shutil.copytree(DATA, tmp_path / "b"))

    def links(frame):
        frame.loc[0, "raised_by"] = "partner" if frame.loc[0, "raised_by"] != "partner" else "both"

    def people(frame):
        frame.drop(index=frame.index[-1], inplace=True)

    def agreement_links(frame):
        frame.drop(index=frame.index[0], inplace=True)

    _edit_csv(coder_b / "event_themes.csv", links)
    _edit_csv(coder_b / "participants.csv", people)
    _edit_csv(coder_b / "instrument_themes.csv", agreement_links)
    assert validate_dataset(coder_b) == []
    found = compare(DATA, coder_b).disagreements
    variables = set(found.variable)
    assert "event_theme_raised_by" in variables
    assert "participant" in variables
    assert any(v.startswith("instrument_theme:") for v in variables)
    for row in found.itertuples():
        assert not (pd.isna(row.row_a) and pd.isna(row.row_b)), row


def test_named_sources_only_and_a_warning_for_too_few_units(tmp_path) -> None:
    coder_b = Path(shutil.copytree(DATA, tmp_path / "b"))

    def retype(frame):
        frame.loc[frame.event_id == "E001", "event_type"] = "talks"

    _edit_csv(coder_b / "events.csv", retype)
    only_s004 = compare(DATA, coder_b, ["S004"])
    assert only_s004.sources == ("S004",)
    units = only_s004.alphas.set_index("variable").units
    assert units["event_type"] == 1 and units["instrument_kind"] == 1  # S004: one of each
    assert only_s004.disagreements.empty  # E001 (S000) is not compared
    assert any("too unstable" in w for w in only_s004.warnings)
    everything = compare(DATA, coder_b)
    assert "E001" in set(everything.disagreements.unit)


def test_agreement_command_explains_alpha(tmp_path) -> None:
    run = helpers_cli("agreement", str(DATA), str(DATA), "--sources", "S002")
    assert run.returncode == 0, run.stderr
    assert "Sources compared: S002" in run.stdout
    assert "How to read alpha" in run.stdout and "NaN means alpha is undefined" in run.stdout
    assert "Warning:" in run.stdout and "too unstable" in run.stdout


@needs_seeds
def test_the_second_coding_is_valid_and_compared(project_scope) -> None:
    from helpers.coding.reliability import second_coding

    coder_b = DATA / "coder_b"
    assert validate_dataset(coder_b, SEEDS) == []
    main = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    second = json.loads((coder_b / "datapackage.json").read_text(encoding="utf-8"))
    assert second["resources"] == main["resources"]  # the same declaration, not a variant
    for table in ("sources", "partners", "bodies", "persons", "themes"):
        assert (coder_b / f"{table}.csv").read_bytes() == (DATA / f"{table}.csv").read_bytes()
    result = second_coding(project_scope)
    assert result is not None and result.sources == tuple(
        sorted(project_scope.tables["sources"].source_id.astype(str))
    )
    assert (result.alphas.units > 0).all()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n \n", "the file is empty"),
        ("nul.txt", b"\x00\x00\x00", "control characters"),
        ("bell.txt", b"A line\x07 with a bell\n", "control characters"),
        ("line\nbreak.txt", b"An article.\n", "control character"),
    ],
)
def test_new_source_refuses_what_is_not_an_article(data_copy, tmp_path, name, content, message):
    article = tmp_path / name
    article.write_bytes(content)
    before = digest(data_copy)
    with pytest.raises(DataError, match=message):
        register_source(article, data_copy, tmp_path / "coding")
    assert digest(data_copy) == before and not (tmp_path / "coding").exists()


def test_new_source_names_a_sources_row_with_an_extra_cell(data_copy, article) -> None:
    path = data_copy / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",an extra cell"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"sources.csv, row 3: more cells than columns"):
        register_source(article, data_copy, data_copy.parent / "coding")


def _via_files(scope, folder: Path, seed: int, rate: float):
    """The simulated second coder as it was made before: a perturbed copy written, read back."""
    from helpers.analysis.scope import resolve
    from helpers.coding.reliability import compare_scopes

    changes = perturb(scope.data_dir, folder, seed=seed, rate=rate)
    return changes, compare_scopes(scope, resolve(folder, **scope.parameters(), validate=False))


@pytest.mark.parametrize(
    ("where", "seed", "rate", "limits"),
    [
        ("project", 20261122, 0.2, {}),
        ("project", 1, 0.6, {"year_from": 2023}),
        ("synthetic", 20261122, 0.2, {}),
        ("synthetic", 5, 0.4, {"partners": ["LAO", "THA"], "include_observers": False}),
    ],
)
def test_simulated_coder_in_memory_is_the_written_copy(
    tmp_path, monkeypatch, where, seed, rate, limits
) -> None:
    """Perturbed in memory, the second coding gives the changes, alphas and disagreements
    (with the lines of coding B's files) that writing the copy and reading it back gave, and
    nothing is written."""
    from helpers.analysis.scope import resolve
    from helpers.coding import simulation

    data = DATA
    if where == "synthetic":
        from synthetic import generate

        data = tmp_path / "data"
        generate(data, n_occasions=150)
    scope = resolve(data, **limits)
    written = []
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: written.append(a))
    monkeypatch.setattr(simulation.shutil, "copytree", lambda *a, **k: written.append(a))
    changes, result = simulation.simulated_second_coder(scope, seed=seed, rate=rate)
    assert written == []
    monkeypatch.undo()
    expected_changes, expected = _via_files(scope, tmp_path / "b", seed, rate)
    assert changes == expected_changes and changes
    pd.testing.assert_frame_equal(result.alphas, expected.alphas)
    pd.testing.assert_frame_equal(result.disagreements, expected.disagreements)
    assert result.disagreements.row_b.notna().any()
