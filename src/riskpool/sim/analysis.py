"""From per-scenario results to the answers: exhaustion by year, payout distribution (mean, VaR, expected
shortfall), who bears what, the leverage frontier and the sensitivity to default probability and correlation."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from riskpool.sim.model import Model, Results, simulate

LEVELS = (0.95, 0.99, 0.999)
FRONTIER_GRID = (1, 2, 3, 4, 5, 6, 8, 10, 12.5, 15, 20, 25, 30, 40, 50, 62.5, 75, 100, 150, 200)


def wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The smallest value whose weighted cumulative share reaches q."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    k = int(np.searchsorted(cw, q * cw[-1] * (1 - 1e-12), side="left"))
    return float(x[order][min(k, len(x) - 1)])


def expected_shortfall(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Mean of the worst (1 − q) of the weighted distribution."""
    order = np.argsort(x, kind="stable")[::-1]
    xs, ws = x[order].astype(float), w[order] / w.sum()
    mass = 1 - q
    cw = np.cumsum(ws)
    k = int(np.searchsorted(cw, mass, side="left"))
    k = min(k, len(xs) - 1)
    take = ws[:k + 1].copy()
    take[-1] = mass - (cw[k - 1] if k > 0 else 0.0)
    return float((xs[:k + 1] * take).sum() / mass)


def distribution(fen: np.ndarray, w: np.ndarray) -> dict[str, float]:
    yuan = fen / 100
    out = {"mean": round(float((yuan * w).sum() / w.sum()), 2)}
    for q in LEVELS:
        tag = f"{q * 100:g}"
        out[f"var_{tag}"] = round(wquantile(yuan, w, q), 2)
        out[f"es_{tag}"] = round(expected_shortfall(yuan, w, q), 2)
    return out


def _mean(x: np.ndarray, w: np.ndarray) -> float:
    return float((x * w).sum() / w.sum())


def exhaustion(results: Results) -> list[dict[str, float]]:
    ey = results["exhausted_year"]
    w = results["weight"]
    n_eff = w.sum() ** 2 / (w * w).sum()
    rows = []
    for t in range(1, results.model.horizon + 1):
        p = _mean(((ey > 0) & (ey <= t)).astype(float), w)
        rows.append({"year": t, "probability": round(p, 6), "se": round(math.sqrt(max(p * (1 - p), 0) / n_eff), 6)})
    return rows


def summarize(results: Results) -> dict[str, Any]:
    m: Model = results.model
    w = results["weight"]
    H = m.horizon
    total_payout = results["payout"].sum(axis=1)
    lenders = m.portfolio.lender_names
    lb, lf, lu = results["lender_bear"], results["lender_forfeited"], results["lender_unfunded"]
    per_lender = {
        name: {"bears_mean": round(_mean(lb[:, i], w) / 100, 2),
               "bears_var_99": round(wquantile(lb[:, i] / 100, w, 0.99), 2),
               "forfeited_above_cap_mean": round(_mean(lf[:, i], w) / 100, 2),
               "unfunded_limited_liability_mean": round(_mean(lu[:, i], w) / 100, 2),
               "recovered_mean": round(_mean(results["lender_recovered"][:, i], w) / 100, 2)}
        for i, name in enumerate(lenders)}
    yearly = []
    for t in range(H):
        yearly.append({
            "year": t + 1,
            "payout_mean": round(_mean(results["payout"][:, t], w) / 100, 2),
            "claims_mean": round(_mean(results["claims"][:, t], w), 2),
            "new_lending_mean": round(_mean(results["new_lending"][:, t], w) / 100, 2),
            "balance_end_mean": round(_mean(results["balance_end"][:, t], w) / 100, 2),
            "balance_end_p01": round(wquantile(results["balance_end"][:, t] / 100, w, 0.01), 2),
            "recovered_to_fund_mean": round(_mean(results["recovered_to_fund"][:, t], w) / 100, 2),
            "income_mean": round(_mean(results["income"][:, t], w) / 100, 2),
            "management_fee_mean": round(_mean(results["fee"][:, t], w) / 100, 2),
            "lenders_stopped_mean": round(_mean(results["lenders_stopped"][:, t], w), 3),
        })
    ex = exhaustion(results)
    return {
        "exhaustion": {"by_year": ex, "within_horizon": ex[-1]["probability"]},
        "fund_payouts": {"horizon": distribution(total_payout, w), "year_1": distribution(results["payout"][:, 0], w)},
        "bearers": {
            "lenders": distribution(lb.sum(axis=1), w),
            "lenders_forfeited_above_cap": distribution(lf.sum(axis=1), w),
            "lenders_unfunded_limited_liability": distribution(lu.sum(axis=1), w),
            "guarantors": distribution(results["guarantor_bear"], w),
            "loss_base": distribution(results["loss_base"].sum(axis=1), w),
            "recovered": {"fund_mean": round(_mean(results["recovered_to_fund"].sum(axis=1), w) / 100, 2),
                          "lenders_mean": round(_mean(results["lender_recovered"].sum(axis=1), w) / 100, 2),
                          "guarantors_mean": round(_mean(results["guarantor_recovered"], w) / 100, 2)},
            "per_lender": per_lender,
        },
        "yearly": yearly,
    }


