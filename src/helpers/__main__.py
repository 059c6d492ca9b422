"""Command line: ``python -m helpers COMMAND``."""

from __future__ import annotations

import argparse
import signal
import sys

from helpers.errors import DataError, ParameterError


def cmd_validate(args: argparse.Namespace) -> int:
    from helpers.dataset.validate import validate_dataset

    problems = validate_dataset(args.data_dir, args.seeds)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.data_dir}: INVALID, {len(problems)} problem(s)", file=sys.stderr)
        return 1
    checked = " and the source checksums" if args.seeds else ""
    print(f"{args.data_dir}: valid (schema, codebook rules, cross-table rules{checked})")
    return 0


def cmd_codebook(args: argparse.Namespace) -> int:
    from pathlib import Path

    from helpers.dataset.codebook import render
    from helpers.files import write_text_atomic

    path = Path(args.data_dir) / "CODEBOOK.md"
    text = render(Path(args.data_dir))
    if args.check:
        if path.read_text(encoding="utf-8") != text:
            print(
                f"{path} is out of date: run python -m helpers codebook {args.data_dir}",
                file=sys.stderr,
            )
            return 1
        print(f"{path} is up to date")
        return 0
    write_text_atomic(path, text)
    print(f"wrote {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:

    from helpers.publish.runner import run_report

    report = run_report(args.data, args.out, args.notebooks_out, jobs=args.jobs)
    for path in report.executed:
        print(f"executed {path}")
    print(f"figures in {report.figures}")
    print(f"site: {report.site}")
    return 0


def cmd_new_source(args: argparse.Namespace) -> int:
    from pathlib import Path

    from helpers.coding.register import register_source

    data = Path(args.data)
    templates = Path(args.templates) if args.templates else data.resolve().parent / "coding"
    source_id, folder = register_source(args.file, data, templates)
    print(f"registered {Path(args.file).name} as {source_id} in {data / 'sources.csv'}")
    print(f"coding template written to {folder}")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    import pandas as pd

    from helpers.coding.reliability import compare
    from helpers.dataset.validate import validate_dataset

    for folder in (args.dir_a, args.dir_b):
        problems = validate_dataset(folder)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"{folder}: INVALID, fix it before comparing", file=sys.stderr)
            return 1
    result = compare(args.dir_a, args.dir_b)
    with pd.option_context("display.width", 120, "display.max_rows", None):
        print("Krippendorff's alpha (nominal) per variable:")
        print(result.alphas.to_string(index=False))
        print(f"\nDisagreements to reconcile ({len(result.disagreements)}):")
        if len(result.disagreements):
            print(result.disagreements.to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a data directory against the schema and codebook")
    p.add_argument("data_dir", help="directory holding datapackage.json and its CSV tables")
    p.add_argument("--seeds", help="folder of the source articles: also check their checksums")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("codebook", help="regenerate the variable tables of CODEBOOK.md")
    p.add_argument("data_dir")
    p.add_argument("--check", action="store_true", help="only check that it is up to date")
    p.set_defaults(func=cmd_codebook)
    p = sub.add_parser("report", help="run every notebook on a dataset and write the figures")
    p.add_argument("--data", required=True, help="data directory (validated first)")
    p.add_argument("--out", required=True, help="figure directory: OUT/<notebook>/<figure>.*")
    p.add_argument(
        "--notebooks-out",
        help="where executed notebooks go (default: notebooks/ "
        "for the project's own figures, else OUT/notebooks)",
    )
    p.add_argument("--jobs", type=int, help="notebooks run at once (default: number of cores + 1)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("new-source", help="register an article and write its coding template")
    p.add_argument("file", help="the article, a UTF-8 text file")
    p.add_argument("--data", default="data", help="data directory (default: data)")
    p.add_argument("--templates", help="folder for templates (default: coding/ beside DATA)")
    p.set_defaults(func=cmd_new_source)
    p = sub.add_parser("agreement", help="intercoder reliability of two codings")
    p.add_argument("dir_a")
    p.add_argument("dir_b")
    p.set_defaults(func=cmd_agreement)
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
