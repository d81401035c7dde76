"""What each racer does, importable by a separate process (tests/commands/race.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.programs.models import Program
from riskpool.registry.models import Borrower, Institution

KEZHOU_FIRM_CODE = "91653001MA7K00011P"


def file_for_one_borrower(i: int):
    """Kezhou 第九条: 2,000,000 for the same firm, racer i's own loan code."""
    loan = loans.file_loan(code=f"KZ-RACE-{i}", program=Program.objects.get(code="kezhou-industry"),
                           lender=Institution.objects.get(code="kz-bank"),
                           borrower=Borrower.objects.get(code=KEZHOU_FIRM_CODE), amount=Decimal("2000000"),
                           issue_date=dt.date(2025, 6, 2), term_months=24, actor=f"racer-{i}",
                           guarantor=Institution.objects.get(code="kz-guarantee"),
                           guarantee_fee_rate=Decimal("0.008"), key=f"race-file-{i}")
    return loan.code


def repay_one_loan(i: int):
    loan = loans.repay(Loan.objects.get(code="KZ-RACE-LOAN"), on=dt.date(2025, 9, 1), principal=Decimal("100000"),
                       actor=f"racer-{i}", key=f"race-repay-{i}")
    return str(loan.outstanding_principal)


def file_with_one_key(i: int):
    """Every racer retries the same filing under the same idempotency key."""
    from riskpool.commands import dispatch
    from riskpool.loans.commands import FileLoan

    result = dispatch(FileLoan(on=dt.date(2025, 6, 2), code="KZ-ONE-KEY", program="kezhou-industry",
                               lender="kz-bank", borrower=KEZHOU_FIRM_CODE, amount=Decimal("2000000"),
                               issue_date=dt.date(2025, 6, 2), term_months=24, guarantor="kz-guarantee",
                               guarantee_fee_rate=Decimal("0.008")), actor=f"bank-system-{i}", key="bank/one-key")
    return result["loan"]


def pay_claim(i: int):
    """Racer i pays claim KS-A or KS-B from a fund that can afford one of them."""
    from riskpool.claims import services as claims
    from riskpool.claims.models import Claim

    claim = claims.pay(Claim.objects.get(loan__code=("KS-A", "KS-B")[i]), on=dt.date(2026, 6, 12),
                       actor=f"clerk-{i}", key=f"pay-{i}")
    return (str(claim.paid_amount), str(claim.unfunded))