# ------------------------------------------------------------------ frontier and sensitivity

def exhaustion_probability(model: Model, scenarios: int, seed: int, client: Any = None) -> float:
    r = simulate(model, scenarios, seed, client=client)
    return exhaustion(r)[-1]["probability"]


def leverage_frontier(build: Callable[[Fraction], Model], scenarios: int, seed: int, target: float, *,
                      client: Any = None, grid: tuple[float, ...] = FRONTIER_GRID, refine: int = 4,
                      progress: Callable[[], None] | None = None) -> dict[str, Any]:
    """P(exhaustion within the horizon) at each leverage of the grid (same random numbers for each: common
    random numbers), then bisection between the last safe and the first unsafe grid point. ``build(L)``:
    the model with the fund sized at book ÷ L and new lending up to L × the fund."""
    points = []
    last_safe, first_unsafe = None, None
    for lev in grid:
        p = exhaustion_probability(build(Fraction(lev).limit_denominator(1000)), scenarios, seed, client)
        points.append({"leverage": lev, "exhaustion_probability": round(p, 6)})
        if progress:
            progress()
        if p < target:
            last_safe = lev if first_unsafe is None else last_safe
        elif first_unsafe is None:
            first_unsafe = lev
            break
    if last_safe is not None and first_unsafe is not None:
        lo, hi = Fraction(last_safe).limit_denominator(1000), Fraction(first_unsafe).limit_denominator(1000)
        for _ in range(refine):
            mid = (lo + hi) / 2
            p = exhaustion_probability(build(mid), scenarios, seed, client)
            points.append({"leverage": round(float(mid), 3), "exhaustion_probability": round(p, 6)})
            if progress:
                progress()
            if p < target:
                lo = mid
            else:
                hi = mid
        last_safe = round(float(lo), 3)
    points.sort(key=lambda x: x["leverage"])
    note = None
    if first_unsafe is None:
        note = f"every leverage tried, up to {grid[-1]}, stays below the target: the frontier is at least that"
    elif last_safe is None:
        note = f"even leverage {grid[0]} reaches the target: no leverage tried is safe"
    return {"target": target, "frontier": last_safe, "first_unsafe_grid_point": first_unsafe, "points": points,
            "note": note}


def sensitivity(build: Callable[[float, float | None], Model], scenarios: int, seed: int, *, client: Any = None,
                pd_factors: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0),
                correlations: tuple[float | None, ...] = (None, 0.05, 0.15, 0.30),
                progress: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """P(exhaustion) and the 99 % payout with every PD scaled and with one correlation for all segments
    (None: the model's own)."""
    rows = []
    for rho in correlations:
        for f in pd_factors:
            r = simulate(build(f, rho), scenarios, seed, client=client)
            w = r["weight"]
            rows.append({"pd_factor": f, "correlation": rho,
                         "exhaustion_probability": exhaustion(r)[-1]["probability"],
                         "payout_mean": round(_mean(r["payout"].sum(axis=1), w) / 100, 2),
                         "payout_var_99": round(wquantile(r["payout"].sum(axis=1) / 100, w, 0.99), 2)})
            if progress:
                progress()
    return rows
