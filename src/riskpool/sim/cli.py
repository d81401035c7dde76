"""`riskpool simulate`: will the fund survive its leverage?

Wiring (riskpool/cli.py): ``from riskpool.sim.cli import add_parser as add_simulate`` and call
``add_simulate(subparsers)``; the subcommand sets ``func=run``, and ``run(args)`` returns the exit code
(0 done, 2 bad input — one line on stderr naming the file, the key and what was expected).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "simulate", help="stress-test a fund under its program's rules (exhaustion, payouts, leverage frontier)",
        description="Simulate defaults over years and pass every loss through the program's rules.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--program", metavar="ID", help="a bundled program id (riskpool programs list)")
    src.add_argument("--policy", metavar="FILE", help="a policy file (a planned program)")
    book = p.add_mutually_exclusive_group(required=True)
    book.add_argument("--portfolio", metavar="FILE",
                      help="the book: CSV or YAML loans, or a YAML description (segments: …)")
    book.add_argument("--fund", metavar="CODE",
                      help="the fund's current book from the database: its covered loans in --program")
    p.add_argument("--params", metavar="FILE", help="credit-model YAML (defaults: docs/simulation.md)")
    p.add_argument("--fund-size", metavar="YUAN", help="the fund's size (e.g. 100000000, 1亿, 5000万); "
                   "default the policy's planned size, else the book ÷ leverage")
    p.add_argument("--leverage", metavar="X", help="leverage for new lending (default the policy's)")
    p.add_argument("--horizon", metavar="YEARS", type=int, default=5)
    p.add_argument("--scenarios", metavar="N", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--copula", choices=["gaussian", "t"], help="overrides the parameter file")
    p.add_argument("--dof", type=float, help="degrees of freedom of the t copula (overrides the parameter file)")
    p.add_argument("--frontier", action="store_true", help="also search the largest safe leverage")
    p.add_argument("--target-pd", type=float, default=0.01, metavar="P",
                   help="target probability of exhaustion within the horizon for the frontier (default 0.01)")
    p.add_argument("--start", metavar="DATE", help="first day of the simulation (default the portfolio's as_of, "
                   "else the program's start)")
    p.add_argument("--no-sensitivity", action="store_true", help="skip the PD × correlation sensitivity table")
    p.add_argument("--out", metavar="DIR", help="write report.json, report.md and charts (PNG, SVG) here")
    d = p.add_mutually_exclusive_group()
    d.add_argument("--dask", metavar="ADDRESS", help="run the batches on this Dask scheduler")
    d.add_argument("--dask-local", metavar="N", type=int, help="run on a local Dask cluster of N workers")
    p.set_defaults(func=run)
    return p


def _amount(text: str, key: str) -> int:
    """Yuan (plain, or with 万 / 亿) to fen."""
    from riskpool.sim.errors import SimInputError
    t = text.strip().replace(",", "").removesuffix("元")
    factor = Decimal(1)
    if t.endswith("亿"):
        factor, t = Decimal(100_000_000), t[:-1]
    elif t.endswith("万"):
        factor, t = Decimal(10_000), t[:-1]
    try:
        v = Decimal(t) * factor
    except InvalidOperation:
        raise SimInputError("(command line)", key, "an amount in yuan above 0 (e.g. 100000000, 1亿, 5000万)", text) from None
    if not v.is_finite() or v <= 0:
        raise SimInputError("(command line)", key, "an amount in yuan above 0", text)
    return int(v * 100)


def _leverage(text: str) -> Fraction:
    from riskpool.sim.errors import SimInputError
    try:
        v = Fraction(Decimal(text.strip()))
    except (InvalidOperation, ValueError):
        raise SimInputError("(command line)", "--leverage", "a number above 0 (e.g. 10 or 62.5)", text) from None
    if v <= 0 or v > 10_000:
        raise SimInputError("(command line)", "--leverage", "a number above 0 and at most 10,000", text)
    return v


def _check_args(args: argparse.Namespace) -> None:
    from riskpool.sim.errors import SimInputError
    cl = "(command line)"
    if not 1 <= args.horizon <= 50:
        raise SimInputError(cl, "--horizon", "whole years from 1 to 50", args.horizon)
    if not 1 <= args.scenarios <= 10_000_000:
        raise SimInputError(cl, "--scenarios", "a number of scenarios from 1 to 10,000,000", args.scenarios)
    if args.dof is not None and not 2 < args.dof <= 1000:
        raise SimInputError(cl, "--dof", "degrees of freedom above 2 (and at most 1000)", args.dof)
    if not 0 < args.target_pd < 1:
        raise SimInputError(cl, "--target-pd", "a probability of exhaustion in (0, 1)", args.target_pd)
    if args.dask_local is not None and not 1 <= args.dask_local <= 256:
        raise SimInputError(cl, "--dask-local", "a number of workers from 1 to 256", args.dask_local)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from riskpool.policy import PolicyError, load_file, load_program
    from riskpool.sim import report as report_mod
    from riskpool.sim.credit import load_credit_model
    from riskpool.sim.errors import SimInputError
    from riskpool.sim.portfolio import load_portfolio
    from riskpool.sim.runner import stress_test

    client = cluster = None
    try:
        _check_args(args)
        program = load_program(args.program) if args.program else load_file(args.policy)
        credit = load_credit_model(args.params)
        if args.copula:
            credit = replace(credit, copula=args.copula)
        if args.dof is not None:
            credit = replace(credit, dof=args.dof)
        start = None
        if args.start:
            try:
                start = dt.date.fromisoformat(args.start)
            except ValueError:
                raise SimInputError("(command line)", "--start", "a date YYYY-MM-DD", args.start) from None
        from riskpool.sim.engine import check_supported

        check_supported(program, max(start or program.effective.start, program.effective.start))
        assert program.filing.leverage is not None
        policy_leverage = Fraction(program.param(program.filing.leverage, max(start or program.effective.start,
                                                                               program.effective.start)))
        leverage = _leverage(args.leverage) if args.leverage else None
        fund_size = _amount(args.fund_size, "--fund-size") if args.fund_size else None
        if fund_size is None and program.fund_planned_size is not None:
            fund_size = int(program.param(program.fund_planned_size, program.effective.start) * 100)
        volume = None if fund_size is None else int(fund_size * (leverage or policy_leverage))
        if args.fund:
            portfolio = _database_book(args.fund, program.id, start)
            if fund_size is None or not args.fund_size:
                fund_size = _database_fund_size(args.fund)
        else:
            portfolio = load_portfolio(args.portfolio, volume_fen=volume, seed=args.seed,
                                       default_as_of=start or program.effective.start,
                                       program=program.id)
        if fund_size is None:
            fund_size = max(1, int(portfolio.total_outstanding / (leverage or policy_leverage)))
        if args.dask or args.dask_local:
            from dask.distributed import Client, LocalCluster
            if args.dask:
                client = Client(args.dask)
            else:
                cluster = LocalCluster(n_workers=args.dask_local, threads_per_worker=1, dashboard_address=None)
                client = Client(cluster)
        bar = _progress(args)
        try:
            rep = stress_test(program, portfolio, credit, fund_size=fund_size, leverage=leverage,
                              horizon=args.horizon, scenarios=args.scenarios, seed=args.seed,
                              frontier=args.frontier, target=args.target_pd, sensitivity=not args.no_sensitivity,
                              client=client, progress=bar.update if bar else None, start=start)
        finally:
            if bar:
                bar.close()
    except (SimInputError, PolicyError) as e:
        print("riskpool simulate: " + " ".join(str(e).split()), file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    _print_summary(rep)
    if args.out:
        files = report_mod.write(rep, Path(args.out))
        print(f"report written to {args.out}: " + ", ".join(files))
    return EXIT_OK


def _database_book(fund: str, program: str, start: dt.date | None):
    """The fund's covered loans of the program, read from the database (the one place Django is used)."""
    from riskpool.cli import setup_django
    from riskpool.sim.errors import SimInputError
    from riskpool.sim.portfolio import portfolio_from_rows

    setup_django()
    from riskpool.loans.book import covered_rows
    from riskpool.registry.models import Fund

    if not Fund.objects.filter(code=fund, programs__code=program).exists():
        raise SimInputError("(database)", "--fund", f"a fund backing {program} in this database", fund)
    rows = list(covered_rows(fund, program))
    if not rows:
        raise SimInputError("(database)", "--fund", f"a fund with covered loans in {program}", fund)
    return portfolio_from_rows(rows, as_of=start or dt.date.today(), program=program, source=f"fund {fund}")


