"""Racing commands on PostgreSQL, in threads and in separate processes: the dispatcher locks what each
decision depends on (the fund's book, the borrower, the loan) before it reads, so caps hold, no update is
lost, a retried key answers its first result, and the books balance afterwards.

SQLite cannot be raced this way (one writer at a time, taken when a transaction begins), so these tests run
on PostgreSQL only. Each was seen to fail with ``riskpool.commands.dispatcher._lock`` made a no-op.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from riskpool.claims.reconcile import check_fund
from riskpool.commands import IdempotencyConflict, dispatch
from riskpool.figures import totals
from riskpool.loans.commands import FileLoan, LoanError
from riskpool.loans.models import Loan, Repayment

from claims.conftest import KEZHOU_USCC, KUNSHAN_USCC, add_borrower, add_loan, kezhou_world, kunshan_world

from .race import in_processes, in_threads
from .race_work import KEZHOU_FIRM_CODE, file_for_one_borrower, repay_one_loan

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (row locks and concurrent connections); set DATABASE_URL"),
    pytest.mark.django_db(transaction=True),
]

CAP = Decimal("10000000")  # kezhou 第九条: at most 10 % of the fund and 10,000,000 for one firm


def _books_fine(world) -> None:
    assert check_fund(world.fund) == []
    assert totals.check() == []


def _kezhou_firm_world():
    world = kezhou_world()
    assert KEZHOU_USCC[0] == KEZHOU_FIRM_CODE
    add_borrower(world, KEZHOU_FIRM_CODE, "阿图什棉纺有限公司")
    return world


def _covered(borrower_code: str) -> Decimal:
    return sum((loan.outstanding_principal for loan in Loan.objects.filter(borrower__code=borrower_code)), Decimal(0))


def test_racing_filings_never_exceed_the_per_borrower_cap_threads():
    world = _kezhou_firm_world()
    results = in_threads(8, file_for_one_borrower)
    accepted = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, LoanError)]
    assert len(accepted) == 5 and len(refused) == 3, results
    assert all("PER_BORROWER_CAP" in str(r) for r in refused)
    assert _covered(KEZHOU_FIRM_CODE) == CAP
    _books_fine(world)


def test_racing_filings_never_exceed_the_per_borrower_cap_processes():
    world = _kezhou_firm_world()
    results = in_processes(8, "race_work:file_for_one_borrower")
    assert sum(r.startswith("'KZ-RACE-") for r in results) == 5, results
    assert sum("PER_BORROWER_CAP" in r for r in results) == 3, results
    assert _covered(KEZHOU_FIRM_CODE) == CAP
    _books_fine(world)


def test_racing_filings_never_exceed_the_leverage():
    """Kunshan 第三条/第十条: 15 × a fund of 1,000,000; eight firms file 3,000,000 each at once."""
    world = kunshan_world(capital="1000000")
    firms = [add_borrower(world, code, f"昆山企业{i}") for i, code in enumerate(KUNSHAN_USCC)]
    firms += [add_borrower(world, code, f"昆山企业{i + 4}") for i, code in
              enumerate(["91320583MA1X00035P", "91320583MA1X00042F", "91320583MA1X000495", "91320583MA1X00056W"])]

    def file(i: int):
        return add_loan(world, f"KS-RACE-{i}", firms[i], "3000000", issue_date=dt.date(2025, 3, 3),
                        term_months=12, fee="0.01", exposure="3000000").code

    results = in_threads(8, file)
    accepted = [r for r in results if isinstance(r, str)]
    assert len(accepted) == 5, results
    assert all("LEVERAGE" in str(r) for r in results if not isinstance(r, str))
    assert totals.get(totals.covered(world.fund.pk)) == Decimal("15000000")
    _books_fine(world)


def _one_loan(world) -> Loan:
    firm = add_borrower(world, KEZHOU_FIRM_CODE, "阿图什棉纺有限公司")
    return add_loan(world, "KZ-RACE-LOAN", firm, "2000000", issue_date=dt.date(2025, 6, 2), term_months=36)


def test_racing_repayments_lose_no_update_threads():
    world = kezhou_world()
    _one_loan(world)
    results = in_threads(8, repay_one_loan)
    assert sorted(results) == sorted(str(Decimal("2000000") - 100000 * n) + ".00" for n in range(1, 9)), results
    loan = Loan.objects.get(code="KZ-RACE-LOAN")
    assert loan.outstanding_principal == Decimal("1200000")
    assert sum(r.principal for r in Repayment.objects.filter(loan=loan)) == Decimal("800000")
    _books_fine(world)


def test_racing_repayments_lose_no_update_processes():
    world = kezhou_world()
    _one_loan(world)
    in_processes(8, "race_work:repay_one_loan")
    loan = Loan.objects.get(code="KZ-RACE-LOAN")
    assert loan.outstanding_principal == Decimal("1200000")
    assert Repayment.objects.filter(loan=loan).count() == 8
    _books_fine(world)


def _filing(world, code: str, amount: str = "2000000") -> FileLoan:
    return FileLoan(on=dt.date(2025, 6, 2), code=code, program="kezhou-industry", lender="kz-bank",
                    borrower=KEZHOU_FIRM_CODE, amount=Decimal(amount), issue_date=dt.date(2025, 6, 2), term_months=24,
                    guarantor="kz-guarantee", guarantee_fee_rate=Decimal("0.008"))


def test_racing_retries_of_one_key_answer_the_first_result():
    world = _kezhou_firm_world()
    command = _filing(world, "KZ-KEY-1")
    results = in_threads(8, lambda i: dispatch(command, actor=f"bank-system-{i}", key="bank/file/KZ-KEY-1"))
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["loan"] for r in results}) == 1
    assert Loan.objects.filter(code="KZ-KEY-1").count() == 1
    _books_fine(world)


def test_racing_one_key_with_different_requests_is_a_conflict_never_a_database_error():
    world = _kezhou_firm_world()
    commands = [_filing(world, f"KZ-KEY-{i}") for i in range(8)]
    results = in_threads(8, lambda i: dispatch(commands[i], actor="bank", key="bank/file/one-key"))
    done = [r for r in results if isinstance(r, dict)]
    conflicts = [r for r in results if isinstance(r, IdempotencyConflict)]
    assert len(done) == 1 and len(conflicts) == 7, results
    assert Loan.objects.count() == 1
    _books_fine(world)


def test_a_retry_after_the_state_moved_on_still_answers_the_first_result():
    """The fifth 2,000,000 filing fills the cap; its retry is answered as it was, not refused as over the cap."""
    world = _kezhou_firm_world()
    firsts = [dispatch(_filing(world, f"KZ-S-{i}"), actor="bank", key=f"k{i}") for i in range(5)]
    with pytest.raises(LoanError, match="PER_BORROWER_CAP"):
        dispatch(_filing(world, "KZ-S-5"), actor="bank", key="k5")
    assert dispatch(_filing(world, "KZ-S-4"), actor="bank", key="k4") == firsts[4]


def test_racing_retries_of_one_key_in_processes_answer_the_first_result():
    world = _kezhou_firm_world()
    results = in_processes(8, "race_work:file_with_one_key")
    assert len(set(results)) == 1 and results[0].isdigit(), results
    assert Loan.objects.filter(code="KZ-ONE-KEY").count() == 1
    _books_fine(world)


def test_racing_payments_in_processes_never_overdraw_an_underfunded_fund():
    """Two approved claims of 600 each on a fund holding 1,000 (kunshan 第三条: limited to the fund)."""
    from riskpool.ledger import services as ledger

    from claims.conftest import kunshan_approve, kunshan_defaulted_loan, kunshan_submit

    world = kunshan_world(capital="1000")
    for i, code in enumerate(("KS-A", "KS-B")):
        kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, code, i, amount="1000", repaid="0",
                                                              exposure="6000000")))
    results = in_processes(2, "race_work:pay_claim")
    assert sorted(results, reverse=True) == [repr(("600.00", "0.00")), repr(("400.00", "200.00"))], results
    assert ledger.balance(world.book, "assets:cash") == 0
    _books_fine(world)
