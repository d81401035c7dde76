"""On a homogeneous portfolio the simulated loss distribution matches the large-portfolio closed forms:
Vasicek's for the Gaussian copula (PD 3 %, ρ 0.15 → 99.9 % default-rate quantile 0.2291), its
integral over the mixing variable for the Student-t copula; creditriskengine as an independent oracle."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pytest

from riskpool.policy import load_program
from riskpool.sim.analysis import wquantile
from riskpool.sim.credit import credit_model_from_dict, t_copula_quantile, vasicek_quantile
from riskpool.sim.model import build_model, simulate
from riskpool.sim.portfolio import portfolio_from_rows

N_LOANS = 10_000
AMOUNT = 100_000  # yuan


def default_rate_quantile(copula: str, q: float, scenarios: int, seed: int, *, loans: int = N_LOANS,
                          tail: tuple[float, float] | None = (0.01, 0.5)) -> float:
    rate, weight = default_rates(copula, scenarios, seed, loans, tail)
    return wquantile(rate, weight, q)


@functools.cache
def default_rates(copula: str, scenarios: int, seed: int, loans: int, tail) -> tuple[np.ndarray, np.ndarray]:
    """Simulate one year of a homogeneous book (LGD 1, no collateral, no interest: the loss base is the
    defaulted principal) under kezhou's rules and read the default rate off the loss base."""
    program = load_program("kezhou-industry")
    book = portfolio_from_rows([{"segment": "s", "lender": "L", "amount": AMOUNT}] * loans,
                               as_of=dt.date(2026, 1, 1))
    credit = credit_model_from_dict({"copula": copula, "dof": 5, "defaults": {
        "pd": 0.03, "correlation": 0.15, "lgd_mean": 1.0, "lgd_sd": 0, "collateral_share": 0, "interest_rate": 0}})
    model = build_model(program, book, credit, fund_size=10 ** 15, horizon=1, seed=seed)
    model.tail_focus = tail  # e.g. half the scenarios in the worst 1 % of the factor, weighted back
    r = simulate(model, scenarios, seed)
    rate = r["loss_base"][:, 0] / (loans * AMOUNT * 100)
    # the fund's payout is exactly its 50 % of that loss (kezhou 第十五条), to the fen
    assert (r["payout"][:, 0] == r["loss_base"][:, 0] // 2).all()
    return rate, r["weight"]


def test_vasicek_closed_form_value():
    assert vasicek_quantile(0.03, 0.15, 0.999) == pytest.approx(0.2291, abs=5e-5)


@pytest.mark.parametrize("seed", [1, 2])
def test_gaussian_999_quantile_within_one_percent_of_vasicek(seed):
    got = default_rate_quantile("gaussian", 0.999, 4000, seed)
    want = vasicek_quantile(0.03, 0.15, 0.999)
    assert abs(got / want - 1) < 0.01, (got, want)


@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_gaussian_body_quantiles_match_vasicek(q):
    # 10,000 loans, not infinitely many: the binomial noise around Vasicek's curve (about 2 % of the rate at
    # the 99 % point) moves body quantiles by up to about 1 %; 2 % leaves room without hiding a wrong model.
    got = default_rate_quantile("gaussian", q, 4000, 3, tail=None)
    assert abs(got / vasicek_quantile(0.03, 0.15, q) - 1) < 0.02, q


def test_student_t_copula_has_the_fatter_tail_of_its_closed_form():
    want = t_copula_quantile(0.03, 0.15, 5, 0.999)
    assert want > vasicek_quantile(0.03, 0.15, 0.999) * 1.5  # the t copula's tail is much fatter
    got = default_rate_quantile("t", 0.999, 40_000, 4, loans=1000, tail=None)
    assert abs(got / want - 1) < 0.05, (got, want)


def test_creditriskengine_oracle_agrees():
    cre = pytest.importorskip("creditriskengine.portfolio.vasicek")
    want = cre.vasicek_loss_quantile(pd=0.03, rho=0.15, lgd=1.0, confidence=0.999)
    assert want == pytest.approx(vasicek_quantile(0.03, 0.15, 0.999), rel=1e-9)
    got = default_rate_quantile("gaussian", 0.999, 4000, 1)
    assert abs(got / want - 1) < 0.01
