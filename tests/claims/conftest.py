"""Builders for claim tests: a fund with capital, a lender and a guarantor under agreement, whitelisted
borrowers and filed loans, all made through the registry and loan services (never by writing rows).

Every service call that takes an idempotency key gets an explicit one here, so that two similar calls in one
story (two borrowers whitelisted on the same day, two loans of the same amount) stay two calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.ledger import services as ledger
from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.programs import services as programs
from riskpool.programs.models import Program
from riskpool.registry import services as registry
from riskpool.registry.models import Borrower, Fund, Institution


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def D(text: str | int) -> Decimal:
    return Decimal(str(text))


# ----------------------------------------------------------------------------- the parties

@dataclass
class World:
    program: Program
    fund: Fund
    lender: Institution
    guarantor: Institution
    whitelisted_on: dt.date
    borrower_facts: dict
    borrowers: list[Borrower] = field(default_factory=list)

    @property
    def book(self):
        return self.fund.book

    def cash(self, on: dt.date | None = None) -> Decimal:
        return ledger.balance(self.book, "assets:cash", on)

    def balances(self) -> dict[str, Decimal]:
        return ledger.balances(self.book)


def make_world(program_code: str, *, capital: Decimal, capital_on: dt.date, agreement_start: dt.date,
               agreement_end: dt.date, whitelisted_on: dt.date, borrower_facts: dict, prefix: str) -> World:
    program = programs.get(program_code)
    fund = registry.create_fund(f"{prefix}-fund", f"{program.name} fund", [program_code], actor="finance bureau")
    registry.inject_capital(fund, capital_on, capital, actor="finance bureau", key=f"{prefix}:capital")
    lender = registry.register_institution(f"{prefix}-bank", f"{prefix} 合作银行", Institution.LENDER)
    guarantor = registry.register_institution(f"{prefix}-guarantee", f"{prefix} 担保公司", Institution.GUARANTOR)
    registry.sign_agreement(lender, program, role=Institution.LENDER, start=agreement_start, end=agreement_end,
                            actor="finance bureau")
    # a day apart: two agreements signed with the same dates would share one derived audit key (see report)
    registry.sign_agreement(guarantor, program, role=Institution.GUARANTOR,
                            start=agreement_start + dt.timedelta(days=1), end=agreement_end, actor="finance bureau")
    return World(program, fund, lender, guarantor, whitelisted_on, borrower_facts)


def add_borrower(world: World, code: str, name: str, *, kind: str = "enterprise", facts: dict | None = None) -> Borrower:
    borrower = registry.register_borrower(code, name, kind=kind, facts={**world.borrower_facts, **(facts or {})})
    policy = world.program.policy
    for step in policy.param(policy.whitelist.steps, world.whitelisted_on):
        registry.whitelist_step(world.program, borrower, step.code, on=world.whitelisted_on, actor=step.actor,
                                key=f"wl:{world.program.code}:{code}:{step.code}")
    assert registry.is_whitelisted(world.program, borrower)
    world.borrowers.append(borrower)
    return borrower


def add_loan(world: World, code: str, borrower: Borrower, amount: Decimal | str, *, issue_date: dt.date,
             term_months: int, fee: str = "0.008", exposure: Decimal | str | None = None,
             with_guarantor: bool = True) -> Loan:
    return loans.file_loan(code=code, program=world.program, lender=world.lender, borrower=borrower, amount=D(amount),
                           issue_date=issue_date, term_months=term_months, actor=world.lender.code,
                           guarantor=world.guarantor if with_guarantor else None, guarantee_fee_rate=D(fee),
                           exposure=None if exposure is None else D(exposure), key=f"file:{code}")


def repay(loan: Loan, on: dt.date, principal: str | int, interest: str | int = 0) -> Loan:
    return loans.repay(loan, on=on, principal=D(principal), interest=D(interest), actor="bank",
                       key=f"repay:{loan.code}:{on}")


def arrears(loan: Loan, on: dt.date, since: dt.date, unpaid_interest: str | int = 0) -> Loan:
    return loans.report_arrears(loan, on=on, overdue_since=since, unpaid_interest=D(unpaid_interest), actor="bank",
                                key=f"arrears:{loan.code}:{on}")


def fresh(obj):
    obj.refresh_from_db()
    return obj


# ----------------------------------------------------------------------------- the three programs

KEZHOU_FIRM = {
    "registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
    "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True, "no_major_risk_event": True,
    "repayment_capacity": True, "industries": ["cotton_textile_apparel"], "stable_employees_6m": 40,
}
KEZHOU_CONDITIONS = {"guarantor_alerted_at_30_days": True, "overdue_notice_sent": True, "cause_investigated": True,
                     "legal_enforcement_exhausted": True, "lender_terminated_before_loan": False}
KEZHOU_DOCUMENTS = ["application", "loan_contract", "loss_statement", "recovery_measures"]

KUNSHAN_FIRM = {"registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]}
KUNSHAN_CONDITIONS = {"court_case_filed": True, "filed_in_pool_system": True, "lender_operational_failure": False,
                      "arrears_elsewhere_at_approval": False, "data_inconsistent": False,
                      "collection_not_timely": False, "registration_moved_out": False,
                      "not_issued_per_agreement": False, "joint_meeting_refusal": False}
KUNSHAN_DOCUMENTS = ["application", "court_filing_notice", "investigation_report"]

# The whitelist step asks the admission rule, whose age limit (第十一条4) looks at the planned maturity.
PINGLUO_FARMER = {"birth_date": "1970-05-20", "local_household": True, "current_arrears": False,
                  "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
                  "criminal_case": False, "restructurings": [], "maturity_date": "2029-12-31"}
PINGLUO_CONDITIONS = {"lender_collected": True, "collateral_disposed": True, "unable_to_repay_confirmed": True,
                      "borrower_restructured": False}
PINGLUO_DOCUMENTS = ["application"]

KEZHOU_USCC = ["91653001MA7K00011P", "91653001MA7K00022U", "91653001MA7K000330", "91653001MA7K000444"]
KUNSHAN_USCC = ["91320583MA1X00007T", "91320583MA1X00014J", "91320583MA1X00021A", "91320583MA1X000280"]
PINGLUO_IDS = ["640221197005201236", "64022119750312101X", "640221198001012029", "640221198506153038"]


def kezhou_world(capital: str = "100000000", prefix: str = "kz") -> World:
    return make_world("kezhou-industry", capital=D(capital), capital_on=d("2025-04-01"),
                      agreement_start=d("2025-04-01"), agreement_end=d("2030-03-31"),
                      whitelisted_on=d("2025-05-12"), borrower_facts=KEZHOU_FIRM, prefix=prefix)


def kunshan_world(capital: str = "20000000", prefix: str = "ks") -> World:
    return make_world("kunshan-kunyurong", capital=D(capital), capital_on=d("2025-01-02"),
                      agreement_start=d("2025-01-02"), agreement_end=d("2026-12-31"),
                      whitelisted_on=d("2025-02-10"), borrower_facts=KUNSHAN_FIRM, prefix=prefix)


def pingluo_world(capital: str = "1000000", prefix: str = "pl") -> World:
    return make_world("pingluo-puhui-yidai", capital=D(capital), capital_on=d("2025-10-23"),
                      agreement_start=d("2025-10-23"), agreement_end=d("2030-10-23"),
                      whitelisted_on=d("2025-10-27"), borrower_facts=PINGLUO_FARMER, prefix=prefix)


def pingluo_farmer(world: World, i: int) -> Borrower:
    return add_borrower(world, PINGLUO_IDS[i], f"平罗农户{i + 1}", kind="farmer")


# ----------------------------------------------------------------------------- stories used by several tests

def kezhou_defaulted_loan(world: World, code: str = "KZ-2025-001", borrower_index: int = 0) -> Loan:
    """2,000,000 lent 2025-06-02, 500,000 repaid, in arrears since 2026-03-01 with 45,000 interest unpaid."""
    firm = add_borrower(world, KEZHOU_USCC[borrower_index], f"阿图什棉纺有限公司{borrower_index + 1}")
    loan = add_loan(world, code, firm, "2000000", issue_date=d("2025-06-02"), term_months=36)
    repay(loan, d("2025-12-01"), "500000", "40000")
    return arrears(loan, d("2026-03-10"), d("2026-03-01"), "45000")


def kezhou_submit(loan: Loan, on: dt.date = d("2026-09-29"), **kw) -> Claim:
    """The claim with 200,000 set off and recovered before it (第十三条（三）（四))."""
    args = {"conditions": KEZHOU_CONDITIONS, "documents": KEZHOU_DOCUMENTS, "recoveries": D("200000")}
    return claims.submit_claim(loan, on=on, actor="kz-bank", key=f"submit:{loan.code}", **{**args, **kw})


KEZHOU_REVIEWS = [("first_review", "2026-10-12", "资金管理人"), ("bureau_review", "2026-10-26", "自治州财政局"),
                  ("government_approval", "2026-11-05", "自治州人民政府"),
                  ("compensation_notice", "2026-11-09", "自治州财政局")]


def kezhou_paid_claim(world: World) -> Claim:
    """The kezhou story to payment on 2026-11-16: 672,500 paid (50 % of 1,345,000)."""
    claim = kezhou_submit(kezhou_defaulted_loan(world))
    for step, on, actor in KEZHOU_REVIEWS:
        claim = claims.review(claim, step=step, on=d(on), approved=True, actor=actor, key=f"{claim.code}:{step}")
    return claims.pay(claim, on=d("2026-11-16"), actor="资金管理人", key=f"{claim.code}:pay")


def kunshan_defaulted_loan(world: World, code: str, borrower_index: int, amount: str = "2000000",
                           repaid: str = "500000", exposure: str | None = None) -> Loan:
    firm = add_borrower(world, KUNSHAN_USCC[borrower_index], f"昆山科技企业{borrower_index + 1}")
    loan = add_loan(world, code, firm, amount, issue_date=d("2025-03-03"), term_months=24, exposure=exposure)
    if D(repaid):
        repay(loan, d("2025-09-01"), repaid)
    return arrears(loan, d("2026-02-05"), d("2026-02-01"))


def kunshan_submit(loan: Loan, on: dt.date = d("2026-06-01"), **conditions) -> Claim:
    return claims.submit_claim(loan, on=on, conditions={**KUNSHAN_CONDITIONS, **conditions},
                               documents=KUNSHAN_DOCUMENTS, actor="ks-bank", key=f"submit:{loan.code}:{on}")


def kunshan_approve(claim: Claim, on: dt.date = d("2026-06-10")) -> Claim:
    return claims.review(claim, step="manager_review", on=on, approved=True, actor="管理人",
                         key=f"{claim.code}:manager_review")


def pingluo_approve(claim: Claim, guarantor_on: dt.date, county_on: dt.date) -> Claim:
    claim = claims.review(claim, step="guarantor_review", on=guarantor_on, approved=True, actor="担保机构",
                          key=f"{claim.code}:guarantor_review")
    return claims.review(claim, step="county_review", on=county_on, approved=True, actor="平罗县财政局",
                         key=f"{claim.code}:county_review")


def pingluo_submit(loan: Loan, on: dt.date) -> Claim:
    return claims.submit_claim(loan, on=on, conditions=PINGLUO_CONDITIONS, documents=PINGLUO_DOCUMENTS,
                               actor="pl-bank", key=f"submit:{loan.code}")


def pingluo_history(world: World) -> tuple[Loan, Loan]:
    """A lender with 10,000,000 of released guarantees (two 5,000,000 loans repaid in full) and two bad loans:
    P3 (100,000, nothing repaid) and P4 (1,000,000, 250,000 repaid)."""
    a, b = pingluo_farmer(world, 0), pingluo_farmer(world, 1)
    p1 = add_loan(world, "PL-P1", a, "5000000", issue_date=d("2025-11-03"), term_months=12, fee="0.002")
    p2 = add_loan(world, "PL-P2", b, "5000000", issue_date=d("2025-11-03"), term_months=12, fee="0.002")
    p3 = add_loan(world, "PL-P3", a, "100000", issue_date=d("2025-12-01"), term_months=12, fee="0.002")
    p4 = add_loan(world, "PL-P4", b, "1000000", issue_date=d("2025-12-01"), term_months=12, fee="0.002")
    repay(p1, d("2026-03-02"), "5000000", "60000")
    repay(p2, d("2026-04-01"), "5000000", "70000")
    repay(p4, d("2026-03-02"), "250000")
    arrears(p3, d("2026-03-10"), d("2026-03-01"))
    arrears(p4, d("2026-04-10"), d("2026-04-01"))
    return fresh(p3), fresh(p4)
