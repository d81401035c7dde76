"""Who may run which command (权限), checked by the dispatcher under the command's locks, so that the check and
the write it guards are one transaction.

* Each workflow step is done by the role the policy file names for it (``WorkflowStep.actor``): a claim
  review by the fund manager or the finance bureau as the program says, a whitelist recommendation by the
  industry department. Steps the text gives to bodies that have no login here (the government, the expert
  panel) are recorded by the finance bureau; a borrower's application by the industry department.
* **Four eyes** (四眼原则): the user who does a review, approval or payment step is neither the one who did the
  step before it (who prepared it) nor the one who submitted the claim or started the whitelist round.
* A lender acts only on its own loans and claims, a guarantor only on steps of loans it guarantees; an
  industry department only on whitelist steps; the finance bureau and the fund manager on the funds' money
  and the programs they run.

Refusals: :class:`NotAllowed` (the role may not do this: HTTP 403) and :class:`NotFound` (another
institution's record: HTTP 404, and nothing says it exists).
"""

from __future__ import annotations

from typing import Any, Callable

from riskpool.accounts.principal import Principal

# who performs a workflow step the policy gives to ``actor`` (policy.schema.ACTORS)
STEP_ROLES: dict[str, frozenset[str]] = {
    "lender": frozenset({"lender"}), "guarantor": frozenset({"guarantor"}),
    "fund_manager": frozenset({"fund_manager"}), "finance_bureau": frozenset({"finance_bureau"}),
    "government": frozenset({"finance_bureau"}), "expert_panel": frozenset({"finance_bureau"}),
    "industry_department": frozenset({"industry_department"}),
    "county_department": frozenset({"industry_department"}),
    "prefecture_department": frozenset({"industry_department"}),
    "borrower": frozenset({"industry_department"}),
}

ROLE_NAMES = {"finance_bureau": "财政局", "fund_manager": "资金管理人", "industry_department": "行业主管部门",
              "lender": "合作银行", "guarantor": "担保/保险机构"}


class NotAllowed(PermissionError):
    """The principal's role may not run this command (or four eyes forbid it)."""

    def __init__(self, message: str, article: str = ""):
        super().__init__(message)
        self.article = article


class NotFound(LookupError):
    """The record is another institution's (or does not exist): answered as if it did not exist."""


def _roles(p: Principal, allowed: frozenset[str] | set[str], what: str, article: str = "") -> None:
    if p.role not in allowed:
        names = "、".join(ROLE_NAMES.get(r, r) for r in sorted(allowed))
        raise NotAllowed(f"{what}: done by {names}, not by {ROLE_NAMES.get(p.role, p.role)} ({p.institution})",
                         article)


def _only(*roles: str) -> Callable[[Any, Principal], None]:
    def rule(command: Any, p: Principal) -> None:
        _roles(p, frozenset(roles), command.action)
    return rule


def _loan(code: str):
    from riskpool.loans.models import Loan

    loan = Loan.objects.select_related("lender", "guarantor", "program").filter(code=code).first()
    if loan is None:
        raise NotFound(f"no loan {code!r}")
    return loan


def _claim(code: str):
    from riskpool.claims.models import Claim

    claim = Claim.objects.select_related("loan", "loan__lender", "loan__guarantor").filter(code=code).first()
    if claim is None:
        raise NotFound(f"no claim {code!r}")
    return claim


def _own_loan(loan, p: Principal) -> None:
    if p.oversees:
        return
    if p.role != "lender" or loan.lender_id != p.institution_id:
        raise NotFound(f"no loan {loan.code!r}")


def _file_loans(command: Any, p: Principal) -> None:
    _roles(p, {"lender"}, command.action)
    others = sorted({c.lender for c in command.loans} - {p.institution})
    if others:
        raise NotAllowed(f"{p.institution} files its own loans, not {', '.join(others)}'s")


def _lender_of_loan(command: Any, p: Principal) -> None:
    _roles(p, {"lender"}, command.action)
    _own_loan(_loan(command.loan), p)


def _lender_of_claim(command: Any, p: Principal) -> None:
    _roles(p, {"lender"}, command.action)
    _own_loan(_claim(command.claim).loan, p)


def _file_loan(command: Any, p: Principal) -> None:
    _roles(p, {"lender"}, command.action)
    if command.lender != p.institution:
        raise NotAllowed(f"{p.institution} files its own loans, not {command.lender}'s")


