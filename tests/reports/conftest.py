"""Builders for the report tests: funds, lenders, whitelisted borrowers and loans through the registry and
loan services; claims and recoveries as rows plus their postings (the claims services are written
elsewhere, and the reports must not depend on them).

``kezhou_story`` is one fund's life, used by several reports; its figures are worked out in the docstring
of ``build_kezhou_later`` and checked by hand in each test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal as D
from typing import Any

import pytest
from stdnum.cn import uscc

from riskpool.claims.models import Claim, Recovery
from riskpool.ledger import core
from riskpool.ledger import services as ledger
from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

ACTOR = "report-tests"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def usc(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015), different for each n."""
    base = f"91653001MA78XK{n:03d}"
    return base + uscc.calc_check_digit(base)


KEZHOU_FACTS = {
    "registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
    "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
    "no_major_risk_event": True, "repayment_capacity": True, "industries": ["cotton_textile_apparel"],
    "stable_employees_6m": 12,
}
KUNSHAN_FACTS = {
    "registered_region": "昆山市",
    "qualifications": [{"kind": "high_tech_enterprise", "valid_from": "2023-11-01", "valid_to": "2027-10-31"}],
}
KUNSHAN_FORM = {
    "company_name": "昆山科技", "registered_address": "昆山市玉山镇", "industry_field": "智能制造",
    "financing_need": "500", "paid_in_capital": "1000", "core_ip": True, "contact": "张三",
    "contact_phone": "0512-00000000", "town_officer": "李四", "town_officer_phone": "0512-11111111",
    "reasons": "高新技术企业",
}


def whitelist(program, borrower, on: dt.date, form: dict | None = None) -> None:
    policy = program.policy
    for i, step in enumerate(policy.param(policy.whitelist.steps, on)):
        # explicit keys keep these steps apart whatever audited() derives for a missing key (it once left the
        # subject out, so two borrowers' identical steps collided)
        registry.whitelist_step(program, borrower, step.code, on=on, actor=ACTOR, form=form if i == 0 else None,
                                key=f"whitelist:{program.code}:{borrower.code}:{step.code}")


def borrower(program, n: int, on: dt.date, facts: dict, form: dict | None = None):
    b = registry.register_borrower(usc(n), f"企业{n:03d}", facts=dict(facts))
    whitelist(program, b, on, form)
    return b


def lender(code: str, name: str, program, start: dt.date, end: dt.date) -> Institution:
    """A lender with its agreement in ``program``.

    sign_agreement takes no idempotency key; when audited() derived one from the request (start, end) alone,
    two lenders signing on the same dates got the first one's agreement back. Callers give each lender
    distinct dates, and the assertion below guards against it.
    """
    inst = registry.register_institution(code, name, Institution.LENDER)
    a = registry.sign_agreement(inst, program, role=Institution.LENDER, start=start, end=end, actor=ACTOR)
    assert a.institution_id == inst.pk, "sign_agreement returned another institution's agreement"
    return inst


def _set(loan: Loan, **fields: Any) -> None:
    """Change a loan as the claims service would: through save(), which moves the running totals with it."""
    loan = Loan.objects.get(pk=loan.pk)
    for name, value in fields.items():
        setattr(loan, name, value)
    loan.save()


def pay_claim(fund, loan: Loan, *, code: str, submitted_on: dt.date, approved_on: dt.date, paid_on: dt.date | None,
              loss_base: D, fund_share: D, lender_share: D = D("0.00"), guarantor_share: D = D("0.00")) -> Claim:
    """A claim approved (and paid, when ``paid_on``), as the claims service would leave it, with its postings."""
    claim = Claim.objects.create(
        loan=loan, code=code, submitted_on=submitted_on, status=Claim.PAID if paid_on else Claim.OPEN,
        loss_base=loss_base, fund_share=fund_share, lender_share=lender_share, guarantor_share=guarantor_share,
        fund_payable=fund_share, paid_amount=fund_share if paid_on else D("0.00"), approved_on=approved_on,
        paid_on=paid_on)
    ledger.post(fund.book, core.compensation_approved(approved_on, fund_share, code),
                idempotency_key=f"approve:{code}", actor=ACTOR)
    if paid_on:
        ledger.post(fund.book, core.compensation_paid(paid_on, fund_share, code), idempotency_key=f"pay:{code}",
                    actor=ACTOR)
        _set(loan, status=Loan.COMPENSATED, released_on=paid_on)
    else:
        _set(loan, status=Loan.CLAIMED)
    return claim


