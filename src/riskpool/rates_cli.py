"""`riskpool rates`: load LPR fixings (贷款市场报价利率), show the fixing in force on a date.

Wiring (riskpool/cli.py): ``from riskpool.rates_cli import add_parser as add_rates_parser`` and call
``add_rates_parser(subparsers)``. The commands return 0; bad input raises :class:`riskpool.rates.RateError`,
which cli.main prints as one line before exiting 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from typing import Any

from riskpool.rates import REFERENCES, default_rates, install_rates

_NAMES = {"lpr_1y": "1-year LPR", "lpr_5y": "over-5-year LPR"}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _percent(rate: Decimal) -> str:
    return f"{rate.scaleb(2):.2f} %"


def cmd_rates_load(args: argparse.Namespace) -> int:
    dest = install_rates(args.file)
    print(f"loaded {args.file} → {dest}")
    return 0


def cmd_rates_show(args: argparse.Namespace) -> int:
    fixing = default_rates().fixing(args.date)
    references = [args.reference] if args.reference else list(REFERENCES)
    rates = ", ".join(f"{_NAMES[r]} {_percent(getattr(fixing, r))}" for r in references)
    print(f"{args.date}: {rates} (fixing of {fixing.on})")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("rates", help="reference rates (LPR): load fixings, show the fixing in force",
                              description="Loan prime rate (贷款市场报价利率, LPR) fixings; see docs/reference-rates.md.")
    sub = p.add_subparsers(dest="action", required=True)
    load = sub.add_parser("load", help="validate an LPR fixings file (YAML) and install it")
    load.add_argument("file")
    load.set_defaults(func=cmd_rates_load)
    show = sub.add_parser("show", help="the LPR fixing in force on a date, and the date it was published")
    show.add_argument("date", type=_date)
    show.add_argument("--reference", choices=REFERENCES, help="one rate only (default: both)")
    show.set_defaults(func=cmd_rates_show)
    return p
