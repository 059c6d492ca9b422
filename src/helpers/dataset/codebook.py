"""Generate the variable tables of data/CODEBOOK.md from the schema and the theme vocabulary.

The prose of the codebook is written by hand; the part between the markers is generated, and a
test fails when the committed file differs from what the schema generates.
"""

from __future__ import annotations

from pathlib import Path

from helpers.dataset.dates import DATE_GROUPS
from helpers.dataset.read import read_table
from helpers.dataset.rules import describe_date_rules
from helpers.dataset.schema import Schema
from helpers.dataset.vocabulary import TERMS
from helpers.errors import DataError
from helpers.paths import CODEBOOK_NAME

BEGIN = "<!-- BEGIN GENERATED: do not edit by hand; run `python -m helpers codebook DATA_DIR` -->"
END = "<!-- END GENERATED -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def constraint_text(field) -> str:
    c = field.constraints
    parts = []
    if field.enum:
        parts.append(", ".join(f"`{v}`" for v in field.enum))
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    if "minimum" in c:
        parts.append(f"at least {c['minimum']}")
    if "maximum" in c:
        parts.append(f"at most {c['maximum']}")
    if field.type == "boolean":
        parts.append("`true`, `false`")
    if c.get("unique"):
        parts.append("unique")
    return "; ".join(parts)


def _provenance(schema: Schema, name: str) -> list[str]:
    """Source and licence lines of a table that declares its own (a bundled code list)."""
    resource = next(r for r in schema.descriptor["resources"] if r.get("name") == name)
    lines = [
        f"Source: {s.get('title', '')} ({s.get('path', '')})." for s in resource.get("sources", [])
    ]
    lines += [f"Licence: {x.get('title') or x.get('name')}." for x in resource.get("licenses", [])]
    return lines


def variable_tables(schema: Schema) -> str:
    """Markdown: one section per table with its keys and a row per column."""
    out = []
    for table in schema.tables.values():
        out.append(f"### `{table.path}`: {table.title}\n\n{table.description}\n")
        out.append(f"Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}.")
        out += _provenance(schema, table.name)
        for fk in table.foreign_keys:
            target = fk["reference"]["resource"] or table.name
            out.append(
                f"Foreign key: `{', '.join(fk['fields'])}` → "
                f"`{target}.{', '.join(fk['reference']['fields'])}`."
            )
        if table.name in DATE_GROUPS:
            out.append("\nDate rules checked by the validator:\n")
            out += [f"- {rule}" for rule in describe_date_rules(DATE_GROUPS[table.name])]
        out.append("\n| column | type | required | allowed values | meaning |")
        out.append("|---|---|---|---|---|")
        for f in table.fields:
            required = "yes" if f.required or f.name in table.primary_key else ""
            out.append(
                f"| `{f.name}` | {f.type} | {required} | {_cell(constraint_text(f))} "
                f"| {_cell(f.description)} |"
            )
        out.append("")
    return "\n".join(out)


def theme_table(data_dir: Path) -> str:
    """Markdown table of the theme vocabulary (themes.csv), grouped by kind."""
    schema = Schema.of(data_dir)
    themes = read_table(data_dir, schema.table("themes")).sort_values(["kind", "theme_id"])
    lines = [
        "| theme_id | kind | label | definition | PLOVER event type | PLOVER context | CAMEO |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in themes.itertuples():
        lines.append(
            f"| `{t.theme_id}` | {t.kind} | {_cell(t.label)} | {_cell(t.definition)} "
            f"| {_text(t.plover_event_type)} | {_text(t.plover_context)} | {_text(t.cameo)} |"
        )
    return "\n".join(lines)


def terms_table() -> str:
    """Markdown list of the vocabulary values the code gives a meaning to (they may not be
    removed from a study's schema)."""
    lines = ["| column | value | used for |", "|---|---|---|"]
    for term in TERMS:
        lines.append(f"| `{term.table}.{term.column}` | `{term}` | {_cell(term.meaning)} |")
    return "\n".join(lines)


def generated_section(data_dir: Path) -> str:
    schema = Schema.of(data_dir)
    return (
        f"{BEGIN}\n\n## Theme vocabulary\n\n{theme_table(data_dir)}\n\n"
        f"## Values the code relies on\n\n{terms_table()}\n\n"
        f"## Variables\n\n{variable_tables(schema)}\n{END}"
    )


def render(data_dir: Path) -> str:
    """The codebook with its generated section brought up to date."""
    path = Path(data_dir) / CODEBOOK_NAME
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path}: the markers of the generated section are missing")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + generated_section(Path(data_dir)) + tail


def stale_codebook(data_dir: Path | str) -> str | None:
    """What is wrong with a data folder's codebook, if its generated tables no longer match the
    schema and the theme vocabulary (None when up to date, or when the folder has none)."""
    path = Path(data_dir) / CODEBOOK_NAME
    if not path.is_file():
        return None
    try:
        current = render(Path(data_dir))
    except (ValueError, DataError) as exc:
        return f"{path}: cannot be brought up to date ({exc})"
    if path.read_text(encoding="utf-8") != current:
        return (
            f"{path}: out of date with the schema or the theme vocabulary; run "
            f"python -m helpers codebook {data_dir}"
        )
    return None