def recover(fund, claim: Claim, *, received_on: dt.date, gross: D, costs: D, to_fund: D, to_lender: D,
            to_guarantor: D, remit_due_on: dt.date, remitted_on: dt.date | None = None) -> Recovery:
    """Recovery proceeds reported by the lender; the fund's share is due (receivable) until remitted."""
    rec = Recovery.objects.create(claim=claim, received_on=received_on, gross=gross, costs=costs, to_fund=to_fund,
                                  to_lender=to_lender, to_guarantor=to_guarantor, remit_due_on=remit_due_on,
                                  remitted_on=remitted_on)
    ref = f"{claim.code}/{rec.pk}"
    ledger.post(fund.book, core.recovery_due(received_on, to_fund, ref), idempotency_key=f"due:{ref}", actor=ACTOR)
    if remitted_on:
        ledger.post(fund.book, core.recovery_received(remitted_on, to_fund, ref, was_due=True),
                    idempotency_key=f"received:{ref}", actor=ACTOR)
    return rec


@dataclass
class Story:
    program: Any
    fund: Any
    bank_a: Institution
    bank_b: Institution
    guarantor: Institution
    loans: dict[str, Loan] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)

    def loan(self, code: str) -> Loan:
        return Loan.objects.get(code=code)


def build_kezhou_base() -> Story:
    """克州 fund, 2025: capital, three loans, interest, a term deposit (all dated on or before 2025-07-20).

    2025-04-01 capital 10,000,000.00 (cash)
    2025-05-10 L1 bank A 1,000,000.00 (36 months)   2025-06-15 L2 bank A 500,000.00 (24 months)
    2025-06-21 deposit interest 12,345.67 (cash)     2025-07-01 3,000,000.00 cash → term deposit
    2025-07-20 L3 bank B 800,000.00 (12 months)
    """
    program = programs.get("kezhou-industry")
    fund = registry.create_fund("kz-fund", "克州产业发展风险补偿资金", ["kezhou-industry"], actor=ACTOR)
    registry.inject_capital(fund, d("2025-04-01"), D("10000000.00"), actor=ACTOR)
    bank_a = lender("kz-bank-a", "克州合作银行A", program, d("2025-03-15"), d("2030-03-14"))
    bank_b = lender("kz-bank-b", "克州合作银行B", program, d("2025-03-16"), d("2030-03-15"))
    guarantor = registry.register_institution("kz-caixin", "克州财信融资担保有限责任公司", Institution.GUARANTOR)
    s = Story(program, fund, bank_a, bank_b, guarantor)
    b1, b2, b3 = (borrower(program, n, d("2025-04-10"), KEZHOU_FACTS) for n in (1, 2, 3))

    def file(code, bank, b, amount, issued, months):
        s.loans[code] = loans.file_loan(code=code, program=program, lender=bank, borrower=b, amount=D(amount),
                                        issue_date=d(issued), term_months=months, actor=ACTOR, guarantor=guarantor,
                                        guarantee_fee_rate=D("0.01"))

    file("L1", bank_a, b1, "1000000.00", "2025-05-10", 36)
    file("L2", bank_a, b2, "500000.00", "2025-06-15", 24)
    registry.record_income(fund, d("2025-06-21"), D("12345.67"), "interest", actor=ACTOR)
    ledger.post(fund.book, core.transfer_to_deposit(d("2025-07-01"), D("3000000.00")), idempotency_key="deposit-1",
                actor=ACTOR)
    file("L3", bank_b, b3, "800000.00", "2025-07-20", 12)
    return s