def _four_eyes(p: Principal, earlier: list[str], what: str, article: str) -> None:
    """``earlier``: the users of the earlier steps, in order; the first and the last may not act again."""
    if earlier and p.username in (earlier[0], earlier[-1]):
        which = "submitted" if p.username == earlier[0] else "prepared the step before"
        raise NotAllowed(f"{what}: four eyes — {p.username} {which} it; another user must do this step", article)


def _claim_step(command: Any, p: Principal) -> None:
    from riskpool.claims.commands import workflow

    claim = _claim(command.claim)
    steps = workflow(claim)
    code = command.step if command.action == "claims.review" else steps[-1].code
    spec = next((s for s in steps if s.code == code), None)
    if spec is None:  # the command itself answers an unknown step, with the program's steps
        _roles(p, {"fund_manager", "finance_bureau", "guarantor"}, command.action)
        return
    _roles(p, STEP_ROLES[spec.actor], f"claim step {code!r}", spec.article)
    loan = claim.loan
    if spec.actor == "guarantor" and loan.guarantor_id != p.institution_id:
        raise NotFound(f"no claim {claim.code!r}")
    if spec.actor == "lender" and loan.lender_id != p.institution_id:
        raise NotFound(f"no claim {claim.code!r}")
    _four_eyes(p, list(claim.steps.order_by("id").values_list("actor", flat=True)), f"claim {claim.code}",
               spec.article)


def _whitelist_step(command: Any, p: Principal) -> None:
    from riskpool.programs.models import Program
    from riskpool.registry.models import WhitelistStep

    program = Program.objects.filter(code=command.program).first()
    if program is None or program.policy.whitelist is None:
        _roles(p, {"industry_department", "finance_bureau", "fund_manager"}, command.action)
        return
    policy = program.policy
    spec = next((s for s in policy.param(policy.whitelist.steps, command.on) if s.code == command.step), None)
    if spec is None:
        _roles(p, {"industry_department", "finance_bureau", "fund_manager"}, command.action)
        return
    _roles(p, STEP_ROLES[spec.actor], f"whitelist step {command.step!r}", spec.article)
    from django.db.models import F

    earlier = list(WhitelistStep.objects.filter(
        entry__program=program, entry__borrower__code=command.borrower, entry__status="in_progress",
        cycle=F("entry__cycle")).order_by("id").values_list("actor", flat=True))
    _four_eyes(p, earlier, f"the whitelisting of {command.borrower}", spec.article)


BUREAU = _only("finance_bureau")
MANAGER = _only("fund_manager")
RULES: dict[str, Callable[[Any, Principal], None]] = {
    "programs.install": BUREAU,
    "registry.create_fund": BUREAU,
    "registry.inject_capital": BUREAU,
    "registry.register_institution": BUREAU,
    "registry.sign_agreement": BUREAU,
    "registry.set_agreement_status": BUREAU,
    "registry.blacklist": BUREAU,
    "registry.remove_from_whitelist": _only("finance_bureau", "fund_manager"),
    "registry.record_income": MANAGER,
    "registry.accrue_management_fee": MANAGER,
    "registry.register_borrower": _only("industry_department", "finance_bureau", "fund_manager"),
    "registry.whitelist_step": _whitelist_step,
    "loans.file_loan": _file_loan,
    "loans.file_loans": _file_loans,
    "loans.repay": _lender_of_loan,
    "loans.extend": _lender_of_loan,
    "loans.report_arrears": _lender_of_loan,
    "loans.report_cure": _lender_of_loan,
    "loans.complete_notice": _lender_of_loan,
    "claims.submit_claim": _lender_of_loan,
    "claims.supplement": _lender_of_claim,
    "claims.review": _claim_step,
    "claims.pay": _claim_step,
    "claims.record_recovery": _lender_of_claim,
    "claims.remit_recovery": _lender_of_claim,
    "claims.write_off": MANAGER,
    # loans.classify: the daily sweep only, never a user
}


def authorize(command: Any, p: Principal) -> None:
    """Raise :class:`NotAllowed` or :class:`NotFound` unless ``p`` may run ``command`` now."""
    rule = RULES.get(command.action)
    if rule is None:
        raise NotAllowed(f"{command.action} is run by the system, not by a user")
    rule(command, p)
