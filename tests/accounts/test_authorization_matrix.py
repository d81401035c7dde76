"""Every command × every role × another institution's records: only the role the policy (or the table in
riskpool.accounts.authorize) names may run it, a lender or guarantor only on its own business — another
institution's record is answered as not found — and four eyes hold (the user of a review step is neither the
submitter nor the one who prepared the step before)."""

from __future__ import annotations

import pytest

from riskpool.accounts.authorize import RULES, NotAllowed, NotFound, authorize
from riskpool.accounts.principal import Principal
from riskpool.claims.commands import Pay, Review, SubmitClaim, Supplement, RecordRecovery, RemitRecovery, WriteOffClaim
from riskpool.commands import dispatch
from riskpool.commands.dispatcher import IdempotencyConflict
from riskpool.loans.batch import FileLoans
from riskpool.loans.commands import CompleteNotice, Extend, FileLoan, Repay, ReportArrears, ReportCure
from riskpool.programs.services import InstallProgram
from riskpool.registry import commands as rc
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

from claims.conftest import KEZHOU_USCC, D, d, kezhou_defaulted_loan, kezhou_submit, kezhou_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = kezhou_world()
    loan = kezhou_defaulted_loan(w)
    claim = kezhou_submit(loan)
    people = {}
    for code, kind in (("kz-bureau", "finance_bureau"), ("kz-manager", "fund_manager"),
                       ("kz-dept", "industry_department"), ("other-bank", "lender"), ("other-guarantee", "guarantor")):
        registry.register_institution(code, code, kind)
    for code in ("kz-bureau", "kz-manager", "kz-dept", "kz-bank", "kz-guarantee", "other-bank", "other-guarantee"):
        inst = Institution.objects.get(code=code)
        people[code] = Principal(f"{code}-user", inst.pk, inst.code, inst.kind)
    return w, loan, claim, people


def commands(loan, claim):
    """One representative command per action (built, not run)."""
    on = d("2026-10-12")
    return {
        "programs.install": InstallProgram.build(on=on, text="x", source="x"),
        "registry.create_fund": rc.CreateFund.build(on=on, code="f2", name="f2", programs=["kezhou-industry"]),
        "registry.inject_capital": rc.InjectCapital.build(on=on, fund="kz-fund", amount=D(1)),
        "registry.register_institution": rc.RegisterInstitution.build(on=on, code="x", name="x", kind="lender"),
        "registry.sign_agreement": None, "registry.set_agreement_status": None, "registry.blacklist": None,
        "registry.remove_from_whitelist": None,
        "registry.record_income": rc.RecordIncome.build(on=on, fund="kz-fund", amount=D(1), kind="interest"),
        "registry.accrue_management_fee": rc.AccrueManagementFee.build(on=on, fund="kz-fund", year=2026),
        "registry.register_borrower": None,
        "registry.whitelist_step": rc.WhitelistStepCommand.build(on=on, program="kezhou-industry",
                                                                 borrower=KEZHOU_USCC[1], step="application"),
        "loans.file_loan": FileLoan.build(on=on, code="N1", program="kezhou-industry", lender="kz-bank",
                                          borrower=KEZHOU_USCC[0], amount=D(1000), issue_date=on, term_months=12),
        "loans.file_loans": FileLoans.build(on=on, loans=[FileLoan.build(
            on=on, code=f"N{i}", program="kezhou-industry", lender="kz-bank", borrower=KEZHOU_USCC[0],
            amount=D(1000), issue_date=on, term_months=12) for i in (2, 3)]),
        "loans.repay": Repay.build(on=on, loan=loan.code, principal=D(1)),
        "loans.extend": Extend.build(on=on, loan=loan.code, months=3),
        "loans.report_arrears": ReportArrears.build(on=on, loan=loan.code, overdue_since=on),
        "loans.report_cure": ReportCure.build(on=on, loan=loan.code),
        "loans.complete_notice": CompleteNotice.build(on=on, loan=loan.code, kind="repayment_notice"),
        "claims.submit_claim": SubmitClaim.build(on=on, loan=loan.code),
        "claims.supplement": Supplement.build(on=on, claim=claim.code),
        "claims.review": Review.build(on=on, claim=claim.code, step="first_review", approved=True),
        "claims.pay": Pay.build(on=on, claim=claim.code),
        "claims.record_recovery": RecordRecovery.build(on=on, claim=claim.code, gross=D(1)),
        "claims.remit_recovery": RemitRecovery.build(on=on, claim=claim.code, recovery=1),
        "claims.write_off": WriteOffClaim.build(on=on, claim=claim.code, evidence="court_ruling", evidence_ref="x"),
    }