def _database_fund_size(fund: str) -> int:
    """What the fund holds today (cash, deposits, bonds), in fen."""
    from riskpool.registry import services as registry
    from riskpool.registry.models import Fund

    return max(1, int(registry.fund_money(Fund.objects.get(code=fund)) * 100))


def _progress(args: argparse.Namespace):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=args.scenarios, unit="scenario", desc="simulate", file=sys.stderr)


def _print_summary(rep: dict[str, Any]) -> None:
    i, r = rep["inputs"], rep["results"]
    ex = r["exhaustion"]
    pay = r["fund_payouts"]["horizon"]
    print(f"{i['program']} ({i['program_name']}): fund {i['fund_size']:,.2f} yuan, leverage {i['leverage']:g}× "
          f"(policy {i['policy_leverage']:g}×), book {i['book_outstanding']:,.2f} yuan in {i['loans']} loans, "
          f"{i['horizon']} years, {i['scenarios']} scenarios, seed {i['seed']}")
    print("P(fund exhausted by year end) / 资金耗尽概率: " + ", ".join(
        f"year {e['year']}: {e['probability'] * 100:.2f}%" for e in ex["by_year"]))
    print(f"fund payouts over the horizon / 代偿支出: mean {pay['mean']:,.2f}, VaR99 {pay['var_99']:,.2f}, "
          f"ES99 {pay['es_99']:,.2f}, VaR99.9 {pay['var_99.9']:,.2f}")
    b = r["bearers"]
    print(f"lenders bear / 合作机构承担: mean {b['lenders']['mean']:,.2f} (above the cap "
          f"{b['lenders_forfeited_above_cap']['mean']:,.2f}, by limited liability "
          f"{b['lenders_unfunded_limited_liability']['mean']:,.2f}); guarantors / 担保机构: "
          f"{b['guarantors']['mean']:,.2f}")
    fr = rep.get("frontier")
    if fr:
        print(f"leverage frontier / 安全放大倍数 (P(exhausted) < {fr['target'] * 100:g}%): "
              + (f"{fr['frontier']}×" if fr["frontier"] is not None else "none of the grid"))
