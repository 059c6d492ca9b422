"""The committed dataset: schema declaration, codebook, environment pins and source checksums."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from filetools import SEEDS, needs_seeds

from helpers.dataset.codebook import render
from helpers.dataset.load import load_dataset
from helpers.dataset.schema import Schema
from helpers.dataset.validate import paragraph_count, validate_dataset
from helpers.dataset.vocabulary import TERMS
from helpers.paths import PROJECT_DATA as DATA
from helpers.paths import PROJECT_ROOT as ROOT


def test_real_data_is_valid() -> None:
    assert validate_dataset(DATA) == []


@needs_seeds
def test_checksums_match_the_articles() -> None:
    sources = pd.read_csv(DATA / "sources.csv", dtype=str)
    assert sorted(sources.file_name) == sorted(p.name for p in SEEDS.glob("*.txt"))
    for row in sources.itertuples():
        assert hashlib.sha256((SEEDS / row.file_name).read_bytes()).hexdigest() == row.sha256
    assert validate_dataset(DATA, SEEDS) == []


@needs_seeds
def test_cited_paragraphs_exist() -> None:
    tables = load_dataset(DATA)
    lengths = {
        s.source_id: paragraph_count((SEEDS / s.file_name).read_text(encoding="utf-8"))
        for s in tables["sources"].itertuples()
    }
    for name in (
        "reports",
        "participants",
        "instrument_steps",
        "event_themes",
        "instrument_themes",
    ):
        frame = tables[name]
        assert (frame.paragraph >= 1).all()
        assert (frame.paragraph <= frame.source_id.map(lengths).astype(int)).all(), name


def test_codebook_is_generated_from_the_schema() -> None:
    committed = (DATA / "CODEBOOK.md").read_text(encoding="utf-8")
    assert committed == render(DATA), "run: python -m helpers codebook data"


def test_codebook_documents_every_column() -> None:
    text = (DATA / "CODEBOOK.md").read_text(encoding="utf-8")
    for table in Schema.project().tables.values():
        for field in table.fields:
            assert f"| `{field.name}` |" in text, (table.name, field.name)


def test_loading_gives_declared_dtypes() -> None:
    tables = load_dataset(DATA)
    events = tables["events"]
    assert isinstance(events.event_type.dtype, pd.CategoricalDtype)
    assert list(events.event_type.cat.categories) == Schema.project().enum("events", "event_type")
    assert str(tables["reports"].paragraph.dtype) == "Int64"
    assert str(events.date_inferred.dtype) == "boolean"
    assert str(tables["sources"].publication_date.dtype).startswith("datetime64")


def _pins(text: str, pattern: str) -> dict[str, str]:
    return {name.lower(): version for name, version in re.findall(pattern, text, re.M)}


def test_environment_yml_pins_the_lock_versions() -> None:
    lock = _pins((ROOT / "requirements.lock").read_text(), r"^([A-Za-z0-9_.-]+)==([^\s\\]+)")
    conda = _pins((ROOT / "environment.yml").read_text(), r"^\s+- ([A-Za-z0-9_.-]+)=([^=\s]+)$")
    direct = [
        line.strip().lower()
        for line in (ROOT / "requirements.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    conda.pop("python")
    assert sorted(conda) == sorted(direct), (
        "environment.yml and requirements.in list other packages"
    )
    drift = {name: (v, lock.get(name)) for name, v in conda.items() if lock.get(name) != v}
    assert not drift, f"environment.yml and requirements.lock disagree: {drift}"


def test_layout_check_requires_keys_and_vocabularies(data_copy: Path) -> None:
    import json

    path = data_copy / "datapackage.json"
    descriptor = json.loads(path.read_text())
    for resource in descriptor["resources"]:
        if resource["name"] == "participants":
            resource["schema"].pop("foreignKeys")
        if resource["name"] == "themes":
            resource["schema"]["fields"][1]["constraints"].pop("enum")
    path.write_text(json.dumps(descriptor))
    messages = [p.message for p in validate_dataset(data_copy)]
    assert "table 'participants' must declare the project's foreign keys" in messages
    assert "column themes.kind must keep a controlled vocabulary" in messages


def test_every_vocabulary_term_the_code_names_is_declared() -> None:
    schema = Schema.of(DATA)
    for term in TERMS:
        assert term.value in schema.enum(term.table, term.column), term


@pytest.mark.parametrize("term", TERMS, ids=lambda t: f"{t.table}.{t.column}={t.value}")
def test_a_schema_without_a_term_the_code_needs_is_refused(data_copy: Path, term) -> None:
    import json

    path = data_copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == term.table:
            for field in resource["schema"]["fields"]:
                if field["name"] == term.column:
                    field["constraints"]["enum"].remove(term.value)
                    field["constraints"]["enum"].append("something_else")
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    messages = [p.message for p in validate_dataset(data_copy)]
    assert f"column {term.table}.{term.column} must keep the value {term.value}" in messages


def test_the_precisions_of_the_date_rules_are_those_the_schema_declares() -> None:
    from helpers.dataset.dates import DATE_GROUPS, PRECISIONS, coarsen

    schema = Schema.of(DATA)
    for table, group in DATE_GROUPS.items():
        assert tuple(schema.enum(table, group.precision)) == PRECISIONS
    assert coarsen("2019-03-05", "day") == ("2019-03", "month")
    assert coarsen("2019-03", "month") == ("2019", "year")
    assert coarsen("2019", "year") is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("plover_event_type", "crime"),  # a PLOVER context in the event-type column
        ("plover_context", "COOPERATE"),  # an event type in the context column
        ("plover_event_type", "COLLABORATE"),  # no such PLOVER event type
        ("cameo", "999"),  # no such CAMEO code
    ],
)
def test_interop_codes_are_checked_against_their_code_lists(data_copy: Path, column, value):
    themes = pd.read_csv(data_copy / "themes.csv", dtype=str, keep_default_na=False)
    themes.loc[0, column] = value
    themes.to_csv(data_copy / "themes.csv", index=False, lineterminator="\n")
    problems = [p for p in validate_dataset(data_copy) if p.file == "themes.csv"]
    assert [(p.row, p.column, p.value, p.rule) for p in problems] == [
        (2, column, value, "foreign-key")
    ]


def test_the_code_lists_are_vocabularies_with_their_source_and_licence() -> None:
    schema = Schema.of(DATA)
    for name in ("plover_event_types", "plover_contexts", "cameo_codes"):
        table = schema.table(name)
        assert table.is_vocabulary
        descriptor = next(r for r in schema.descriptor["resources"] if r["name"] == name)
        assert descriptor["sources"] and descriptor["licenses"][0]["name"] == "CC-BY-SA-4.0"
    used = pd.read_csv(DATA / "themes.csv", dtype=str, keep_default_na=False)
    types = set(pd.read_csv(DATA / "plover_event_types.csv").code)
    assert set(used.plover_event_type) - {""} <= types
    assert not set(used.plover_context) & types  # no event type among the contexts
