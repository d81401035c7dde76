"""The simulator is pure: policy + rules + NumPy. Running it never imports Django."""

import subprocess
import sys

CODE = """
import sys, datetime as dt
from riskpool.policy import load_program
from riskpool.sim import CreditModel, build_model, portfolio_from_rows, simulate
pf = portfolio_from_rows([{"segment": "s", "lender": "L", "amount": 100000}] * 50, as_of=dt.date(2026, 1, 1))
simulate(build_model(load_program("kezhou-industry"), pf, CreditModel(), fund_size=10**8, horizon=2), 20, 1)
import riskpool.sim.cli, riskpool.sim.report, riskpool.sim.runner
print(sorted(m for m in sys.modules if m.split(".")[0] == "django"))
"""


def test_simulator_never_imports_django():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
