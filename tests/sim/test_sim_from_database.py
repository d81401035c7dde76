"""`riskpool simulate --fund CODE`: the fund's current book read from the database (its covered loans and what
it holds), passed through the same simulator as a portfolio file."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskpool.cli import main

pytestmark = pytest.mark.django_db(transaction=True)

STORY = Path(__file__).parents[2] / "examples/scenarios/kezhou-refusals.yaml"


def test_simulate_reads_the_funds_covered_book_from_the_database(capsys):
    assert main(["scenario", "run", "--keep", str(STORY)]) == 0
    capsys.readouterr()
    assert main(["simulate", "--program", "kezhou-industry", "--fund", "kz-fund", "--scenarios", "100",
                 "--horizon", "1", "--no-sensitivity"]) == 0
    out = capsys.readouterr().out
    # the story leaves one covered loan of 3,000,000 and 50,000,000 in the fund
    assert "fund 50,000,000.00 yuan" in out and "book 3,000,000.00 yuan in 1 loans" in out


def test_simulate_refuses_a_fund_that_is_not_in_the_database(capsys):
    assert main(["simulate", "--program", "kezhou-industry", "--fund", "no-such-fund", "--scenarios", "100"]) == 2
    err = capsys.readouterr().err
    assert "--fund" in err and "no-such-fund" in err and len(err.strip().splitlines()) == 1
