"""lender_performance(program, on): per lender the NPL ratio (kezhou 第二十五条（二）: > 5 % terminates), this
year's compensation ÷ financing (kunshan 第二十三条: > 50 % suspends the lender; program-wide > 50 % suspends
all), the compensation rate (担保代偿率), agreement status and the rule's verdict."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from riskpool.loans import services as loans
from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Institution
from riskpool.reports import ReportError
from riskpool.reports.services import lender_performance

from .conftest import ACTOR, KEZHOU_FACTS, KUNSHAN_FACTS, KUNSHAN_FORM, borrower, d, lender, pay_claim


@pytest.fixture
def kezhou_npl(db):
    """Kezhou fund of 10,000,000.00; six loans issued 2025-06-01 (36 months), none repaid.

    bank A: A1 1,000,000.00; A2 804,000.00 (past due since 2026-06-01); A3 96,000.00 (past due since 2026-03-01)
    bank B: B1 1,000,000.00; B2 900,000.00;                              B3 100,000.00 (past due since 2026-03-01)
    """
    program = programs.get("kezhou-industry")
    fund = registry.create_fund("kz-npl", "克州产业发展风险补偿资金", ["kezhou-industry"], actor=ACTOR)
    registry.inject_capital(fund, d("2025-04-01"), D("10000000.00"), actor=ACTOR)
    a = lender("kz-bank-a", "克州合作银行A", program, d("2025-03-15"), d("2030-03-14"))
    b = lender("kz-bank-b", "克州合作银行B", program, d("2025-03-16"), d("2030-03-15"))
    guarantor = registry.register_institution("kz-caixin", "克州财信融资担保有限责任公司", Institution.GUARANTOR)
    made = {}
    for n, (code, bank, amount) in enumerate([("A1", a, "1000000.00"), ("A2", a, "804000.00"), ("A3", a, "96000.00"),
                                              ("B1", b, "1000000.00"), ("B2", b, "900000.00"),
                                              ("B3", b, "100000.00")], start=11):
        made[code] = loans.file_loan(code=code, program=program, lender=bank,
                                     borrower=borrower(program, n, d("2025-04-10"), KEZHOU_FACTS), amount=D(amount),
                                     issue_date=d("2025-06-01"), term_months=36, actor=ACTOR, guarantor=guarantor,
                                     guarantee_fee_rate=D("0.01"))
    # A2's arrears are reported late, on 2026-07-01 (they count from 2026-06-01 all the same): reporting arrears
    # applies the sanctions at once, and on 2026-06-05 bank A's NPL ratio (A3 substandard since 05-30) would
    # already terminate it — the agreement-status test below terminates it on 07-01 itself
    for code, since, reported in [("A3", "2026-03-01", "2026-03-05"), ("B3", "2026-03-01", "2026-03-05"),
                                  ("A2", "2026-06-01", "2026-07-01")]:
        # explicit keys: A3's and B3's reports are identical but for the loan
        loans.report_arrears(made[code], on=d(reported), overdue_since=d(since), actor=ACTOR, key=f"arrears:{code}")
    return SimpleNamespace(program=program, fund=fund, a=a, b=b)


def test_kezhou_npl_ratio_just_above_5_percent_terminates(kezhou_npl):
    report = lender_performance(kezhou_npl.program, d("2026-06-30"))
    a, b = report.lenders
    # bank A: outstanding 1,000,000 + 804,000 + 96,000 = 1,900,000.00
    #   A3 past due 2026-03-01 → 06-30: 121 + 1 = 122 days, substandard: non-performing 96,000.00
    #   A2 past due 2026-06-01 → 30 days, special mention: performing
    #   NPL ratio 96,000 / 1,900,000 = 0.0505263… → 0.050526 > 5 % → terminate (第二十五条（二）)
    assert (a.lender, a.loans, a.outstanding, a.npl_outstanding) == ("kz-bank-a", 3, D("1900000.00"), D("96000.00"))
    assert a.npl_ratio == D("0.050526")
    assert a.verdict.outcome == "refused" and a.verdict.details["action"] == "terminate"
    (reason,) = a.verdict.reasons
    assert (reason.code, reason.article, reason.blocking) == ("LENDER_NPL_RATIO", "第二十五条（二）", True)
    # bank B: 100,000 / 2,000,000 = exactly 5 %: "> 5%" is not met, the cooperation goes on
    assert (b.outstanding, b.npl_outstanding, b.npl_ratio) == (D("2000000.00"), D("100000.00"), D("0.050000"))
    assert b.verdict.outcome == "approved" and b.verdict.details["action"] is None
    # kezhou sets no program-wide compensation ratio
    assert report.program_verdict.outcome == "approved" and report.program_verdict.reasons == ()


def test_npl_follows_days_past_due_on_the_date(kezhou_npl):
    # A3 past due since 2026-03-01: 90 days on 05-29 (special mention), 91 days on 05-30 (substandard)
    a = lender_performance(kezhou_npl.program, d("2026-05-29")).lenders[0]
    assert (a.npl_outstanding, a.npl_ratio, a.verdict.outcome) == (D("0.00"), D("0.000000"), "approved")
    a = lender_performance(kezhou_npl.program, d("2026-05-30")).lenders[0]
    assert (a.npl_outstanding, a.verdict.details["action"]) == (D("96000.00"), "terminate")


def test_agreement_status_as_at_the_date(kezhou_npl):
    agreement = registry.agreement(kezhou_npl.a, kezhou_npl.program)
    registry.set_agreement_status(agreement, "terminated", on=d("2026-07-01"), reason="NPL 5.05 %",
                                  article="第二十五条（二）", actor=ACTOR)
    assert lender_performance(kezhou_npl.program, d("2026-06-30")).lenders[0].agreement_status == "active"
    assert lender_performance(kezhou_npl.program, d("2026-07-01")).lenders[0].agreement_status == "terminated"
    # bank B's agreement runs from 2025-03-16
    assert lender_performance(kezhou_npl.program, d("2025-03-15")).lenders[1].agreement_status == "not_started"
    with pytest.raises(ReportError, match="not in force"):  # kezhou starts on 2025-03-15
        lender_performance(kezhou_npl.program, d("2025-03-14"))


@pytest.fixture
def kunshan(db):
    """Kunshan pool of 10,000,000.00 (2024-02-01); borrowers listed 2024-03-01.

    lender A: K1 2,000,000.00 issued 2025-03-01 (12 months), repaid 800,000.00 on 2025-09-01, past due
              2026-03-02; claim paid 2026-04-10: loss 1,200,000.00, fund 600,000.00
              K2 1,000,000.00 issued 2026-02-01
    lender B: K3 1,000,000.00 issued 2026-05-01
    """
    program = programs.get("kunshan-kunyurong")
    fund = registry.create_fund("ks-pool", "昆山市综合风险池", ["kunshan-kunyurong"], actor=ACTOR)
    registry.inject_capital(fund, d("2024-02-01"), D("10000000.00"), actor=ACTOR)
    a = lender("ks-lease-a", "昆山国有融资租赁A", program, d("2024-01-01"), d("2026-12-31"))
    b = lender("ks-bank-b", "昆山合作银行B", program, d("2024-01-02"), d("2026-12-31"))

    def file(code, inst, n, amount, issued):
        return loans.file_loan(code=code, program=program, lender=inst,
                               borrower=borrower(program, n, d("2024-03-01"), KUNSHAN_FACTS, KUNSHAN_FORM),
                               amount=D(amount), issue_date=d(issued), term_months=12, actor=ACTOR)

    k1 = file("K1", a, 21, "2000000.00", "2025-03-01")
    loans.repay(k1, on=d("2025-09-01"), principal=D("800000.00"), actor=ACTOR)
    loans.report_arrears(k1, on=d("2026-03-05"), overdue_since=d("2026-03-02"), actor=ACTOR)
    file("K2", a, 22, "1000000.00", "2026-02-01")
    pay_claim(fund, k1, code="KS-C1", submitted_on=d("2026-03-20"), approved_on=d("2026-04-03"),
              paid_on=d("2026-04-10"), loss_base=D("1200000.00"), fund_share=D("600000.00"),
              lender_share=D("600000.00"))
    file("K3", b, 23, "1000000.00", "2026-05-01")
    return SimpleNamespace(program=program, fund=fund, a=a, b=b)


def test_kunshan_lender_compensation_ratio_above_50_percent_suspends(kunshan):
    report = lender_performance(kunshan.program, d("2026-06-30"))
    a, b = sorted(report.lenders, key=lambda line: line.lender != "ks-lease-a")
    # lender A in 2026: compensation 600,000.00 ÷ financing 1,000,000.00 (K2) = 60 % > 50 % → suspend (第二十三条)
    assert (a.year_compensation, a.year_financing, a.year_compensation_ratio) == (
        D("600000.00"), D("1000000.00"), D("0.600000"))
    assert a.verdict.outcome == "refused" and a.verdict.details["action"] == "suspend"
    (reason,) = a.verdict.reasons
    assert (reason.code, reason.article) == ("LENDER_COMPENSATION_RATIO", "第二十三条")
    # compensation rate (担保代偿率): 600,000.00 ÷ released guarantees 2,000,000.00 (K1, released by its claim)
    assert (a.cumulative_compensation, a.cumulative_released, a.compensation_rate) == (
        D("600000.00"), D("2000000.00"), D("0.300000"))
    # K1 left the pool on 2026-04-10; K2 remains
    assert (a.loans, a.outstanding) == (1, D("1000000.00"))
    # lender B: nothing compensated
    assert (b.year_compensation, b.year_financing, b.verdict.outcome) == (D("0.00"), D("1000000.00"), "approved")
    # program-wide: 600,000 ÷ 2,000,000 = 30 %: no general suspension
    assert report.year_compensation_ratio == D("0.300000")
    assert report.program_verdict.outcome == "approved"


def test_kunshan_program_wide_ratio_above_50_percent_suspends_all(kunshan):
    report = lender_performance(kunshan.program, d("2026-04-30"))
    # before K3 (2026-05-01) the year's financing is K2 alone: 600,000 ÷ 1,000,000 = 60 % program-wide
    assert (report.year_compensation, report.year_financing) == (D("600000.00"), D("1000000.00"))
    assert report.program_verdict.outcome == "refused"
    assert report.program_verdict.details["action"] == "suspend"
    assert report.program_verdict.reasons[0].code == "PROGRAM_COMPENSATION_RATIO"
    # lender B has financed nothing yet this year: no ratio to speak of
    b = next(line for line in report.lenders if line.lender == "ks-bank-b")
    assert b.year_compensation_ratio is None and b.verdict.outcome == "approved"
