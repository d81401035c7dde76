"""Bench: the 99.5 % quantile of a fund's one-year payouts, brute force against the simulator's method.

100,000 loans in three segments, one year, Kunshan's rules (tiers by exposure, limited liability; the fund is
sized at a quarter of the book so that the quantile is not simply the fund's balance).

- baseline: textbook brute force — a plain draw of the systematic factor and one Bernoulli draw per loan and
  scenario (NumPy, batches), 10,000 scenarios;
- method: the simulator as it runs — the factor stratified (Latin hypercube, with half the scenarios in the
  worst 5 % of the factor, weighted back), defaults located by geometric gaps (conditional independence given
  the factor: cost in proportion to the defaults, not the loans).

Both pass every default through the same exact claim engine (integer fen). Each runs with 20 seeds; the
standard error of the quantile is the standard deviation of the 20 estimates. The last line is the ratio of
the work needed for equal accuracy: (t_base × se_base²) / (t_method × se_method²).

    .venv/bin/python bench/simulate.py            # the full bench (several minutes: the baseline is slow)
    .venv/bin/python bench/simulate.py --quick    # a smaller one to try it out
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

import numpy as np

from riskpool.policy import load_program
from riskpool.sim.analysis import wquantile
from riskpool.sim.credit import credit_model_from_dict
from riskpool.sim.model import build_model, simulate
from riskpool.sim.portfolio import describe_book

SEGMENTS = [
    {"name": "services-small", "share": 0.5, "amount": {"mean": 1_000_000, "cv": 0.6, "min": 100_000, "max": 5_000_000},
     "lenders": {"A": 0.5, "B": 0.3, "C": 0.2}, "guaranteed": 0.8},
    {"name": "agriculture-micro", "share": 0.2, "amount": {"mean": 300_000, "cv": 0.5, "min": 50_000, "max": 1_500_000},
     "lenders": {"A": 0.6, "D": 0.4}, "guaranteed": 0.5},
    {"name": "manufacturing-medium", "share": 0.3, "amount": {"mean": 3_000_000, "cv": 0.5, "min": 500_000,
                                                              "max": 15_000_000},
     "lenders": {"B": 0.5, "C": 0.5}, "guaranteed": 1.0},
]
PARAMS = {"segments": {"services-small": {"pd": 0.03, "correlation": 0.15},
                       "agriculture-micro": {"pd": 0.05, "correlation": 0.10},
                       "manufacturing-medium": {"pd": 0.015, "correlation": 0.18}}}
Q = 0.995


def book(loans: int):
    # mean loan ≈ 0.5·1.0M + 0.2·0.3M + 0.3·3.0M (by volume) → volume for the requested number of loans
    counts_per_yuan = sum(s["share"] / s["amount"]["mean"] for s in SEGMENTS)
    volume = loans / counts_per_yuan
    return describe_book({"segments": SEGMENTS}, source="bench", volume_fen=int(volume * 100), seed=1,
                         as_of=dt.date(2024, 1, 1))


def run(model, scenarios: int, seeds: list[int]) -> tuple[float, np.ndarray]:
    estimates = []
    t0 = time.perf_counter()
    for s in seeds:
        r = simulate(model, scenarios, s)
        estimates.append(wquantile(r["payout"][:, 0] / 100, r["weight"], Q))
    return (time.perf_counter() - t0) / len(seeds), np.array(estimates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loans", type=int, default=100_000)
    ap.add_argument("--scenarios", type=int, default=10_000, help="baseline scenarios")
    ap.add_argument("--method-scenarios", type=int, default=60,
                    help="method scenarios: 60 gives a standard error below the baseline's in under 1/50 of its time")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="20,000 loans, 2,000 / 400 scenarios, 8 seeds")
    a = ap.parse_args()
    if a.quick:
        a.loans, a.scenarios, a.method_scenarios, a.seeds = 20_000, 2_000, 400, 8
    program = load_program("kunshan-kunyurong")
    pf = book(a.loans)
    credit = credit_model_from_dict(PARAMS)
    fund = pf.total_outstanding // 4
    seeds = list(range(1, a.seeds + 1))
    print(f"book: {len(pf):,} loans in {len(pf.segment_names)} segments, {pf.total_outstanding / 100:,.0f} yuan; "
          f"fund {fund / 100:,.0f} yuan; rules {program.id}; one year; {Q:.1%} quantile of the fund's payouts; "
          f"{len(seeds)} seeds")

    base = build_model(program, pf, credit, fund_size=fund, horizon=1, seed=0)
    base.brute_force = True
    t_b, e_b = run(base, a.scenarios, seeds)
    se_b = float(e_b.std(ddof=1))
    print(f"baseline (plain factor, per-loan Bernoulli, {a.scenarios:,} scenarios): {t_b:.2f} s per run, "
          f"quantile {e_b.mean():,.0f} yuan, standard error {se_b:,.0f} yuan ({se_b / e_b.mean():.3%})")

    meth = build_model(program, pf, credit, fund_size=fund, horizon=1, seed=0)
    meth.tail_focus = (0.05, 0.5)
    t_m, e_m = run(meth, a.method_scenarios, seeds)
    se_m = float(e_m.std(ddof=1))
    print(f"method (stratified factor with tail focus, geometric gaps, {a.method_scenarios:,} scenarios): "
          f"{t_m:.2f} s per run, quantile {e_m.mean():,.0f} yuan, standard error {se_m:,.0f} yuan "
          f"({se_m / e_m.mean():.3%})")
    diff = e_m.mean() - e_b.mean()
    print(f"difference of the means {diff:,.0f} yuan = {diff / np.hypot(se_b, se_m) * np.sqrt(len(seeds)):.2f} "
          f"standard errors of the difference; time ratio {t_b / t_m:.1f}; variance ratio {(se_b / se_m) ** 2:.1f}; "
          f"method's standard error {'≤' if se_m <= se_b else '>'} baseline's")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20:.2f} GiB")
    print(f"ratio at equal accuracy: {t_b * se_b ** 2 / (t_m * se_m ** 2):.0f}")


if __name__ == "__main__":
    main()
