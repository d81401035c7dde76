"""The demo (演示数据): the three programs with their institutions, one login per role and institution, and about a
year of activity with claims at every stage — played through the commands (the example stories, then more
filings, whitelistings and claims by the demo users themselves, four eyes included), never inserted.

Every demo login has the password :data:`PASSWORD`; the README lists them (``riskpool serve --demo``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from riskpool.accounts.principal import Principal

PASSWORD = "riskpool-demo"
STORIES = ("kezhou-default-compensated-recovered.yaml", "kunshan-tier2-compensated-recovered.yaml",
           "pingluo-rate-cap.yaml")
# (code, name, kind): the bodies the stories leave out; the lenders and guarantors come from the stories
OFFICES = (
    ("kz-bureau", "克孜勒苏柯尔克孜自治州财政局", "finance_bureau"),
    ("kz-manager", "克州风险补偿资金管理人", "fund_manager"),
    ("kz-dept", "克州工业和信息化局", "industry_department"),
    ("kz-atushi-dept", "阿图什市工业和信息化局", "industry_department"),
    ("ks-bureau", "昆山市财政局", "finance_bureau"),
    ("ks-manager", "创杰资产管理（资金管理人）", "fund_manager"),
    ("ks-dept", "昆山市科学技术局", "industry_department"),
    ("pl-bureau", "平罗县财政局", "finance_bureau"),
    ("kz-nongshang", "克州农村商业银行", "lender"),  # kz-bank's agreement ends in its story (第二十五条（二）)
    ("kz-guoyou", "克州某国有银行", "lender"),  # a clean book: it can still file (kz-nongshang's NPL ends its own)
)
SECOND_USER = ("finance_bureau", "fund_manager", "industry_department")  # four eyes need two of each

KEZHOU_FIRM = {"registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2021-03-01", "good_credit": True,
               "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
               "no_major_risk_event": True, "repayment_capacity": True, "industries": ["cotton_textile_apparel"],
               "stable_employees_6m": 25}
FIRMS = (("91653001MA7K00011P", "阿图什纺织服装有限公司"), ("91653001MA7K00022U", "克州绿色果蔬有限公司"),
         ("91653001MA7K000330", "乌恰新型建材有限公司"))
KEZHOU_CONDITIONS = {"guarantor_alerted_at_30_days": True, "overdue_notice_sent": True, "cause_investigated": True,
                     "legal_enforcement_exhausted": True, "lender_terminated_before_loan": False}
KEZHOU_DOCUMENTS = ["application", "loan_contract", "loss_statement", "recovery_measures"]


def logins() -> list[dict[str, str]]:
    """Every demo login: user name, institution code and name, role."""
    from riskpool.accounts.models import Membership

    return [{"username": m.user.username, "institution": m.institution.code, "name": m.institution.name,
             "role": m.institution.kind}
            for m in Membership.objects.select_related("user", "institution").order_by("institution__kind",
                                                                                        "user__username")]


def load(stories: Path) -> bool:
    """Load the demo into an empty database; False (and nothing done) when a demo fund is already there."""
    from riskpool.registry.models import Fund
    from riskpool.scenarios.runner import run_file

    from django.db import transaction

    if Fund.objects.filter(code="kz-fund").exists():
        return False
    with transaction.atomic():  # all or nothing
        for name in STORIES:
            result = run_file(stories / name, keep=True)
            if result.get("expectation_mismatches"):
                raise RuntimeError(f"demo story {name} did not play as expected: {result['expectation_mismatches']}")
        _institutions_and_users()
        _kezhou_year()
    return True


def _institutions_and_users() -> None:
    from django.contrib.auth.models import User

    from riskpool.accounts.admin import grant_back_office
    from riskpool.accounts.models import Membership
    from riskpool.registry import services as registry
    from riskpool.registry.models import Institution

    for code, name, kind in OFFICES:
        registry.register_institution(code, name, kind)
    for inst in Institution.objects.order_by("code"):
        names = [inst.code] + ([f"{inst.code}-2"] if inst.kind in SECOND_USER else [])
        for username in names:
            user = User.objects.create_user(username, password=PASSWORD)
            Membership.objects.create(user=user, institution=inst)
            if inst.kind == "fund_manager":  # the back office: the admin, read-only
                grant_back_office(user)


def principal(username: str) -> Principal:
    from riskpool.accounts.models import Membership

    m = Membership.objects.select_related("institution", "user").get(user__username=username)
    return Principal(username, m.institution.pk, m.institution.code, m.institution.kind)


def _kezhou_year() -> None:
    """A year in Kizilsu as its users live it: three firms whitelisted through all six steps, loans filed, one
    partly repaid, two in arrears; one claim waiting for the fund manager's first review and one at the
    government's approval (the stories add paid, recovered and refused ones)."""
    from riskpool.claims.commands import Review, SubmitClaim
    from riskpool.commands import dispatch
    from riskpool.loans.commands import CompleteNotice, FileLoan, Repay, ReportArrears
    from riskpool.registry.commands import RegisterBorrower, SignAgreement, WhitelistStepCommand

    def do(command, who: str, key: str) -> dict:
        return dispatch(command, principal=principal(who), key=f"demo:{key}")

    d = dt.date.fromisoformat
    steps = (("application", "kz-atushi-dept"), ("county_review", "kz-atushi-dept-2"), ("prefecture_review", "kz-dept"),
             ("expert_opinion", "kz-bureau"), ("bureau_confirmation", "kz-bureau-2"), ("published", "kz-bureau"))
    for i, (code, name) in enumerate(FIRMS):
        do(RegisterBorrower.build(on=d("2026-01-05"), code=code, name=name, facts=KEZHOU_FIRM), "kz-atushi-dept",
           f"borrower:{code}")
        for j, (step, who) in enumerate(steps):
            do(WhitelistStepCommand.build(on=d("2026-01-12") + dt.timedelta(days=7 * j), program="kezhou-industry",
                                          borrower=code, step=step), who, f"whitelist:{code}:{step}")
    do(SignAgreement.build(on=d("2026-02-02"), institution="kz-nongshang", program="kezhou-industry",
                           role="lender", start=d("2026-02-02"), end=d("2030-03-14")), "kz-bureau", "agreement")
    do(SignAgreement.build(on=d("2026-02-03"), institution="kz-guoyou", program="kezhou-industry",
                           role="lender", start=d("2026-02-03"), end=d("2030-03-14")), "kz-bureau", "agreement-2")
    loans = (("KZ-2026-101", FIRMS[0][0], "3000000"), ("KZ-2026-102", FIRMS[1][0], "1500000"),
             ("KZ-2026-103", FIRMS[2][0], "2500000"))
    for code, firm, amount in loans:
        do(FileLoan.build(on=d("2026-03-02"), code=code, program="kezhou-industry", lender="kz-nongshang",
                          guarantor="kz-caixin", borrower=firm, amount=Decimal(amount), issue_date=d("2026-03-02"),
                          term_months=24, guarantee_fee_rate=Decimal("0.008"),
                          guarantee_letter_date=d("2026-02-25")), "kz-nongshang", f"file:{code}")
    do(Repay.build(on=d("2026-09-01"), loan="KZ-2026-101", principal=Decimal("500000"), interest=Decimal("60000")),
       "kz-nongshang", "repay:101")
    for code, since in (("KZ-2026-102", "2026-06-02"), ("KZ-2026-103", "2026-07-02")):
        do(ReportArrears.build(on=d(since) + dt.timedelta(days=10), loan=code, overdue_since=d(since),
                               unpaid_interest=Decimal("30000")), "kz-nongshang", f"arrears:{code}")
    do(CompleteNotice.build(on=d("2026-07-01"), loan="KZ-2026-102", kind="guarantor_alert"), "kz-nongshang", "alert:102")
    # at the government's approval: submitted, reviewed by the manager and the bureau
    do(SubmitClaim.build(on=d("2026-10-20"), loan="KZ-2026-102", conditions=KEZHOU_CONDITIONS,
                         documents=KEZHOU_DOCUMENTS), "kz-nongshang", "claim:102")
    do(Review.build(on=d("2026-10-27"), claim="KZ-2026-102-C1", step="first_review", approved=True), "kz-manager",
       "review:102:1")
    do(Review.build(on=d("2026-11-10"), claim="KZ-2026-102-C1", step="bureau_review", approved=True), "kz-bureau",
       "review:102:2")
    # waiting for the fund manager's first review
    do(SubmitClaim.build(on=d("2026-11-23"), loan="KZ-2026-103", conditions=KEZHOU_CONDITIONS,
                         documents=KEZHOU_DOCUMENTS), "kz-nongshang", "claim:103")
