"""The stress simulator: will the fund survive its leverage?

Pure — policy + rules + NumPy, never Django. Money is int64 fen; every claim is decided exactly as
riskpool.rules decides it (riskpool.sim.engine, checked against the Decimal rules in
tests/sim/test_sim_rule_equivalence.py). See docs/simulation.md.

    from riskpool.sim import portfolio_from_rows, stress_test, CreditModel
    report = stress_test(program, portfolio_from_rows(rows, as_of=day), CreditModel(), fund_size=fen)
"""

from riskpool.sim.credit import CreditModel, credit_model_from_dict, load_credit_model
from riskpool.sim.errors import SimInputError
from riskpool.sim.model import build_model, simulate
from riskpool.sim.portfolio import Portfolio, load_portfolio, portfolio_from_rows
from riskpool.sim.runner import stress_test

__all__ = ["CreditModel", "Portfolio", "SimInputError", "build_model", "credit_model_from_dict",
           "load_credit_model", "load_portfolio", "portfolio_from_rows", "simulate", "stress_test"]
