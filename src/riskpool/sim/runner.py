"""One call from a program, a book and a credit model to the full report (what the CLI prints and writes).

``stress_test(program, portfolio, credit, fund_size=…)`` works on any Portfolio — from a file, a
description, or ``portfolio_from_rows`` fed with a fund's covered loans from the database."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import numpy as np

from riskpool.policy.schema import Program
from riskpool.sim import analysis
from riskpool.sim.credit import CreditModel
from riskpool.sim.errors import SimInputError
from riskpool.sim.model import Model, build_model, simulate
from riskpool.sim.portfolio import Portfolio


def check_segments(portfolio: Portfolio, credit: CreditModel) -> None:
    """Every segment the parameter file names must hold loans (else it is a typo or an empty segment)."""
    for name in credit.overrides:
        if name not in portfolio.segment_names:
            raise SimInputError(credit.source, f"segments.{name}",
                                "a segment of the portfolio with loans (the portfolio has "
                                + ", ".join(portfolio.segment_names) + ")")


def stress_test(program: Program, portfolio: Portfolio, credit: CreditModel, *, fund_size: int,
                leverage: Fraction | None = None, horizon: int = 5, scenarios: int = 2000, seed: int = 0,
                frontier: bool = False, target: float = 0.01, sensitivity: bool = True, client: Any = None,
                progress: Callable[[int], None] | None = None, start=None) -> dict[str, Any]:
    check_segments(portfolio, credit)
    if not 0 < target < 1:
        raise SimInputError("(command line)", "--target-pd", "a probability of exhaustion in (0, 1)", target)

    def build(lev: Fraction | None, fund: int, cm: CreditModel = credit) -> Model:
        return build_model(program, portfolio, cm, fund_size=fund, horizon=horizon, leverage=lev, seed=seed,
                           start=start)

    model = build(leverage, fund_size)
    res = simulate(model, scenarios, seed, client=client, progress=progress)
    summary = analysis.summarize(res)
    total = res["payout"].sum(axis=1) / 100
    hi = max(1.0, float(np.quantile(total, 0.999)))
    counts, edges = np.histogram(total / 1e4, bins=40, range=(0, hi / 1e4), weights=res["weight"])
    policy_lev = model.rules[0].leverage
    report: dict[str, Any] = {
        "inputs": {
            "program": program.id, "program_name": program.name, "fund_size": fund_size / 100,
            "leverage": float(model.leverage), "policy_leverage": float(policy_lev),
            "leverage_article": model.rules[0].articles["leverage"],
            "book_outstanding": portfolio.total_outstanding / 100, "loans": len(portfolio),
            "start": model.start.isoformat(), "horizon": horizon, "scenarios": scenarios, "seed": seed,
            "copula": credit.copula, "dof": credit.dof, "fund_yield": credit.fund_yield,
            "params_source": credit.source, "portfolio_source": portfolio.source,
            "lenders": portfolio.lender_names,
            "segments": {name: {**d, **{k: getattr(model.segments[i], k) for k in (
                "pd", "correlation", "lgd_mean", "lgd_sd", "collateral_share", "recovery_lag_years",
                "recovery_cost_rate", "interest_rate", "arrears_months")}}
                for i, (name, d) in enumerate(portfolio.describe()["segments"].items())},
            "rules": {"articles": model.rules[0].articles, "limited_liability": model.rules[0].limited,
                      "rate_cap": None if model.rules[0].cap is None else model.rules[0].cap[0] / model.rules[0].cap[1],
                      "recovery": "fund_first" if model.rules[0].recovery_fund_first else "by_shares"},
        },
        "results": summary,
        "histogram": {"edges": [round(float(e), 4) for e in edges], "probability": [round(float(c), 6) for c in counts],
                      "unit": "10,000 yuan"},
    }
    if frontier:
        book = portfolio.total_outstanding

        def at(lev: Fraction) -> Model:
            return build(lev, max(1, int(book / lev)))
        report["frontier"] = analysis.leverage_frontier(
            at, scenarios, seed, target, client=client,
            progress=(lambda: progress(0)) if progress else None)
    if sensitivity:
        n_s = max(200, scenarios // 4)
        report["sensitivity"] = analysis.sensitivity(
            lambda f, rho: build(leverage, fund_size, credit.scaled(f, rho)), n_s, seed, client=client,
            progress=(lambda: progress(0)) if progress else None)
        report["sensitivity_scenarios"] = n_s
    return report
