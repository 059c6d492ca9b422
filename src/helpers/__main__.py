"""Command line: ``python -m helpers COMMAND``."""

from __future__ import annotations

import argparse
import signal
import sys

from helpers.errors import DataError, ParameterError


def cmd_validate(args: argparse.Namespace) -> int:
    from helpers.coding.study import data_folder
    from helpers.dataset.codebook import stale_codebook
    from helpers.dataset.validate import validate_dataset

    data_dir = data_folder(args.data_dir)
    problems = [str(p) for p in validate_dataset(data_dir, args.seeds)]
    if not problems and (stale := stale_codebook(data_dir)):  # it reads the checked tables
        problems.append(stale)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{data_dir}: INVALID, {len(problems)} problem(s)", file=sys.stderr)
        return 1
    checked = " and the source checksums" if args.seeds else ""
    print(f"{data_dir}: valid (schema, codebook rules, cross-table rules{checked})")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from helpers.coding.study import init_study

    study = init_study(args.study, empty=args.empty, title=args.title)
    kind = "empty tables with the project's vocabularies" if args.empty else "the project's data"
    print(f"created the study {study.root} ({kind}); next: {study.root / 'README.md'}")
    return 0


def cmd_codebook(args: argparse.Namespace) -> int:
    from helpers.coding.study import data_folder
    from helpers.dataset.codebook import render, stale_codebook
    from helpers.files import write_text_atomic
    from helpers.paths import CODEBOOK_NAME

    data_dir = data_folder(args.data_dir)
    path = data_dir / CODEBOOK_NAME
    if args.check:
        if stale := stale_codebook(data_dir):
            print(stale, file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    write_text_atomic(path, render(data_dir))
    print(f"wrote {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from helpers.paths import PARAMETERS_FILE
    from helpers.publish.runner import run_report

    data, out, params = args.data, args.out, args.params
    if args.study:
        from helpers.coding.study import Study  # imports pandas: only for a study

        study = Study.at(args.study)
        if study is None:
            raise ValueError(f"{args.study}: not a study folder (python -m helpers init makes one)")
        data, out = data or study.data, out or study.output
        params = params or (study.parameters if study.parameters.is_file() else None)
    if not data or not out:
        raise ValueError("report needs a study folder, or both --data and --out")
    report = run_report(
        data,
        out,
        args.notebooks_out,
        jobs=args.jobs,
        parameters_file=params or PARAMETERS_FILE,
        only=args.only,
        force=args.force,
        fork_kernels=not args.started_kernels,
    )
    for name, why in report.ran.items():
        print(f"ran {name}: {why}")
    for name, why in report.skipped.items():
        print(f"skipped {name}: {why} (--force runs it again)")
    for path in report.executed:
        print(f"{'kept' if path.stem in report.skipped else 'executed'} {path}")
    print(f"figures in {report.figures}")
    if report.site:
        print(f"site: {report.site}")
    else:
        print("site not rebuilt (--only); run the whole report to rebuild it")
    return 0


def cmd_new_source(args: argparse.Namespace) -> int:
    from pathlib import Path

    from helpers.coding.register import next_free_ids, register_source
    from helpers.coding.study import Study
    from helpers.dataset.schema import Schema

    if args.study:
        study = Study.at(args.study)
        if study is None:
            raise ValueError(f"{args.study}: not a study folder (python -m helpers init makes one)")
        data, default_templates = study.data, study.coding
    else:
        data = Path(args.data)
        default_templates = data.resolve().parent / "coding"
    templates = Path(args.templates) if args.templates else default_templates
    source_id, folder = register_source(args.file, data, templates)
    print(f"registered {Path(args.file).name} as {source_id} in {data / 'sources.csv'}")
    print(f"coding templates and numbered paragraphs written to {folder}")
    ids = next_free_ids(data, Schema.of(data))
    print("next free ids: " + ", ".join(f"{t} {i}" for t, i in ids.items()))
    print(f"when filled: python -m helpers add {args.study or data} {folder}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from helpers.coding.merge import InvalidAddition, add_coded_rows
    from helpers.coding.study import data_folder

    data_dir = data_folder(args.data_dir)
    try:
        added = add_coded_rows(data_dir, args.templates)
    except InvalidAddition as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{data_dir}: nothing added, {len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    for table, rows in added.items():
        print(f"added {rows} row(s) to {data_dir / (table + '.csv')}")
    print(f"{data_dir}: valid; codebook brought up to date")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from helpers.coding.reliability import compare, report
    from helpers.coding.study import data_folder
    from helpers.dataset.validate import validate_dataset

    folders = [data_folder(args.dir_a), data_folder(args.dir_b)]
    for folder in folders:
        problems = validate_dataset(folder)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"{folder}: INVALID, fix it before comparing", file=sys.stderr)
            return 1
    sources = [s for part in args.sources or [] for s in part.split(",") if s] or None
    result = compare(*folders, sources, all_units=args.all_units)
    print(report(result))  # its warnings included
    return 0


STUDY_OR_DATA = "a study folder, or a folder holding datapackage.json"


def _command(sub, name: str, func, help: str) -> argparse.ArgumentParser:
    """A subcommand that runs ``func``."""
    parser = sub.add_parser(name, help=help)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = _command(
        sub, "init", cmd_init, "create a study folder of your own, beside the project's files"
    )
    p.add_argument("study", help="the new folder (must not exist, or be empty)")
    p.add_argument("--empty", action="store_true", help="no coded rows, only the vocabularies")
    p.add_argument("--title", help="the study's title (heads its codebook and its site)")
    p = _command(
        sub, "validate", cmd_validate, "check a data directory against the schema and codebook"
    )
    p.add_argument("data_dir", help=STUDY_OR_DATA)
    p.add_argument("--seeds", help="folder of the source articles: also check their checksums")
    p = _command(sub, "codebook", cmd_codebook, "regenerate the variable tables of CODEBOOK.md")
    p.add_argument("data_dir", help=STUDY_OR_DATA)
    p.add_argument("--check", action="store_true", help="only check that it is up to date")
    p = _command(sub, "report", cmd_report, "run every notebook on a dataset and write the figures")
    p.add_argument(
        "study", nargs="?", help="a study folder: its data, its report.yml, into its output/"
    )
    p.add_argument("--data", help="data directory (validated first)")
    p.add_argument("--out", help="figure directory: OUT/<notebook>/<figure>.*")
    p.add_argument("--params", help="parameter file in the shape of notebooks/report.yml")
    p.add_argument(
        "--only", nargs="+", help="run only these notebooks (name or number, e.g. 02); no site"
    )
    p.add_argument(
        "--notebooks-out",
        help="where executed notebooks go (default: notebooks/ "
        "for the project's own figures, else OUT/notebooks)",
    )
    p.add_argument("--jobs", type=int, help="notebooks run at once (default: number of cores + 1)")
    p.add_argument(
        "--force",
        action="store_true",
        help="run every notebook (and build the site) even where nothing changed",
    )
    p.add_argument(
        "--started-kernels",
        action="store_true",
        help="start every kernel the usual way instead of forking it from one that has imported "
        "what the notebooks import (slower; for a notebook whose imports need a kernel of its own)",
    )
    p = _command(
        sub, "new-source", cmd_new_source, "register an article and write its coding template"
    )
    p.add_argument("file", help="the article, a UTF-8 text file")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--study", help="the study folder to register the article in")
    where.add_argument("--data", help="a data folder (name the project's data/ to change it)")
    p.add_argument("--templates", help="folder for templates (default: the study's coding/)")
    p = _command(sub, "add", cmd_add, "add filled coding templates to the tables, all or nothing")
    p.add_argument("data_dir", help=STUDY_OR_DATA)
    p.add_argument("templates", help="the folder of filled templates (e.g. STUDY/coding/S005)")
    p = _command(sub, "agreement", cmd_agreement, "intercoder reliability of two codings")
    p.add_argument("dir_a", help="coding A: a study or data folder")
    p.add_argument("dir_b", help="coding B: a study or data folder")
    p.add_argument(
        "--sources",
        nargs="+",
        help="compare only these sources (ids of coding A; matched in B by checksum)",
    )
    p.add_argument(
        "--all-units",
        action="store_true",
        help="also units only one coder coded (as missing values), not only those both coded",
    )
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` runs: no temporary file stays."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except (DataError, ParameterError, RuntimeError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        stopped = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"error: {stopped}; temporary files removed", file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
