"""`riskpool simulate` answers for each seed program: a readable report (Chinese and English), charts in
PNG and SVG, report.json; the leverage frontier is the largest leverage below the target."""

from __future__ import annotations

import json

import pytest

RUNS = [("kezhou-industry", "kezhou-book.yaml", "params.yaml", []),
        ("kunshan-kunyurong", "kunshan-book.yaml", "params-kunshan.yaml", ["--fund-size", "5000万"]),
        ("pingluo-puhui-yidai", "pingluo-book.yaml", "params.yaml", ["--fund-size", "800万"])]


@pytest.mark.parametrize("program,book,params,extra", RUNS)
def test_report_for_each_seed_program(cli, examples, tmp_path, program, book, params, extra):
    out = tmp_path / "r"
    rc, stdout, err = cli("--program", program, "--portfolio", examples / book, "--params", examples / params,
                          "--scenarios", "200", "--horizon", "3", "--seed", "1", "--no-sensitivity",
                          "--out", out, *extra)
    assert rc == 0, err
    assert "P(fund exhausted by year end)" in stdout
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    probs = [e["probability"] for e in rep["results"]["exhaustion"]["by_year"]]
    assert len(probs) == 3 and probs == sorted(probs) and all(0 <= p <= 1 for p in probs)
    pay = rep["results"]["fund_payouts"]["horizon"]
    assert pay["var_95"] <= pay["var_99"] <= pay["var_99.9"] and pay["es_99"] >= pay["var_99"]
    # the fund never pays more than it held plus what came in
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "资金耗尽的概率" in md and "probability that the fund runs dry" in md
    for chart in ("exhaustion", "payouts", "bearers"):
        assert (out / f"{chart}.png").stat().st_size > 1000 and (out / f"{chart}.svg").exists()


def test_frontier_and_sensitivity(cli, examples, tmp_path):
    out = tmp_path / "r"
    rc, stdout, err = cli("--program", "kezhou-industry", "--portfolio", examples / "kezhou-book.yaml",
                          "--params", examples / "params.yaml", "--scenarios", "200", "--horizon", "2",
                          "--frontier", "--target-pd", "0.05", "--out", out)
    assert rc == 0, err
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    fr = rep["frontier"]
    safe = [p for p in fr["points"] if p["exhaustion_probability"] < 0.05]
    unsafe = [p for p in fr["points"] if p["exhaustion_probability"] >= 0.05]
    assert fr["frontier"] is not None and unsafe
    assert fr["frontier"] == max(p["leverage"] for p in safe) and fr["frontier"] < min(p["leverage"] for p in unsafe)
    sens = rep["sensitivity"]
    base = {(s["pd_factor"], s["correlation"]): s["exhaustion_probability"] for s in sens}
    assert base[(2.0, None)] >= base[(0.5, None)]  # more defaults, more exhaustion
    assert (out / "frontier.svg").exists() and (out / "sensitivity.png").exists()
    assert "安全放大倍数上限" in (out / "report.md").read_text(encoding="utf-8")


def test_imported_loans_csv(cli, examples):
    rc, stdout, err = cli("--program", "kezhou-industry", "--portfolio", examples / "kezhou-loans.csv",
                          "--params", examples / "params.yaml", "--fund-size", "1000000", "--scenarios", "100",
                          "--horizon", "2", "--no-sensitivity")
    assert rc == 0, err
    assert "6 loans" in stdout


def test_portfolio_from_database_rows():
    import datetime as dt

    from riskpool.sim.portfolio import portfolio_from_rows
    rows = [dict(program="kunshan-kunyurong", lender="A", amount="6000000.00", outstanding="5000000.00",
                 term_months=24, issue_date=dt.date(2024, 3, 1), exposure="12000000", has_guarantor=False,
                 segment="tech"),
            dict(program="other-program", lender="B", amount=1, outstanding=1, term_months=12,
                 issue_date=dt.date(2024, 3, 1), exposure=None, has_guarantor=True, segment="tech")]
    pf = portfolio_from_rows(rows, program="kunshan-kunyurong", as_of=dt.date(2024, 9, 1))
    assert len(pf) == 1 and pf.outstanding[0] == 500_000_000 and pf.exposure[0] == 1_200_000_000
    assert pf.months_left[0] == 18 and not pf.has_guarantor[0] and pf.first_year_financing[0]
