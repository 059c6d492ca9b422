"""The report's parameter file checked against its declared schema before anything runs: keys,
types, the worked example's own parameters, YAML dates, aliases and size, short messages."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest

from helpers.errors import DataError, ParameterError
from helpers.publish import parameters
from helpers.publish import runner as report

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
RELIABILITY = "06_intercoder_reliability"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "report.yml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str, error: type[Exception]) -> str:
    """The message of the error that ``plan`` raises for this file, with nothing written."""
    out, executed = tmp_path / "figures", tmp_path / "executed"
    with pytest.raises(error) as info:
        report.plan(DATA, out, executed, parameters_file=write(tmp_path, text))
    assert not out.exists() and not executed.exists()
    message = str(info.value)
    assert "report.yml" in message and len(message) < 400, message
    return message


def test_misspelled_top_level_key_is_refused(tmp_path) -> None:
    text = "default:\n  include_observers: false\nnotebooks: {}\n"
    message = refused(tmp_path, text, DataError)
    assert "unknown top-level key(s) ['default']; allowed: ['defaults', 'notebooks']" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "defaults:\n  year_from: 2020-01-01\n",
            "defaults.year_from: 2020-01-01 (read by YAML as a date) is not allowed; allowed: "
            "a whole year",
        ),
        ("defaults:\n  year_to: '2024'\n", "defaults.year_to: '2024' is not allowed"),
        ("defaults:\n  year_to: 20240\n", "defaults.year_to: 20240 is not allowed"),
        ("defaults:\n  include_observers: 'no'\n", "allowed: true or false"),
        ("defaults:\n  partners: [1, 2]\n", "defaults.partners: [1, 2] is not allowed"),
        ("defaults:\n  theme_kind: [crime]\n", "defaults.theme_kind: ['crime'] is not allowed"),
        (
            f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: 7\n",
            f"notebooks.{RELIABILITY}.perturbation_rate: 7 is not allowed; allowed: a number "
            "from 0 to 1",
        ),
        (f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: -0.1\n", "from 0 to 1"),
        (f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: .nan\n", "nan is not allowed"),
        (f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: '0.2'\n", "from 0 to 1"),
        (f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: true\n", "from 0 to 1"),
        (
            f"notebooks:\n  {RELIABILITY}:\n    perturbation_seed: abc\n",
            f"notebooks.{RELIABILITY}.perturbation_seed: 'abc' is not allowed; allowed: a whole "
            "number",
        ),
        (f"notebooks:\n  {RELIABILITY}:\n    perturbation_seed: 1.5\n", "a whole number"),
        ("defaults:\n  data_dir: elsewhere\n", "defaults.data_dir: set by the runner"),
    ],
    ids=lambda v: v if len(v) < 30 else None,
)
def test_parameter_of_the_wrong_type_is_refused(tmp_path, text, fragment) -> None:
    assert fragment in refused(tmp_path, text, ParameterError)


def test_parameter_a_notebook_does_not_take_is_refused(tmp_path) -> None:
    message = refused(tmp_path, "defaults:\n  perturbation_rate: 0.5\n", ParameterError)
    assert "defaults: 01_dataset_overview.ipynb has no parameter(s) ['perturbation_rate']" in (
        message
    )


@pytest.mark.parametrize(("rate", "seed"), [(0, -3), (1, 20261122)])
def test_worked_example_parameters_in_range_are_accepted(tmp_path, rate, seed) -> None:
    text = f"notebooks:\n  {RELIABILITY}:\n    perturbation_rate: {rate}\n"
    text += f"    perturbation_seed: {seed}\n"
    jobs = report.plan(DATA, tmp_path / "f", tmp_path / "e", parameters_file=write(tmp_path, text))
    job = next(j for j in jobs if j.name == RELIABILITY)
    assert job.parameters["perturbation_rate"] == rate
    assert job.parameters["perturbation_seed"] == seed


def test_yaml_aliases_are_refused_with_a_short_message(tmp_path) -> None:
    """The 'billion laughs': a few hundred bytes of aliases that expand without limit."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 7):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    text = "\n".join(lines) + "\ndefaults:\n  partners: *a6\n"
    assert len(text) < 500
    assert "aliases (*name) are not allowed" in refused(tmp_path, text, DataError)


def test_oversized_file_is_refused(tmp_path) -> None:
    text = "# a comment\n" * 6000 + "defaults: {}\n"
    assert len(text) > parameters.MAX_BYTES
    assert "larger than 64 KiB" in refused(tmp_path, text, DataError)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "defaults:\n  partners: !!python/object/apply:os.system [echo hi]\n",
            "line 2, column 13: tags such as 'tag:yaml.org,2002:python/object/apply:os.system' "
            "are not allowed",
        ),
        (
            "defaults:\n  include_observers: false\n  include_observers: true\n",
            "line 3, column 3: duplicate key 'include_observers'",
        ),
        ("defaults: " + "[" * 3000 + "]" * 3000 + "\n", "nested deeper than 16 levels"),
        ("defaults:\n  year_from: " + "9" * 5000 + "\n", "not a usable value"),
    ],
    ids=["tag", "duplicate-key", "deep", "huge-integer"],
)
def test_unsafe_or_ambiguous_yaml_is_refused(tmp_path, text, fragment) -> None:
    assert fragment in refused(tmp_path, text, DataError)


def test_long_values_are_echoed_short(tmp_path) -> None:
    message = refused(tmp_path, f"defaults:\n  partners: [{'X' * 5000}]\n", ParameterError)
    assert "partners: unknown value(s) ['XXX" in message
    message = refused(tmp_path, f"defaults:\n  theme_kind: {'x' * 5000}\n", ParameterError)
    assert "theme_kind:" in message


def test_every_notebook_parameter_is_declared_in_the_schema() -> None:
    taken = set()
    for path in NOTEBOOKS.glob("[0-9]*.ipynb"):
        taken |= set(papermill.inspect_notebook(str(path)))
    assert taken - set(parameters.SET_BY_RUNNER) == set(parameters.PARAMETERS)


def test_the_data_are_read_once_for_every_notebook_checked(tmp_path, monkeypatch) -> None:
    """Checking six notebooks' parameters reads the tables once (at a million events each read
    takes seconds), and a scope that is wrong for one notebook is still named for it."""
    from helpers.dataset import load

    reads = []
    original = load.read_typed
    monkeypatch.setattr(load, "read_typed", lambda d: reads.append(d) or original(d))

    def in_this_process(data_dir, scopes):
        return report._problems_of(data_dir, scopes)[1]

    monkeypatch.setattr(report, "_scope_problems", in_this_process)
    jobs = report.plan(DATA, tmp_path / "figures", tmp_path / "executed")
    assert len(jobs) == 6 and len(reads) == 1
    text = "notebooks:\n  04_agreements:\n    year_from: 2090\n"
    message = refused(tmp_path, text, ParameterError)
    assert "04_agreements: year_from: 2090 is after the last dated year" in message
    assert "(set in notebooks.04_agreements.year_from)" in message
    assert len(reads) == 2
