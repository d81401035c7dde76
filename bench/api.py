"""Benchmark P3 (issue 9): the lender API holding 200 single filings a second for 60 s on PostgreSQL, with
p99 latency under 100 ms, no error, and no cap exceeded by the racing requests.

    .venv/bin/python bench/api.py [--rate 200] [--seconds 60] [--clients 16] [--servers 2] [--threads 1]
                                  [--backend postgres]

On a fresh database (``riskpool_bench_api`` on the server of $BENCH_PG_URL), the Kizilsu program of
``bench/world.py`` with a few whitelisted borrowers, so that the per-borrower cap (克州 第九条, 10,000,000)
is reached during the run: the later filings race for the last room under it and must be refused (422
PER_BORROWER_CAP), never accepted beyond it. ``riskpool serve --processes 2 --threads 1`` (waitress, one
port) serves the API; a bounded
open-loop load generator (``--clients`` keep-alive connections on loopback, each sending at its share of
``--rate``, on a fixed schedule — a late request is counted late, not skipped) posts ``POST /api/loans``
with the lender's token. A 201 (filed) or a 422 (refused by a rule) is an answer; anything else (5xx, a
connection error, a timeout) is an error.

Prints throughput, latency percentiles (from the scheduled send time, so queueing counts; also the p99 of each
10 seconds of the schedule, and by answer), errors, and the
caps checked afterwards in the database (each borrower's covered outstanding ≤ its cap, the fund's ≤ its
leverage), next to the targets.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import world  # bench/world.py (the script's own folder is on the path)

HERE = Path(__file__).resolve().parent
TARGET_RATE, TARGET_P99_MS = 200, 100.0


def child_setup(borrowers: int) -> None:
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    world.PROGRAMS = {"kezhou-industry": world.PROGRAMS["kezhou-industry"]}
    people = world.build(borrowers)
    from riskpool.api.tokens import create_token

    print(json.dumps({"token": create_token("kz-bank", "bench"), "borrowers": people["kezhou-industry"]}))


def child_check() -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.db.models import Sum

    from riskpool.loans.models import Loan
    from riskpool.registry.models import Fund

    per_borrower = list(Loan.objects.filter(status__in=("filed", "claimed")).values("borrower__code")
                        .annotate(s=Sum("outstanding_principal")).values_list("borrower__code", "s"))
    fund = Fund.objects.get(code="kz-fund")
    covered = Loan.objects.filter(fund=fund, status__in=("filed", "claimed")).aggregate(
        s=Sum("outstanding_principal"))["s"] or Decimal(0)
    from riskpool.cli import main as cli

    check = cli(["books", "check"])
    print(json.dumps({"per_borrower": {c: str(s) for c, s in per_borrower}, "covered": str(covered),
                      "loans": Loan.objects.count(), "books_check": check}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _warm_up(port: int, token: str, borrowers: list[str], i: int, n: int = 5) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for j in range(n):
        body = json.dumps({"code": f"WARM-{i:02d}-{j}", "program": "kezhou-industry",
                           "borrower": borrowers[(i + j) % len(borrowers)], "amount": "5000.00",
                           "issue_date": "2025-11-03", "on": "2025-11-03", "term_months": 24,
                           "guarantor": "kz-guarantee", "guarantee_fee_rate": "0.008"})
        conn.request("POST", "/api/loans", body=body,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()


def load(ports: list[int], token: str, borrowers: list[str], rate: int, seconds: int, clients: int) -> dict:
    """Open-loop load: client i sends request n at start + n / rate for n ≡ i (mod clients), over its own
    keep-alive connection to server i mod len(ports) (a load balancer's round robin). Before the clock starts,
    every server thread is warmed up (its first request loads the policy and opens its connection)."""
    warm = [threading.Thread(target=_warm_up, args=(ports[i % len(ports)], token, borrowers, i))
            for i in range(clients)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    start = time.perf_counter() + 0.5
    total = rate * seconds
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    timeline: list[tuple[float, float, str]] = []  # (scheduled second, latency ms, status)
    lock = threading.Lock()

    def client(i: int) -> None:
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for n in range(i, total, clients):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps({"code": f"API-{n:07d}", "program": "kezhou-industry",
                               "borrower": borrowers[n % len(borrowers)], "amount": "5000.00",
                               "issue_date": "2025-11-03", "on": "2025-11-03", "term_months": 24,
                               "guarantor": "kz-guarantee", "guarantee_fee_rate": "0.008"})
            try:
                conn.request("POST", "/api/loans", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                timeline.append((due - start, elapsed, status))
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]  # noqa: E731
    windows: dict[int, list[float]] = {}
    for second, ms, _status in timeline:
        windows.setdefault(int(second // 10) * 10, []).append(ms)
    by_window = {w: _pct(v, 0.99) for w, v in sorted(windows.items())}
    by_status = {st: (_pct([ms for _, ms, s in timeline if s == st], 0.5),
                      _pct([ms for _, ms, s in timeline if s == st], 0.99)) for st in sorted(statuses)}
    return {"sent": len(latencies), "wall": wall, "statuses": statuses, "p50": q(0.50), "p90": q(0.90),
            "p99": q(0.99), "max": latencies[-1], "mean": statistics.fmean(latencies), "windows": by_window,
            "by_status": by_status}


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=TARGET_RATE)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="each server process's worker threads")
    ap.add_argument("--servers", type=int, default=2,
                    help="server processes (riskpool serve --processes): one per core, since a Python process "
                         "runs on one core at a time")
    ap.add_argument("--borrowers", type=int, default=5)
    ap.add_argument("--backend", default="postgres", choices=["postgres", "sqlite"])
    ap.add_argument("--child-setup", action="store_true")
    ap.add_argument("--child-check", action="store_true")
    a = ap.parse_args()
    if a.child_setup:
        return child_setup(a.borrowers)
    if a.child_check:
        return child_check()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="riskpool.settings", RISKPOOL_TASKS_BACKEND="immediate")
    env["RISKPOOL_HOME"] = tempfile.mkdtemp(prefix="riskpool-bench-api-")
    env.pop("DATABASE_URL", None)
    if a.backend == "postgres":
        url = world.fresh_postgres("riskpool_bench_api")
        if url is None:
            raise SystemExit("P3 needs PostgreSQL")
        env["DATABASE_URL"] = url
    done = subprocess.run([sys.executable, __file__, "--child-setup", "--borrowers", str(a.borrowers)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    made = json.loads(done.stdout.strip().splitlines()[-1])
    port = _free_port()
    # one `riskpool serve` with its processes on one port, as a deployment runs it (the kernel spreads the
    # connections over the processes)
    servers = [subprocess.Popen([sys.executable, "-c", "from riskpool.cli import main; raise SystemExit(main())",
                                 "serve", "--port", str(port), "--threads", str(a.threads), "--processes",
                                 str(a.servers), "--no-worker"],
                                env=env, stdout=subprocess.DEVNULL,  # waitress's queue-depth warnings: to a file
                                stderr=open(Path(env["RISKPOOL_HOME"]) / "serve.log", "w"))]
    ports = [port]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
        r = load(ports, made["token"], made["borrowers"], a.rate, a.seconds, a.clients)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
    check = subprocess.run([sys.executable, __file__, "--child-check"], env=env, capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(check.stderr[-3000:])
    caps = json.loads(check.stdout.strip().splitlines()[-1])
    from decimal import Decimal

    over = {c: s for c, s in caps["per_borrower"].items() if Decimal(s) > Decimal("10000000")}
    answered = r["statuses"].get("201", 0) + r["statuses"].get("422", 0)
    errors = r["sent"] - answered
    achieved = r["sent"] / r["wall"]
    print(f"P3 on {a.backend}: {r['sent']:,} single filings offered at {a.rate}/s for {a.seconds} s "
          f"({a.clients} connections, riskpool serve --processes {a.servers} --threads {a.threads})")
    print(f"  achieved {achieved:6.1f} filings/s ({achieved / TARGET_RATE:4.2f}× of the {TARGET_RATE}/s target)")
    print(f"  latency ms: p50 {r['p50']:.1f}  p90 {r['p90']:.1f}  p99 {r['p99']:.1f}  max {r['max']:.1f}   "
          f"(p99 {r['p99'] / TARGET_P99_MS:4.2f}× of the {TARGET_P99_MS:.0f} ms target)")
    print("  p99 by 10-second window of the schedule: "
          + "  ".join(f"{w}s {ms:.0f}" for w, ms in r["windows"].items()))
    print("  by answer (p50 / p99 ms): " + "  ".join(f"{st} {a:.1f} / {b:.1f}" for st, (a, b) in r["by_status"].items()))
    print(f"  answers {json.dumps(r['statuses'], sort_keys=True)}; errors {errors} (target 0)")
    print(f"  caps: {len(over)} borrowers over the 10,000,000 cap (target 0); {caps['loans']:,} loans filed "
          f"(warm-up included); "
          f"books check exit {caps['books_check']}")


if __name__ == "__main__":
    main()
