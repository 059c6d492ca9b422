"""Command line: ``python -m helpers COMMAND``."""

from __future__ import annotations

import argparse
import sys

from helpers.schema import DataError
from helpers.scope import ParameterError


def cmd_validate(args: argparse.Namespace) -> int:
    from helpers.validate import validate_dataset

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

    from helpers.codebook import render
    from helpers.output import write_text_atomic

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
    from pathlib import Path

    from helpers.report import run_report
    from helpers.schema import PROJECT_ROOT

    out = Path(args.out).resolve()
    executed = args.notebooks_out
    if executed is None:
        project_figures = (PROJECT_ROOT / "figures").resolve()
        executed = PROJECT_ROOT / "notebooks" if out == project_figures else out / "notebooks"
    for path in run_report(args.data, out, executed, jobs=args.jobs):
        print(f"executed {path}")
    print(f"figures in {out}")
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
    p.add_argument("--jobs", type=int, help="notebooks run at once (default: number of cores)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, ParameterError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
