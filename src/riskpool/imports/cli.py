"""`riskpool import loans|repayments|arrears FILE`: bulk import from CSV or XLSX, all or nothing.

Wiring (riskpool/cli.py, in ``build_parser``): ``from riskpool.imports.cli import add_parser as add_import_parser``
and ``add_import_parser(sub)``; the subcommand sets ``func=run``, and ``run(args)`` returns the exit code:
0 imported (one summary line on stdout), 2 refused — a file that cannot be read (one line on stderr naming
the file and the column) or bad rows (the report on stderr, its first 50 lines; in full as CSV with
``--report``) — with nothing written. See docs/import.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

from riskpool.imports.kinds import KINDS
from riskpool.imports.reader import MAX_ROWS, ImportFileError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
SHOWN_LINES = 50
MAX_ACTOR = 120


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")
    return value


def _actor(text: str) -> str:
    if not text.strip() or len(text) > MAX_ACTOR:
        raise argparse.ArgumentTypeError(f"expected a name of 1–{MAX_ACTOR} characters, got {text!r}")
    return text


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import", help="bulk import of loans, repayments or arrears from CSV or XLSX (all or nothing)",
        description="Import a CSV (UTF-8) or XLSX file: every row is checked by the same rules as a single "
                    "filing; if any row is refused nothing is written and every bad row is reported "
                    "(docs/import.md).")
    p.add_argument("kind", choices=list(KINDS), help="what the rows are")
    p.add_argument("file", help="a .csv (UTF-8) or .xlsx file; the first row names the columns")
    p.add_argument("--actor", type=_actor, default="import", help="who imports (recorded on every row's audit)")
    p.add_argument("--max-rows", type=_positive, default=MAX_ROWS, metavar="N",
                   help=f"refuse a file of more than N data rows (default {MAX_ROWS:,})")
    p.add_argument("--report", metavar="CSV", help="write every bad row here (row, column, value, rule, article, "
                                                   "message) when the file is refused")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from riskpool.cli import setup_django

    setup_django()
    from riskpool.imports.importer import import_file

    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = None

    def new_bar(total: int | None, desc: str) -> None:
        nonlocal bar
        if bar is not None:
            bar.close()
        if show:
            from tqdm import tqdm

            bar = tqdm(total=total, desc=desc, unit=" rows", file=sys.stderr, mininterval=0.2, dynamic_ncols=True)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    new_bar(None, "reading")  # the first pass: header, row count, digest
    try:
        result = import_file(args.kind, args.file, actor=args.actor, max_rows=args.max_rows, progress=progress,
                             scanning=progress, on_scan=lambda rows: new_bar(rows, f"import {args.kind}"))
    except ImportFileError as e:
        print(f"riskpool: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # the transaction was rolled back on the way out
        if bar is not None:
            bar.close()
            bar = None
        print(f"riskpool: {args.file}: interrupted; nothing was imported", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if bar is not None:
            bar.close()
    if result.ok:
        print(result.summary())
        return EXIT_OK
    lines = [e.line() for e in result.errors]
    print(f"riskpool: {result.summary()}", file=sys.stderr)
    for line in lines[:SHOWN_LINES]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > SHOWN_LINES:
        print(f"  … and {len(lines) - SHOWN_LINES:,} more" + ("" if args.report else " (--report FILE.csv writes "
                                                                                     "them all)"), file=sys.stderr)
    if args.report:
        try:
            with Path(args.report).open("w", encoding="utf-8-sig", newline="") as out:
                result.write_report(out)
        except OSError as e:
            print(f"riskpool: {args.report}: the report cannot be written ({e.strerror or e})", file=sys.stderr)
        else:
            print(f"  report: {args.report} ({len(lines):,} lines)", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """``riskpool import …`` on its own (``python -m riskpool.imports.cli loans FILE``), until it is wired into
    ``riskpool.cli``."""
    parser = argparse.ArgumentParser(prog="riskpool")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["import", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