# who may run each action on kz-bank's loan and claim (the first review is the fund manager's, 第十四条;
# payment is the fund manager's, 第十六条; the whitelist application is recorded by the industry department)
ALLOWED = {
    "programs.install": {"kz-bureau"}, "registry.create_fund": {"kz-bureau"}, "registry.inject_capital": {"kz-bureau"},
    "registry.register_institution": {"kz-bureau"}, "registry.record_income": {"kz-manager"},
    "registry.accrue_management_fee": {"kz-manager"}, "registry.whitelist_step": {"kz-dept"},
    "loans.file_loan": {"kz-bank"}, "loans.file_loans": {"kz-bank"}, "loans.repay": {"kz-bank"}, "loans.extend": {"kz-bank"},
    "loans.report_arrears": {"kz-bank"}, "loans.report_cure": {"kz-bank"}, "loans.complete_notice": {"kz-bank"},
    "claims.submit_claim": {"kz-bank"}, "claims.supplement": {"kz-bank"}, "claims.review": {"kz-manager"},
    "claims.pay": {"kz-manager"}, "claims.record_recovery": {"kz-bank"}, "claims.remit_recovery": {"kz-bank"},
    "claims.write_off": {"kz-manager"},
}


def test_every_rule_is_walked():
    assert set(RULES) - {"registry.sign_agreement", "registry.set_agreement_status", "registry.blacklist",
                         "registry.remove_from_whitelist", "registry.register_borrower"} == set(ALLOWED)


def test_every_command_for_every_role_and_institution(world):
    _w, loan, claim, people = world
    for action, command in commands(loan, claim).items():
        if command is None:
            continue
        for who, principal in people.items():
            allowed = who in ALLOWED[action]
            try:
                authorize(command, principal)
                outcome = "allowed"
            except NotAllowed:
                outcome = "refused"
            except NotFound:
                outcome = "not found"
            assert (outcome == "allowed") == allowed, f"{action} by {who}: {outcome}"
            if who == "other-bank" and action.startswith(("loans.", "claims.")) \
                    and action not in ("loans.file_loan", "loans.file_loans", "claims.review", "claims.pay",
                                       "claims.write_off"):  # new loans are no record to hide: refused
                assert outcome == "not found", f"{action} by another lender must not learn the record exists"


def test_a_lender_cannot_touch_another_lenders_loan_through_the_dispatcher(world):
    _w, loan, _claim, people = world
    with pytest.raises(NotFound):
        dispatch(Repay.build(on=d("2026-04-01"), loan=loan.code, principal=D(1000)), principal=people["other-bank"])
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("1500000")  # nothing written
    dispatch(Repay.build(on=d("2026-04-01"), loan=loan.code, principal=D(1000)), principal=people["kz-bank"])
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("1499000")


def test_four_eyes_one_user_cannot_prepare_and_approve_the_next_step(world):
    """kezhou 第十四条: the bureau's review, the government's approval (recorded by the bureau) and the notice
    (第十六条) are three steps of one role: consecutive ones need two users."""
    _w, _loan, claim, people = world
    manager, bureau = people["kz-manager"], people["kz-bureau"]
    bureau2 = Principal("kz-bureau-user-2", bureau.institution_id, bureau.institution, bureau.role)
    dispatch(Review.build(on=d("2026-10-12"), claim=claim.code, step="first_review", approved=True), principal=manager)
    dispatch(Review.build(on=d("2026-10-26"), claim=claim.code, step="bureau_review", approved=True), principal=bureau)
    approval = Review.build(on=d("2026-11-02"), claim=claim.code, step="government_approval", approved=True)
    with pytest.raises(NotAllowed, match="four eyes"):
        dispatch(approval, principal=bureau)
    first = dispatch(approval, principal=bureau2, key="gov-approval")
    claim.refresh_from_db()
    assert claim.next_step == "compensation_notice"
    # the same request retried by the user who made it answers the first result, not a four-eyes refusal;
    # the key is no bearer token: another user presenting it is refused
    assert dispatch(approval, principal=bureau2, key="gov-approval") == first
    with pytest.raises(IdempotencyConflict):
        dispatch(approval, principal=bureau, key="gov-approval")


def test_four_eyes_on_the_whitelist(world):
    _w, _loan, _claim, people = world
    dept = people["kz-dept"]
    registry.register_borrower(KEZHOU_USCC[2], "阿图什新材料", facts=_w.borrower_facts)
    first = rc.WhitelistStepCommand.build(on=d("2026-01-05"), program="kezhou-industry", borrower=KEZHOU_USCC[2],
                                          step="application")
    dispatch(first, principal=dept)
    second = rc.WhitelistStepCommand.build(on=d("2026-01-06"), program="kezhou-industry", borrower=KEZHOU_USCC[2],
                                           step="county_review")
    with pytest.raises(NotAllowed, match="four eyes"):
        dispatch(second, principal=dept)
    dispatch(second, principal=Principal("kz-dept-user-2", dept.institution_id, dept.institution, dept.role))
