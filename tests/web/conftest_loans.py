"""Shared builders of the loan and whitelist page tests (imported explicitly: ``from conftest_loans import ...``).

A kezhou world (kz-bank lends, kz-guarantee guarantees) with a defaulted loan of kz-bank, and a second lender
(other-bank) with a loan of its own in the same fund; logins are made per institution."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from riskpool.accounts.models import Membership
from riskpool.audit.models import AuditEvent
from riskpool.loans.models import Loan, Repayment
from riskpool.registry import services as registry
from riskpool.registry.models import Institution, WhitelistStep

from claims.conftest import KEZHOU_USCC, add_borrower, add_loan, d, kezhou_defaulted_loan, kezhou_world


def login(code: str, kind: str | None = None, *, username: str | None = None, csrf: bool = False) -> Client:
    """A client logged in as a (new) user of institution ``code`` (registered with ``kind`` if unknown)."""
    inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, f"{code} 名称", kind)
    user = User.objects.create_user(username or f"{code}-user", password="pw-not-used-1")
    Membership.objects.create(user=user, institution=inst)
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@dataclasses.dataclass
class LoanWorld:
    world: Any
    loan: Loan  # kz-bank's, guaranteed by kz-guarantee
    other_loan: Loan  # other-bank's, guaranteed by other-guarantee


def loan_world(capital: str = "100000000") -> LoanWorld:
    w = kezhou_world(capital)
    loan = kezhou_defaulted_loan(w)
    other = registry.register_institution("other-bank", "另一家银行", Institution.LENDER)
    registry.sign_agreement(other, w.program, role=Institution.LENDER, start=d("2025-04-03"), end=d("2030-03-30"),
                            actor="finance bureau")
    other_guarantee = registry.register_institution("other-guarantee", "另一家担保公司", Institution.GUARANTOR)
    registry.sign_agreement(other_guarantee, w.program, role=Institution.GUARANTOR, start=d("2025-04-04"),
                            end=d("2030-03-30"), actor="finance bureau")
    firm = add_borrower(w, KEZHOU_USCC[1], "另一家企业")
    other_loan = add_loan(dataclasses.replace(w, lender=other, guarantor=other_guarantee), "OTHER-LOAN-77", firm,
                          "800000",
                          issue_date=d("2025-07-01"), term_months=24)
    return LoanWorld(w, loan, other_loan)


def counts() -> tuple[int, int, int, int]:
    """What a refused or checked request must leave as it was: loans, repayments, audit rows, whitelist steps."""
    return (Loan.objects.count(), Repayment.objects.count(), AuditEvent.objects.count(),
            WhitelistStep.objects.count())


def filing(**over: Any) -> dict[str, Any]:
    """A kezhou filing form for kz-bank: a whitelisted borrower (KEZHOU_USCC[0]), 1,000,000 for 24 months."""
    data = {"key": "6f1c1a52-8a53-4d38-9a6e-0f3d1c2b7a10", "on": "2025-08-01", "code": "KZ-WEB-001",
            "program": "kezhou-industry", "borrower": KEZHOU_USCC[0], "amount": "1,000,000.00",
            "issue_date": "2025-08-01", "term_months": "24", "guarantor": "kz-guarantee",
            "guarantee_fee_rate": "0.008", "guarantee_letter_date": "2025-07-30", "product_type": "loan",
            "interest_rate": "", "all_in_cost_rate": "", "other_fees": "", "exposure": ""}
    data.update(over)
    return data
