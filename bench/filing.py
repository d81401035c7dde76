"""Benchmark: filing (入池备案) through the one dispatcher — rules, locks, idempotency key, audit, history,
running totals — at a book of 10,000 and of 40,000 loans, on SQLite and on PostgreSQL.

    .venv/bin/python bench/filing.py [--sizes 10000 40000] [--window 1000] [--backends sqlite postgres]

Prints milliseconds per filing over the last ``window`` filings before each size, and the ratios to the
targets: flat (the 40,000 figure within 1.2× of the 10,000 one) and at most 3 ms a filing on SQLite, 5 ms on
PostgreSQL. Each backend runs in its own process on a fresh database (SQLite in a temporary folder; on
PostgreSQL a database ``riskpool_bench`` dropped and created on the server of $BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import world  # bench/world.py (the script's own folder is on the path)

TARGET_MS = {"sqlite": 3.0, "postgres": 5.0}
FLAT = 1.2


def child(backend: str, sizes: list[int], window: int) -> dict:
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from stdnum.cn import uscc

    from riskpool.commands import dispatch
    from riskpool.loans.commands import FileLoan
    from riskpool.programs import services as programs
    from riskpool.registry import services as registry

    program = programs.get("kezhou-industry")
    fund = registry.create_fund("bench-fund", "bench", ["kezhou-industry"], actor="bench")
    registry.inject_capital(fund, dt.date(2025, 4, 1), Decimal("10000000000"), actor="bench")
    bank = registry.register_institution("bench-bank", "bank", "lender")
    guarantor = registry.register_institution("bench-guarantee", "guarantee", "guarantor")
    registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 4, 1), end=dt.date(2030, 3, 31),
                            actor="bench")
    registry.sign_agreement(guarantor, program, role="guarantor", start=dt.date(2025, 4, 2),
                            end=dt.date(2030, 3, 31), actor="bench")
    facts = {"registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
             "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
             "no_major_risk_event": True, "repayment_capacity": True, "industries": ["cotton_textile_apparel"],
             "stable_employees_6m": 40}
    firms = []
    for i in range(200):
        base = f"91653001MA7B{i:05d}"
        code = base + uscc.calc_check_digit(base)
        firm = registry.register_borrower(code, f"firm {i}", facts=facts)
        for s in program.policy.param(program.policy.whitelist.steps, dt.date(2025, 5, 12)):
            registry.whitelist_step(program, firm, s.code, on=dt.date(2025, 5, 12), actor=s.actor)
        firms.append(code)
    out = {}
    n = 0
    for size in sorted(sizes):
        started = None
        while n < size:
            if size - n == window:
                started = time.perf_counter()
            day = dt.date(2025, 6, 2)
            dispatch(FileLoan(on=day, code=f"B-{n:07d}", program="kezhou-industry", lender="bench-bank",
                              borrower=firms[n % len(firms)], amount=Decimal("10000"), issue_date=day,
                              term_months=24, guarantor="bench-guarantee", guarantee_fee_rate=Decimal("0.008")),
                     actor="bench-bank", key=f"bench/{n}")
            n += 1
        out[size] = (time.perf_counter() - started) * 1000 / window
    return out


def run_backend(backend: str, sizes: list[int], window: int) -> dict | None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="riskpool.settings")
    home = tempfile.mkdtemp(prefix="riskpool-bench-")
    env["RISKPOOL_HOME"] = home
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        url = world.fresh_postgres("riskpool_bench")
        if url is None:
            return None
        env["DATABASE_URL"] = url
    cmd = [sys.executable, __file__, "--child", backend, "--sizes", *map(str, sizes), "--window", str(window)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit(f"{backend}: the benchmark failed")
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 40000])
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.sizes, a.window)))
        return
    small, large = min(a.sizes), max(a.sizes)
    for backend in a.backends:
        figures = run_backend(backend, a.sizes, a.window)
        if figures is None:
            continue
        ms_small, ms_large = figures[small], figures[large]
        target = TARGET_MS[backend]
        print(f"{backend:9s} ms per filing at {small:>6,} loans: {ms_small:6.2f}   at {large:>6,} loans: "
              f"{ms_large:6.2f}")
        print(f"{backend:9s} flatness {ms_large / ms_small:5.2f}× (target ≤ {FLAT}×)   "
              f"speed {max(ms_small, ms_large) / target:5.2f}× of the {target} ms target (≤ 1 meets it)")


if __name__ == "__main__":
    main()
