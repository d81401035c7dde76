"""What the regulations call immediate happens without anyone running a review (kezhou 第二十五条（一）（二）,
kunshan 第二十三条, pingluo 第十一条6): the command that moves a threshold applies the sanction in its own
transaction; a threshold crossed by the passing of time bars the next filing at once and is recorded by the
daily classification; a delisted borrower stays off the whitelist for the period the policy states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from riskpool.audit.models import HistoryEvent
from riskpool.claims import services as claims
from riskpool.loans import services as loans
from riskpool.loans.commands import LoanError
from riskpool.registry import services as registry
from riskpool.registry.commands import RegistryError
from riskpool.registry.models import Agreement

from claims.conftest import (
    KEZHOU_USCC,
    add_borrower,
    add_loan,
    arrears,
    d,
    kezhou_paid_claim,
    kezhou_world,
    kunshan_approve,
    kunshan_defaulted_loan,
    kunshan_submit,
    kunshan_world,
    pingluo_farmer,
    pingluo_world,
)

pytestmark = pytest.mark.django_db


def _agreement(world) -> Agreement:
    return Agreement.objects.get(institution=world.lender, program=world.program, role="lender")


def _npl_world():
    """Kezhou: 9,000,000 current and 1,000,000 that will be 105+ days past due (NPL 10 % > 5 %)."""
    world = kezhou_world()
    a = add_borrower(world, KEZHOU_USCC[0], "阿图什棉纺有限公司")
    b = add_borrower(world, KEZHOU_USCC[1], "乌恰绿色矿业有限公司")
    add_loan(world, "KZ-N-1", a, "9000000", issue_date=d("2025-06-02"), term_months=36)
    bad = add_loan(world, "KZ-N-2", b, "1000000", issue_date=d("2025-06-02"), term_months=24)
    return world, a, bad


def test_kezhou_article_25_2_arrears_that_cross_5_percent_terminate_at_once():
    world, firm, bad = _npl_world()
    result = loans.report_arrears(bad, on=d("2026-04-15"), overdue_since=d("2026-01-01"), actor="kz-bank")
    assert result.overdue_since == d("2026-01-01")
    a = _agreement(world)
    assert (a.status, a.status_since) == (Agreement.TERMINATED, d("2026-04-15"))
    assert "第二十五条（二）" in a.status_reason
    event = HistoryEvent.objects.get(kind="sanction.applied")
    assert (event.lender, event.article, event.data["action"]) == ("kz-bank", "第二十五条（二）", "terminate")
    with pytest.raises(LoanError, match=r"LENDER_STATUS .*terminated"):
        add_loan(world, "KZ-N-3", firm, "500000", issue_date=d("2026-05-06"), term_months=12)


def test_kezhou_article_25_2_time_alone_bars_the_next_filing_and_the_sweep_records_it():
    world, firm, bad = _npl_world()
    arrears(bad, d("2026-01-15"), d("2026-01-01"))  # 15 days past due: special mention, not NPL
    assert _agreement(world).status == Agreement.ACTIVE
    # 2026-05-06: 126 days past due, substandard; no review has run, the filing is refused all the same
    with pytest.raises(LoanError, match=r"LENDER_STATUS .*because LENDER_NPL_RATIO \[第二十五条（二）\]"):
        add_loan(world, "KZ-N-3", firm, "500000", issue_date=d("2026-05-06"), term_months=12)
    from riskpool.sweep import sweep

    report = sweep(d("2026-05-06"))
    assert "SANCTION kezhou-industry: lender kz-bank terminate" in report
    assert _agreement(world).status == Agreement.TERMINATED


def test_kunshan_article_23_compensation_above_half_of_this_years_financing_suspends_at_payment():
    world = kunshan_world()
    claim = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-1", 0)))
    paid = claims.pay(claim, on=d("2026-06-12"), actor="管理人", key="pay-KS-1")
    assert paid.paid_amount > 0
    a = _agreement(world)
    # nothing lent in 2026, so any compensation in 2026 is above 50 % of the year's financing
    assert (a.status, a.status_since) == (Agreement.SUSPENDED, d("2026-06-12"))
    assert "第二十三条" in a.status_reason
    firm = add_borrower(world, "91320583MA1X00014J", "昆山科技企业2")
    with pytest.raises(LoanError, match="LENDER_STATUS"):
        add_loan(world, "KS-2", firm, "100000", issue_date=d("2026-06-15"), term_months=12, exposure="100000")


def test_kezhou_article_25_1_a_compensated_firm_is_not_relisted_before_the_next_year():
    world = kezhou_world()
    claim = kezhou_paid_claim(world)
    program, firm = world.program, claim.loan.borrower
    assert not registry.is_whitelisted(program, firm)
    first_step = program.policy.param(program.policy.whitelist.steps, d("2026-12-01"))[0].code
    with pytest.raises(RegistryError, match=r"may not be listed again until after 2026-12-31 \(第二十五条（一）\)"):
        registry.whitelist_step(program, firm, first_step, on=d("2026-12-01"), actor="行业主管部门")
    for s in program.policy.param(program.policy.whitelist.steps, d("2027-01-04")):
        registry.whitelist_step(program, firm, s.code, on=d("2027-01-04"), actor=s.actor)
    assert registry.is_whitelisted(program, firm)


def test_pingluo_article_11_6_a_restructured_borrower_files_no_new_covered_loan():
    world = pingluo_world()
    farmer = pingluo_farmer(world, 0)
    loan = add_loan(world, "PL-1", farmer, "100000", issue_date=d("2025-11-03"), term_months=12, fee="0.002")
    loans.extend(loan, on=d("2026-10-01"), months=6, actor="pl-bank")
    assert HistoryEvent.objects.filter(kind="borrower.restructured", borrower=farmer.code).count() == 1
    with pytest.raises(LoanError, match=r"RESTRUCTURED_BORROWER \[第十一条6\]"):
        add_loan(world, "PL-2", farmer, "50000", issue_date=d("2026-10-10"), term_months=12, fee="0.002")
    # another farmer of the same lender still files
    other = pingluo_farmer(world, 1)
    assert add_loan(world, "PL-3", other, "50000", issue_date=d("2026-10-10"), term_months=12,
                    fee="0.002").amount == Decimal("50000")
