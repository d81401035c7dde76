"""The lender and fund figures have one definition and two ways of reading it (riskpool.figures.lenders /
.funds): the running totals when nothing is dated after the date, the history otherwise. On a book built through
the services — repayments, a release by full repayment, arrears and a cure, claims paid in instalments across a
year end (limited liability), approved-but-unpaid compensation, two lenders — both give identical figures after
every step, and the history alone gives the past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from riskpool.claims import services as claims
from riskpool.figures import funds as fund_figs
from riskpool.figures import lenders as lender_figs
from riskpool.loans import services as loans
from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

pytestmark = pytest.mark.django_db

BUREAU = "finance bureau"
FIRM = {"registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]}
USCC = ["91320583MA1X00007T", "91320583MA1X00014J", "91320583MA1X00021A", "91320583MA1X000280"]
CONDITIONS = {"court_case_filed": True, "filed_in_pool_system": True, "lender_operational_failure": False,
              "arrears_elsewhere_at_approval": False, "data_inconsistent": False, "collection_not_timely": False,
              "registration_moved_out": False, "not_issued_per_agreement": False, "joint_meeting_refusal": False}
DOCUMENTS = ["application", "court_filing_notice", "investigation_report"]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def D(text: str) -> Decimal:
    return Decimal(text)


class Book:
    def __init__(self):
        self.program = programs.get("kunshan-kunyurong")
        self.fund = registry.create_fund("ks-pool", "昆山市综合风险池", [self.program.code], actor=BUREAU,
                                         on=d("2025-01-02"))
        registry.inject_capital(self.fund, d("2025-01-02"), D("1000000"), actor=BUREAU, key="capital")
        self.a = self.lender("ks-bank-a", d("2025-01-02"))
        self.b = self.lender("ks-bank-b", d("2025-01-03"))
        self.guarantor = registry.register_institution("ks-guarantee", "担保公司", Institution.GUARANTOR)
        registry.sign_agreement(self.guarantor, self.program, role=Institution.GUARANTOR, start=d("2025-01-04"),
                                end=d("2027-12-31"), actor=BUREAU)
        self.checked: list[dt.date] = []

    def lender(self, code: str, start: dt.date) -> Institution:
        inst = registry.register_institution(code, f"{code} 合作银行", Institution.LENDER)
        registry.sign_agreement(inst, self.program, role=Institution.LENDER, start=start, end=d("2027-12-31"),
                                actor=BUREAU)
        return inst

    def loan(self, code: str, lender: Institution, n: int, amount: str, issued: str, months: int = 24):
        firm = registry.register_borrower(USCC[n], f"昆山企业{n}", facts=dict(FIRM))
        policy = self.program.policy
        for step in policy.param(policy.whitelist.steps, d("2025-02-10")):
            registry.whitelist_step(self.program, firm, step.code, on=d("2025-02-10"), actor=step.actor,
                                    key=f"wl:{firm.code}:{step.code}")
        return loans.file_loan(code=code, program=self.program, lender=lender, borrower=firm, amount=D(amount),
                               issue_date=d(issued), term_months=months, actor=lender.code, guarantor=self.guarantor,
                               guarantee_fee_rate=D("0.008"), key=f"file:{code}")

    def agree(self, on: str) -> None:
        """Fast and history give the same figures on ``on``, the latest date of the book (and later)."""
        on = d(on)
        assert lender_figs.latest_date(self.program) <= on
        assert fund_figs.latest_date(self.fund) <= on
        fast = lender_figs.lenders_figures(self.program, on, source="totals")
        slow = lender_figs.lenders_figures(self.program, on, source="history")
        assert fast == slow, on
        assert lender_figs.lenders_figures(self.program, on) == fast  # auto takes the fast path here
        assert fund_figs.fund_figures(self.fund, on, source="totals") == fund_figs.fund_figures(
            self.fund, on, source="history"), on
        self.checked.append(on)


def test_fast_and_history_paths_give_identical_figures():
    book = Book()
    book.agree("2025-02-10")
    ka = book.loan("KS-A", book.a, 0, "1000000", "2025-03-03")
    kb = book.loan("KS-B", book.a, 1, "1000000", "2025-03-03")
    kc = book.loan("KS-C", book.b, 2, "600000", "2025-04-01", months=12)
    book.agree("2025-04-01")
    loans.repay(kc, on=d("2025-10-01"), principal=D("600000"), interest=D("20000"), actor="bank", key="repay:C")
    book.agree("2025-10-01")
    for loan in (ka, kb):
        loans.report_arrears(loan, on=d("2026-02-05"), overdue_since=d("2026-02-01"), actor="bank",
                             key=f"arrears:{loan.code}")
    book.agree("2026-02-05")
    kd = book.loan("KS-D", book.b, 3, "500000", "2026-03-02")
    loans.report_arrears(kd, on=d("2026-05-05"), overdue_since=d("2026-05-01"), actor="bank", key="arrears:D")
    book.agree("2026-05-05")
    book.agree("2026-05-31")  # KS-A and KS-B 120 days past due: non-performing
    loans.repay(kd, on=d("2026-06-01"), principal=D("100000"), actor="bank", key="repay:D")
    loans.report_cure(kd, on=d("2026-06-01"), actor="bank", key="cure:D")
    book.agree("2026-06-01")

    # two claims approved on a fund of 1,000,000: 700,000 each (70 %), the second paid in instalments
    submitted = [claims.submit_claim(loan, on=d("2026-06-01"), conditions=CONDITIONS, documents=DOCUMENTS,
                                     actor="bank", key=f"submit:{loan.code}") for loan in (ka, kb)]
    ca, cb = (claims.review(c, step="manager_review", on=d("2026-06-10"), approved=True, actor="管理人",
                            key=f"{c.code}:review") for c in submitted)
    book.agree("2026-06-10")
    f = lender_figs.lender_figures(book.program, book.a, d("2026-06-10"))
    assert f.approved_unpaid == D("1400000.00") and f.compensated_total == 0
    claims.pay(ca, on=d("2026-06-12"), actor="管理人", key="pay:A")
    cb = claims.pay(cb, on=d("2026-06-12"), actor="管理人", key="pay:B:1")
    assert (cb.paid_amount, cb.next_step) == (D("300000.00"), "payment")
    book.agree("2026-06-12")
    book.agree("2026-12-31")
    # the rest of KS-B's claim is paid the next year, in two instalments as capital comes in
    registry.inject_capital(book.fund, d("2027-01-05"), D("250000"), actor=BUREAU, key="capital-2")
    claims.pay(cb, on=d("2027-01-06"), actor="管理人", key="pay:B:2")
    book.agree("2027-01-06")
    registry.inject_capital(book.fund, d("2027-02-01"), D("200000"), actor=BUREAU, key="capital-3")
    claims.pay(cb, on=d("2027-02-02"), actor="管理人", key="pay:B:3")
    book.agree("2027-02-02")
    book.agree("2028-01-15")  # a new year: nothing financed or compensated in it yet

    a = lender_figs.lender_figures(book.program, book.a, d("2027-02-02"))
    # this year's compensation to A: the 2027 instalments of a claim first paid in 2026 (250,000 + 150,000)
    assert (a.compensation_this_year, a.compensated_total, a.approved_unpaid) == (
        D("400000.00"), D("1400000.00"), D("0.00"))
    assert (a.released_total, a.compensation_rate) == (D("2000000.00"), D("0.7"))
    b = lender_figs.lender_figures(book.program, book.b, d("2026-12-31"))
    assert (b.outstanding, b.financing_this_year, b.released_total) == (
        D("400000.00"), D("500000.00"), D("600000.00"))

    # the past, from the history only (the running totals hold today's figures)
    past = lender_figs.lender_figures(book.program, book.a, d("2026-12-31"))
    assert (past.compensation_this_year, past.compensated_total, past.approved_unpaid) == (
        D("1000000.00"), D("1000000.00"), D("400000.00"))
    before = lender_figs.lender_figures(book.program, book.a, d("2026-05-31"))
    assert (before.outstanding, before.npl_outstanding, before.npl_ratio) == (
        D("2000000.00"), D("2000000.00"), D("1"))
    fund = fund_figs.fund_figures(book.fund, d("2026-06-12"))
    # cash spent; 400,000 of KS-B's claim approved and unpaid; KS-D (500,000 − 100,000) the only loan covered
    assert (fund.held, fund.approved_unpaid, fund.covered_outstanding) == (D("0.00"), D("400000.00"),
                                                                          D("400000.00"))
    # the compensation-rate cap's history for a new claim of bank A, on 2026-06-11: 1,400,000 approved, none paid
    assert lender_figs.rate_cap_history(book.program, book.a, d("2026-06-11"), claim=cb, loan=kb) == (
        D("700000.00"), D("0.00"))