def build_kezhou_later(s: Story) -> Story:
    """What happens after 2025-07-31.

    2025-08-10 L1 repays principal 200,000.00 and interest 15,000.00 (L1 outstanding 800,000.00)
    2025-09-05 L2 reported in arrears since 2025-09-01 (unpaid interest 8,000.00)
    2025-10-05 L1 reported in arrears since 2025-10-01; 2025-10-20 L1 cured
    2025-12-10 L2 claim KZ-C1 submitted: loss base 510,000.00 (500,000 principal + 10,000 interest);
               shares 50/20/30: fund 255,000.00, lender 102,000.00, guarantor 153,000.00
    2025-12-31 management fee accrued 987.65 (8 % × 2025 income 12,345.67 = 987.6536)
    2026-01-08 compensation approved 255,000.00     2026-01-15 paid 255,000.00 (L2 released)
    2026-01-20 management fee paid 987.65
    2026-02-10 recovery 1: gross 60,000.00 − costs 10,000.00 = net 50,000.00 → fund 25,000.00, lender 10,000.00,
               guarantor 15,000.00; due 2026-02-24, remitted 2026-02-20
    2026-03-05 recovery 2: gross 20,000.00, no costs → fund 10,000.00, lender 4,000.00, guarantor 6,000.00;
               due 2026-03-19, not remitted
    2026-03-21 deposit interest 4,321.00 (cash)
    """
    fund = s.fund
    loans.repay(s.loan("L1"), on=d("2025-08-10"), principal=D("200000.00"), interest=D("15000.00"), actor=ACTOR)
    loans.report_arrears(s.loan("L2"), on=d("2025-09-05"), overdue_since=d("2025-09-01"),
                         unpaid_interest=D("8000.00"), actor=ACTOR)
    loans.report_arrears(s.loan("L1"), on=d("2025-10-05"), overdue_since=d("2025-10-01"), actor=ACTOR)
    loans.report_cure(s.loan("L1"), on=d("2025-10-20"), actor=ACTOR, key="cure:L1:2025-10-20")
    ledger.post(fund.book, core.management_fee(d("2025-12-31"), D("987.65")), idempotency_key="fee-2025", actor=ACTOR)
    claim = pay_claim(fund, s.loan("L2"), code="KZ-C1", submitted_on=d("2025-12-10"), approved_on=d("2026-01-08"),
                      paid_on=d("2026-01-15"), loss_base=D("510000.00"), fund_share=D("255000.00"),
                      lender_share=D("102000.00"), guarantor_share=D("153000.00"))
    s.claims["KZ-C1"] = claim
    ledger.post(fund.book, core.management_fee_paid(d("2026-01-20"), D("987.65")), idempotency_key="fee-2025-paid",
                actor=ACTOR)
    recover(fund, claim, received_on=d("2026-02-10"), gross=D("60000.00"), costs=D("10000.00"), to_fund=D("25000.00"),
            to_lender=D("10000.00"), to_guarantor=D("15000.00"), remit_due_on=d("2026-02-24"),
            remitted_on=d("2026-02-20"))
    recover(fund, claim, received_on=d("2026-03-05"), gross=D("20000.00"), costs=D("0.00"), to_fund=D("10000.00"),
            to_lender=D("4000.00"), to_guarantor=D("6000.00"), remit_due_on=d("2026-03-19"))
    registry.record_income(fund, d("2026-03-21"), D("4321.00"), "interest", actor=ACTOR)
    return s


@pytest.fixture
def kezhou_base(db) -> Story:
    return build_kezhou_base()


@pytest.fixture
def kezhou_story(db) -> Story:
    return build_kezhou_later(build_kezhou_base())
