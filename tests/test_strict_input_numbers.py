"""Strict input, numbers (riskpool.inputs, money.to_decimal): an amount is exact to the fen or refused;
amounts, rates, years and counts are range-checked before any arithmetic. Each bad form is refused by the
real CLI (`riskpool evaluate`) with exit 2, one line naming the file, the key path, the value and what was
expected, and nothing on stdout."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from riskpool import inputs
from riskpool.cli import main
from riskpool.inputs import InputError
from riskpool.money import MoneyError, to_amount, to_decimal, to_rate

# A filing question for kezhou-industry; {amount} is pasted into the YAML as written.
QUESTION = """\
program: kezhou-industry
question: file
on: 2026-03-02
facts:
  loan:
    amount: {amount}
    issue_date: 2026-03-02
    term_months: {term}
  borrower_whitelisted: true
  fund_balance: {balance}
"""


@pytest.fixture(autouse=True)
def _no_user_holiday_notices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "holidays"
    folder.mkdir()
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(folder))


def question(tmp_path: Path, amount: str = "1000000", term: str = "12", balance: str = "50000000") -> Path:
    path = tmp_path / "question.yaml"
    path.write_text(QUESTION.format(amount=amount, term=term, balance=balance), encoding="utf-8")
    return path


def refused(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    rc = main(["evaluate", str(path)])
    out, err = capsys.readouterr()
    assert rc == 2, out
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(f"riskpool: {path}: "), err
    assert err.count("\n") == 1, "one line"
    return err


def answered(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    rc = main(["evaluate", str(path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


# ---------------------------------------------------------------- accepted forms


@pytest.mark.parametrize("written", ["1000000", '"1,000,000"', "1000000.5", '"1000000.50"', '"1,000,000.50"',
                                     "0.01", '"12,345,678.90"'])
def test_plain_and_grouped_amounts_are_accepted(tmp_path, capsys, written) -> None:
    answered(capsys, question(tmp_path, amount=written))


def test_accepted_forms_read_exactly() -> None:
    assert to_decimal("1,000,000") == Decimal("1000000")
    assert to_decimal(0.1) + to_decimal(0.2) == Decimal("0.3")
    assert to_amount("1,000,000.50") == Decimal("1000000.50")
    assert to_amount(1000000.5) == Decimal("1000000.5")
    assert to_rate("0.008") == Decimal("0.008")
    assert inputs.count("12", "term_months", 1, 600) == 12
    assert inputs.year(2026) == 2026


def test_internal_decimals_pass_as_they_are() -> None:
    """Rule code hands computed Decimals (many places, large) to to_decimal: they are not input."""
    third = Decimal(1) / Decimal(3)
    assert to_decimal(third) == third
    assert to_decimal(Decimal("1E+20")) == Decimal("1E+20")
    with pytest.raises(MoneyError):
        to_decimal(Decimal("NaN"))


# ---------------------------------------------------------------- refused forms, one test each


def test_amount_with_three_decimals_is_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount='"1,000,000.505"'))
    assert "facts.loan.amount: expected an amount exact to the fen (at most 2 decimal places), " \
           "got '1,000,000.505'" in err


def test_unquoted_amount_with_three_decimals_is_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="1000000.505"))
    assert "facts.loan.amount: expected an amount exact to the fen" in err and "1000000.505" in err


def test_tiny_exponent_amount_is_refused_not_read_as_zero(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="1e-30"))
    assert "facts.loan.amount: expected a decimal number, got '1e-30'" in err
    assert "no exponent" in err


def test_exponent_amount_is_refused(tmp_path, capsys) -> None:
    for written in ("1e5", "1.0e+5", '"1E5"'):
        err = refused(capsys, question(tmp_path, amount=written))
        assert "facts.loan.amount: expected a decimal number, got" in err, written


def test_misplaced_commas_are_refused(tmp_path, capsys) -> None:
    for written in ('"8,0,0,0,0,0,0"', '"1,00"', '"1.000,00"', '"1000,000"', '",100"'):
        err = refused(capsys, question(tmp_path, amount=written))
        assert f"facts.loan.amount: expected a decimal number, got {written.replace(chr(34), chr(39))}" in err
        assert "commas only between groups of three" in err


def test_full_width_digits_are_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="１０００"))
    assert "facts.loan.amount: expected a decimal number, got '１０００'" in err
    err = refused(capsys, question(tmp_path, amount="\"١٠٠٠\""))  # Arabic-Indic digits
    assert "expected a decimal number" in err


def test_hexadecimal_octal_binary_and_underscores_are_refused(tmp_path, capsys) -> None:
    for written in ("0x10", "0o17", "017", "0b101", "1_000_000", "1:30"):
        err = refused(capsys, question(tmp_path, amount=written))
        assert f"facts.loan.amount: expected a decimal number, got '{written}'" in err, written


def test_nan_and_infinity_are_refused(tmp_path, capsys) -> None:
    for written in (".nan", ".inf", "-.inf", "NaN", '"Infinity"', '"inf"'):
        err = refused(capsys, question(tmp_path, amount=written))
        assert "facts.loan.amount: expected a decimal number, got" in err, written


def test_boolean_amount_is_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="true"))
    assert "facts.loan.amount: expected a decimal number, got True" in err


def test_huge_amount_is_refused_before_arithmetic(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="1" + "0" * 30))
    assert "facts.loan.amount: expected an amount below 10,000,000,000,000 yuan" in err
    err = refused(capsys, question(tmp_path, balance="10000000000000000"))
    assert "facts.fund_balance: expected an amount below 10,000,000,000,000 yuan, got 10000000000000000" in err


def test_very_long_number_is_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, amount="9" * 5000))
    assert "facts.loan.amount: expected " in err
    assert len(err) < 1000, "the message quotes the value only in part"


def test_rate_with_seven_decimals_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("program: pingluo-puhui-yidai\nquestion: guarantee-fee-subsidy\non: 2026-03-02\n"
                    "facts: {guaranteed_amount: 1000000, fee_rate: 0.0012345, term_months: 12}\n", encoding="utf-8")
    err = refused(capsys, path)
    assert "facts.fee_rate: expected a number with at most 6 decimal places, got 0.0012345" in err


def test_rate_out_of_range_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("program: pingluo-puhui-yidai\nquestion: guarantee-fee-subsidy\non: 2026-03-02\n"
                    "facts: {guaranteed_amount: 1000000, fee_rate: 1.5, term_months: 12}\n", encoding="utf-8")
    err = refused(capsys, path)
    assert "facts.fee_rate: " in err and "less than or equal to 1" in err and "1.5" in err


def test_huge_count_is_refused(tmp_path, capsys) -> None:
    err = refused(capsys, question(tmp_path, term="1000000000"))
    assert "facts.loan.term_months: expected a whole number from 1 to 1200, got 1000000000" in err


def test_boolean_and_fractional_counts_are_refused(tmp_path, capsys) -> None:
    for written, shown in (("true", "True"), ("12.5", "12.5"), ('"１２"', "'１２'"), ("0x0C", "'0x0C'")):
        err = refused(capsys, question(tmp_path, term=written))
        assert f"facts.loan.term_months: expected a whole number from 1 to 1200, got {shown}" in err, written


def test_date_outside_1900_to_2200_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(QUESTION.format(amount="1000000", term="12", balance="50000000").replace(
        "on: 2026-03-02", "on: 9999-12-31"), encoding="utf-8")
    err = refused(capsys, path)
    assert "on: expected a valid date YYYY-MM-DD in the years 1900–2200 (got '9999-12-31')" in err


def test_year_outside_range_is_refused() -> None:
    with pytest.raises(InputError) as e:
        inputs.year(3000, "events[3].year")
    assert str(e.value) == "events[3].year: expected a whole number from 1900 to 2200, got 3000"
    assert (e.value.path, e.value.value) == ("events[3].year", 3000)


def test_amount_helpers_name_path_value_and_expectation() -> None:
    with pytest.raises(InputError) as e:
        inputs.amount("1,000,000.505", "loan.amount")
    assert (e.value.path, e.value.value) == ("loan.amount", "1,000,000.505")
    assert e.value.expected == "an amount exact to the fen (at most 2 decimal places)"
    with pytest.raises(InputError, match="expected an amount from 0 to below"):
        inputs.amount("-1", "loan.amount")
    with pytest.raises(InputError, match="expected a rate from 0 to 1"):
        inputs.rate("2", "fee_rate")
    with pytest.raises(MoneyError):
        to_amount(True)


def test_text_and_code_helpers_bound_length() -> None:
    assert inputs.code("kz-bank", 60, "lender", slug=True) == "kz-bank"
    with pytest.raises(InputError, match=r"^lender: expected a code of 1 to 60 characters \(letters, digits"):
        inputs.code("kz bank", 60, "lender", slug=True)
    with pytest.raises(InputError, match="loan: expected a code of 1 to 60 characters"):
        inputs.code("L" * 61, 60, "loan")
    with pytest.raises(InputError, match="name: expected text of at most 200 characters"):
        inputs.text("名" * 201, max_len=200, what="name")
    with pytest.raises(InputError, match="name: expected text without control characters"):
        inputs.text("a\x00b", max_len=200, what="name")
