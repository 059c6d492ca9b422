"""A student's own study is a folder: its data, its report parameters, its articles, its coding
templates and its output, beside (never inside) the project's tracked files.

    my-study/
      data/          datapackage.json (with the study's title), CODEBOOK.md, a CSV per table
      report.yml     the study's report parameters (the shape of notebooks/report.yml)
      articles/      the study's source articles (not published)
      coding/        coding templates written by ``new-source``
      output/        figures, executed notebooks and the site of the study's report

Every command that takes a data folder also takes a study folder and then works inside it.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers.dataset.codebook import render
from helpers.dataset.schema import Schema
from helpers.errors import DataError
from helpers.paths import (
    CODEBOOK_NAME,
    DESCRIPTOR_NAME,
    PARAMETERS_FILE,
    PROJECT_DATA,
    PROJECT_ROOT,
)

PROJECT_FOLDERS = ("data", "figures", "notebooks", "src", "tests", "docs", "benchmarks")


def _inside(name: str) -> property:
    """A path of the study, ``root / name``."""
    return property(lambda self: self.root / name, doc=f"The study's {name}.")


@dataclass(frozen=True)
class Study:
    """The folders and files of one study (see the module's docstring)."""

    root: Path
    data = _inside("data")
    parameters = _inside("report.yml")
    articles = _inside("articles")
    coding = _inside("coding")
    output = _inside("output")

    @classmethod
    def at(cls, folder: Path | str) -> Study | None:
        """The study whose root is ``folder``, or None when it is not a study folder."""
        folder = Path(folder)
        return cls(folder) if (folder / "data" / DESCRIPTOR_NAME).is_file() else None


def data_folder(folder: Path | str) -> Path:
    """The data folder a command works on: a study's ``data/``, or the folder itself."""
    study = Study.at(folder)
    return study.data if study else Path(folder)


def _refuse_target(root: Path) -> None:
    resolved = root.resolve()
    project = PROJECT_ROOT.resolve()
    inside = [project / name for name in PROJECT_FOLDERS]
    if resolved == project or any(resolved.is_relative_to(p) for p in inside):
        raise DataError(
            f"{root}: a study cannot live in the project's own folders; choose a folder of "
            "its own (e.g. beside the project, or a new folder at the project's root)"
        )
    if resolved.exists() and (not resolved.is_dir() or any(resolved.iterdir())):
        raise DataError(f"{root} exists and is not empty; init writes only into a new folder")


def init_study(root: Path | str, *, empty: bool = False, title: str | None = None) -> Study:
    """Create a study at ``root``: a copy of the project's data (or, with ``empty``, its schema,
    vocabularies and header-only tables), the report parameters, the codebook and the folders.
    Refuses an existing non-empty folder and the project's own folders."""
    study = Study(Path(root))
    _refuse_target(study.root)
    schema = Schema.of(PROJECT_DATA)
    staging = study.root.with_name(f".{study.root.name}.init")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / "data").mkdir(parents=True)
        for name in ("articles", "coding", "output"):
            (staging / name).mkdir()
        descriptor = json.loads((PROJECT_DATA / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
        descriptor["name"] = _slug(study.root.name)
        descriptor["title"] = (
            title or f"{study.root.name}: a study coded with the project's codebook"
        )
        descriptor.pop("version", None)
        (staging / "data" / DESCRIPTOR_NAME).write_text(
            json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for table in schema.tables.values():
            source, target = PROJECT_DATA / table.path, staging / "data" / table.path
            if empty and not table.is_vocabulary:  # an empty study keeps the vocabularies
                with open(target, "w", encoding="utf-8", newline="") as handle:
                    csv.writer(handle, lineterminator="\n").writerow(table.field_names)
            else:
                shutil.copyfile(source, target)
        for name in (CODEBOOK_NAME, "LICENSE.md"):
            if (PROJECT_DATA / name).is_file():
                shutil.copyfile(PROJECT_DATA / name, staging / "data" / name)
        (staging / "data" / CODEBOOK_NAME).write_text(render(staging / "data"), encoding="utf-8")
        shutil.copyfile(PARAMETERS_FILE, staging / "report.yml")
        (staging / "README.md").write_text(_readme(study), encoding="utf-8")
        if study.root.exists():
            study.root.rmdir()  # empty, checked above
        staging.rename(study.root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return study


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return cleaned or "study"


def _readme(study: Study) -> str:
    name = study.root.name
    return f"""# {name}

A study made with `python -m helpers init`. Its commands, run from the project root:

```sh
python -m helpers new-source {name}/articles/ARTICLE.txt --study {name}  # register, templates
python -m helpers add {name} {name}/coding/SOURCE_ID                      # add the coded rows
python -m helpers validate {name}                                         # check everything
python -m helpers report {name}                                           # into {name}/output
```

Edit `report.yml` to choose partners, years and themes. Nothing here is published unless you
run `report`, and `report` writes only into `output/`.
"""
