"""``riskpool report ...``: the reports on the command line.

``register(subparsers)`` adds the ``report`` command to the CLI's argparse subparsers. Django is set up
only when a report command runs (``django.setup()`` inside the command), so the rest of the CLI starts
without a database. Bad input — an unknown fund, program or lender, a bad date, month or quarter, a
format without ``--output`` — raises :class:`riskpool.reports.ReportError`; the CLI prints it and exits 2.

    riskpool report position     --fund CODE --on DATE
    riskpool report lender-return --program CODE --lender CODE (--month YYYY-MM | --quarter YYYY-Qn)
    riskpool report quarterly    --fund CODE --quarter YYYY-Qn
    riskpool report performance  --program CODE --on DATE
    riskpool report bad-loans    --program CODE --on DATE
    riskpool report usage        --fund CODE --from DATE --to DATE

Each prints a readable table, or writes ``--format csv|xlsx --output FILE``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any, Callable

from riskpool.reports import ReportError

FORMATS = ("table", "csv", "xlsx")


# ============================================================================ parsing

def parse_date(text: str, option: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ReportError(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def parse_month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ReportError(f"--month: expected YYYY-MM (e.g. 2026-03), got {text!r}")
    return int(m.group(1)), int(m.group(2))


def parse_quarter(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
    if not m:
        raise ReportError(f"--quarter: expected YYYY-Qn with n 1–4 (e.g. 2026-Q1), got {text!r}")
    return int(m.group(1)), int(m.group(2))


# ============================================================================ lookups (after django.setup())

def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskpool.settings")
    django.setup()


def _lookup(find: Callable[[], Any]) -> Any:
    from django.db import DatabaseError

    try:
        return find()
    except DatabaseError as e:
        raise ReportError(f"the database cannot be read ({str(e).splitlines()[0]}): "
                          "are its tables created (migrations applied)?") from None


def _fund(code: str):
    from riskpool.registry.models import Fund

    fund = _lookup(lambda: Fund.objects.filter(code=code).first())
    if fund is None:
        known = _lookup(lambda: list(Fund.objects.order_by("code").values_list("code", flat=True)))
        raise ReportError(f"unknown fund {code!r}; known funds: {', '.join(known) or 'none'}")
    return fund


def _program(code: str):
    from riskpool.programs.models import Program

    program = _lookup(lambda: Program.objects.filter(code=code).first())
    if program is None:
        known = _lookup(lambda: list(Program.objects.order_by("code").values_list("code", flat=True)))
        raise ReportError(f"unknown program {code!r}; programs in the database: {', '.join(known) or 'none'}")
    return program


def _lender(code: str, program):
    from riskpool.loans.models import Loan
    from riskpool.registry.models import Agreement, Institution

    lender = _lookup(lambda: Institution.objects.filter(code=code).first())
    if lender is None:
        raise ReportError(f"unknown lender {code!r}")
    if lender.kind != Institution.LENDER:
        raise ReportError(f"{code!r} is a {lender.get_kind_display()} ({lender.kind}), not a lender")
    in_program = _lookup(lambda: Agreement.objects.filter(institution=lender, program=program).exists()
                         or Loan.objects.filter(lender=lender, program=program).exists())
    if not in_program:
        raise ReportError(f"lender {code!r} has no agreement and no loans in program {program.code}")
    return lender


# ============================================================================ output

def _emit(report: Any, args: argparse.Namespace) -> int:
    from riskpool.reports import export

    sheets = export.flatten(report)
    if args.format == "table":
        if args.output:
            raise ReportError("--output goes with --format csv or xlsx")
        print(export.to_text(sheets), end="")
        return 0
    if not args.output:
        raise ReportError(f"--format {args.format} needs --output FILE")
    try:
        written = export.write(sheets, args.format, args.output)
    except OSError as e:
        raise ReportError(f"cannot write {args.output}: {e.strerror or e}") from None
    for path in written:
        print(f"wrote {path}")
    return 0


# ============================================================================ commands

def cmd_position(args: argparse.Namespace) -> int:
    on = parse_date(args.on, "--on")
    _setup()
    from riskpool.reports import services

    return _emit(services.fund_position(_fund(args.fund), on), args)


def cmd_lender_return(args: argparse.Namespace) -> int:
    if bool(args.month) == bool(args.quarter):
        raise ReportError("give exactly one of --month YYYY-MM or --quarter YYYY-Qn")
    _setup()
    from riskpool.reports import services

    start, end = (services.month_bounds(*parse_month(args.month)) if args.month
                  else services.quarter_bounds(*parse_quarter(args.quarter)))
    program = _program(args.program)
    return _emit(services.lender_return(program, _lender(args.lender, program), start, end), args)


def cmd_quarterly(args: argparse.Namespace) -> int:
    year, quarter = parse_quarter(args.quarter)
    _setup()
    from riskpool.reports import services

    return _emit(services.quarterly_report(_fund(args.fund), year, quarter), args)


def cmd_performance(args: argparse.Namespace) -> int:
    on = parse_date(args.on, "--on")
    _setup()
    from riskpool.reports import services

    return _emit(services.lender_performance(_program(args.program), on), args)


def cmd_bad_loans(args: argparse.Namespace) -> int:
    on = parse_date(args.on, "--on")
    _setup()
    from riskpool.reports import services

    return _emit(services.bad_loan_register(_program(args.program), on), args)


def cmd_usage(args: argparse.Namespace) -> int:
    start, end = parse_date(args.start, "--from"), parse_date(args.end, "--to")
    if end < start:
        raise ReportError(f"--to {end} is before --from {start}")
    _setup()
    from riskpool.reports import services

    return _emit(services.usage_register(_fund(args.fund), start, end), args)


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or xlsx")
    p.add_argument("--output", metavar="FILE", help="file to write (csv: one file per sheet, named after FILE)")


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` and its sub-commands to an argparse subparsers object; returns the ``report`` parser."""
    report = subparsers.add_parser("report", help="reports (报表): position, lender returns, quarterly report, "
                                                  "lender performance, bad-loan and usage registers")
    sub = report.add_subparsers(dest="report", required=True)

    p = sub.add_parser("position", help="the fund's position at the end of a date")
    p.add_argument("--fund", required=True, metavar="CODE")
    p.add_argument("--on", required=True, metavar="DATE")
    p.set_defaults(func=cmd_position)
    _output_options(p)

    p = sub.add_parser("lender-return", help="a lender's monthly or quarterly return (克州 第二十三条（四）（七）)")
    p.add_argument("--program", required=True, metavar="CODE")
    p.add_argument("--lender", required=True, metavar="CODE")
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", metavar="YYYY-MM")
    period.add_argument("--quarter", metavar="YYYY-Qn")
    p.set_defaults(func=cmd_lender_return)
    _output_options(p)

    p = sub.add_parser("quarterly", help="the fund manager's quarterly report to the finance bureau (克州 第二十三条（六）)")
    p.add_argument("--fund", required=True, metavar="CODE")
    p.add_argument("--quarter", required=True, metavar="YYYY-Qn")
    p.set_defaults(func=cmd_quarterly)
    _output_options(p)

    p = sub.add_parser("performance", help="per lender: NPL ratio, compensation ratio and rate, the rule's verdict")
    p.add_argument("--program", required=True, metavar="CODE")
    p.add_argument("--on", required=True, metavar="DATE")
    p.set_defaults(func=cmd_performance)
    _output_options(p)

    p = sub.add_parser("bad-loans", help="bad-loan register (不良授信台账, 昆山 第二十二条)")
    p.add_argument("--program", required=True, metavar="CODE")
    p.add_argument("--on", required=True, metavar="DATE")
    p.set_defaults(func=cmd_bad_loans)
    _output_options(p)

    p = sub.add_parser("usage", help="usage register of the fund's money (使用情况台账, 平罗 第十九条)")
    p.add_argument("--fund", required=True, metavar="CODE")
    p.add_argument("--from", dest="start", required=True, metavar="DATE")
    p.add_argument("--to", dest="end", required=True, metavar="DATE")
    p.set_defaults(func=cmd_usage)
    _output_options(p)
    return report


__all__ = ["register", "parse_date", "parse_month", "parse_quarter", "FORMATS", "cmd_position", "cmd_lender_return",
           "cmd_quarterly", "cmd_performance", "cmd_bad_loans", "cmd_usage"]
