"""`riskpool opening load FILE [--actor NAME]`: a fund's opening position (开账), one audited command.

Wiring (riskpool/cli.py, in ``build_parser``): ``from riskpool.opening.cli import add_parser as add_opening_parser``
and ``add_opening_parser(sub)``. Exit 0: opened (one summary line on stdout), or already opened with this same
file (nothing written, one line saying so); 2: refused — a file that cannot be read or parsed, a position the
rules refuse, or a fund already opened with another position — one line on stderr, nothing written.
See docs/opening.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 2
MAX_ACTOR = 120


def _actor(text: str) -> str:
    if not text.strip() or len(text) > MAX_ACTOR:
        raise argparse.ArgumentTypeError(f"expected a name of 1–{MAX_ACTOR} characters, got {text!r}")
    return text


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("opening", help="a fund's opening position (开账): its book before riskpool")
    actions = p.add_subparsers(dest="action", required=True)
    load = actions.add_parser(
        "load", help="import an opening-position file as one audited entry (docs/opening.md)",
        description="Import a fund's opening position — loans outstanding, past business per lender and year, the "
                    "fund's balances — as one audited command; it must be the fund's first business. Nothing is "
                    "written if anything is refused.")
    load.add_argument("file", help="an opening-position file (YAML)")
    load.add_argument("--actor", type=_actor, default="opening", help="who opens the position (recorded)")
    load.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from riskpool.cli import setup_django

    setup_django()
    from riskpool.commands.dispatcher import CommandError, IdempotencyConflict
    from riskpool.inputs import InputError
    from riskpool.ledger.core import LedgerError
    from riskpool.opening import services
    from riskpool.opening.commands import OpeningError

    try:
        position = services.load(args.file)
    except services.OpeningFileError as e:
        print(f"riskpool: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    before = services.opened(position.fund)
    try:
        result = services.open_position(position.fund, position, actor=args.actor)
    except IdempotencyConflict:
        print(f"riskpool: {args.file}: fund {position.fund} was already opened on "
              f"{before.as_of if before else '?'} with another position; nothing written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OpeningError, InputError, LedgerError, CommandError) as e:
        print(f"riskpool: {args.file}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if before is not None:
        print(f"{position.fund}: already opened on {before.as_of} with this position; nothing written")
        return EXIT_OK
    print(f"{result['fund']}: opened on {result['as_of']} — {result['loans']} loans, covered outstanding "
          f"{result['covered_outstanding']}, {result['history_rows']} past-year rows, cash {result['cash']}, "
          f"compensation to date {result['compensation']}, recoveries {result['recoveries']}"
          + (f"; sanctions: {result['sanctions']}" if result.get("sanctions") else ""))
    return EXIT_OK
