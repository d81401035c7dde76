"""Benchmark P2 (issue 9): the fund position, lender performance and the bad-loan register on a book of
1,000,000 covered loans, on PostgreSQL (SQLite too, with --backends).

    .venv/bin/python bench/reports.py [--loans 1000000] [--backends postgres] [--arrears 1000] [--repeat 5]

The book: the three seed programs (``bench/world.py``); the loans are bulk-inserted as they are (the read
side is what is measured here; ``bench/import.py`` measures filing them through the rules) and the running
totals set to what ``riskpool.figures.totals.expected`` sums from them — the state the rules would have left.
Then ``--arrears`` loans are reported in arrears through the dispatcher (the NPL figures and the sanctions
see them), and one of them in each program is claimed and paid where the workflow allows it in a few steps.

Each report is run ``--repeat`` times; the median is printed next to the 200 ms target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import world  # bench/world.py (the script's own folder is on the path)

HERE = Path(__file__).resolve().parent
TARGET_MS = 200.0


def child(loans: int, borrowers: int, arrears: int, repeat: int) -> dict:
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import datetime as dt

    from django.db import transaction

    from riskpool.commands import dispatch
    from riskpool.figures import totals
    from riskpool.figures.models import RunningTotal
    from riskpool.loans.commands import ReportArrears
    from riskpool.loans.models import Loan
    from riskpool.programs.models import Program
    from riskpool.registry.models import Fund
    from riskpool.reports.bad_loans import bad_loan_register
    from riskpool.reports.performance import lender_performance
    from riskpool.reports.position import fund_position

    people = world.build(borrowers)
    path = Path(os.environ["RISKPOOL_HOME"]) / "loans.csv"
    world.write_csv(path, loans, people)
    with transaction.atomic():
        world.bare_insert(path)
        RunningTotal.objects.all().delete()
        RunningTotal.objects.bulk_create([RunningTotal(name=n, fen=f) for n, f in totals.expected().items() if f],
                                         batch_size=5000)
    on = world.DAY + dt.timedelta(days=40)
    codes = list(Loan.objects.order_by("pk").values_list("code", flat=True)[:arrears * 97:97])
    for code in codes:
        dispatch(ReportArrears(on=on, loan=code, overdue_since=on - dt.timedelta(days=10)), actor="bench")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out: dict[str, list[float]] = {}

    def timed(label: str, fn) -> None:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - started) * 1000)
        out[label] = runs

    for fund in Fund.objects.order_by("code"):
        timed(f"fund position {fund.code}", lambda fund=fund: fund_position(fund, on))
    for program in Program.objects.order_by("code"):
        timed(f"lender performance {program.code}", lambda program=program: lender_performance(program, on))
        timed(f"bad-loan register {program.code}", lambda program=program: bad_loan_register(program, on))
    return {"loans": Loan.objects.count(), "arrears": len(codes), "runs": out}


def run_backend(backend: str, a: argparse.Namespace) -> dict | None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="riskpool.settings")
    env["RISKPOOL_HOME"] = tempfile.mkdtemp(prefix="riskpool-bench-reports-")
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        url = world.fresh_postgres("riskpool_bench_reports")
        if url is None:
            return None
        env["DATABASE_URL"] = url
    done = subprocess.run([sys.executable, __file__, "--child", "--loans", str(a.loans), "--borrowers",
                           str(a.borrowers), "--arrears", str(a.arrears), "--repeat", str(a.repeat)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit(f"{backend}: the benchmark failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--borrowers", type=int, default=600)
    ap.add_argument("--arrears", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backends", nargs="+", default=["postgres"])
    ap.add_argument("--child", action="store_true")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.loans, a.borrowers, a.arrears, a.repeat)))
        return
    for backend in a.backends:
        r = run_backend(backend, a)
        if r is None:
            continue
        print(f"P2 on {backend}: {r['loans']:,} covered loans, {r['arrears']:,} in arrears; median of {a.repeat} runs")
        worst = 0.0
        for label, runs in r["runs"].items():
            ms = statistics.median(runs)
            worst = max(worst, ms)
            print(f"  {label:45s} {ms:9.1f} ms   ({ms / TARGET_MS:5.2f}× of the {TARGET_MS:.0f} ms target)")
        print(f"  slowest {worst:.1f} ms: {'meets' if worst <= TARGET_MS else 'misses'} the target "
              f"({worst / TARGET_MS:.2f}×)")


if __name__ == "__main__":
    main()
