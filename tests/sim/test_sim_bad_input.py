"""Bad input: exit 2 and one line on stderr naming the file, the key and what was expected — no traceback."""

from __future__ import annotations

import pytest


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def expect_bad(cli, *argv, must=()):
    rc, out, err = cli(*argv)
    assert rc == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for m in must:
        assert m in err, err
    return err


def base(examples):
    return ["--program", "kezhou-industry", "--portfolio", examples / "kezhou-book.yaml", "--scenarios", "20",
            "--horizon", "1", "--no-sensitivity"]


@pytest.mark.parametrize("value,key", [("1.5", "defaults.pd"), ("-0.1", "defaults.pd")])
def test_default_probability_outside_0_1(cli, examples, tmp_path, value, key):
    p = write(tmp_path, "p.yaml", f"defaults:\n  pd: {value}\n")
    expect_bad(cli, *base(examples), "--params", p, must=(str(p), key, "default probability in [0, 1]"))


@pytest.mark.parametrize("value", ["1", "1.0", "-0.2"])
def test_correlation_outside_0_1(cli, examples, tmp_path, value):
    p = write(tmp_path, "p.yaml", f"segments:\n  agriculture-micro:\n    correlation: {value}\n")
    expect_bad(cli, *base(examples), "--params", p,
               must=(str(p), "segments.agriculture-micro.correlation", "correlation in [0, 1)"))


def test_empty_portfolio(cli, examples, tmp_path):
    f = write(tmp_path, "empty.csv", "program,lender,amount,outstanding,term_months,issue_date,exposure,has_guarantor,segment\n")
    expect_bad(cli, "--program", "kezhou-industry", "--portfolio", f, "--fund-size", "1亿",
               must=(str(f), "at least one loan"))


def test_empty_description(cli, tmp_path):
    f = write(tmp_path, "empty.yaml", "segments: []\n")
    expect_bad(cli, "--program", "kezhou-industry", "--portfolio", f, must=(str(f), "segments", "empty"))


@pytest.mark.parametrize("years", ["0", "100"])
def test_horizon_of_0_or_100_years(cli, examples, years):
    argv = base(examples)
    argv[argv.index("--horizon") + 1] = years
    expect_bad(cli, *argv, must=("--horizon", "from 1 to 50", years))


def test_segment_with_no_loans(cli, examples, tmp_path):
    p = write(tmp_path, "p.yaml", "segments:\n  shipbuilding:\n    pd: 0.02\n")
    expect_bad(cli, *base(examples), "--params", p, must=(str(p), "segments.shipbuilding", "segment of the portfolio"))


def test_described_segment_with_no_share(cli, tmp_path):
    f = write(tmp_path, "b.yaml", "segments:\n  - {name: a, share: 1, amount: 1000000, lenders: [X]}\n"
                                  "  - {name: b, share: 0, amount: 1000000, lenders: [X]}\n")
    expect_bad(cli, "--program", "kezhou-industry", "--portfolio", f, must=(str(f), "segments[1].share", "no loans"))


@pytest.mark.parametrize("text,key", [("defaults:\n  pd_annual: 0.02\n", "defaults.pd_annual"),
                                      ("volatility: 3\n", "volatility"),
                                      ("fund:\n  yeld: 0.01\n", "fund.yeld")])
def test_parameter_file_with_an_unknown_key(cli, examples, tmp_path, text, key):
    p = write(tmp_path, "p.yaml", text)
    expect_bad(cli, *base(examples), "--params", p, must=(str(p), key, "unknown key"))


def test_portfolio_with_an_unknown_column(cli, tmp_path):
    f = write(tmp_path, "l.csv", "lender,amount,segmnt\nA,100000,x\n")
    expect_bad(cli, "--program", "kezhou-industry", "--portfolio", f, "--fund-size", "1000000",
               must=(str(f), "segmnt", "unknown column"))


def test_lgd_sd_too_large_for_a_beta(cli, examples, tmp_path):
    p = write(tmp_path, "p.yaml", "defaults:\n  lgd_mean: 0.1\n  lgd_sd: 0.4\n")
    expect_bad(cli, *base(examples), "--params", p, must=(str(p), "defaults.lgd_sd"))


def test_unknown_program_and_bad_fund_size(cli, examples):
    expect_bad(cli, "--program", "nowhere", "--portfolio", examples / "kezhou-book.yaml", must=("nowhere",))
    expect_bad(cli, *base(examples), "--fund-size", "-5", must=("--fund-size",))
