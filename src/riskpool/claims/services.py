"""Claim services: the functions the CLI, the stories and the pages call. Each builds one command of
``riskpool.claims.commands`` (the compensation claim 代偿申请, its review, payment, recovery 追偿 and
write-off 核销) and runs it through the one dispatcher."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from riskpool.claims import commands as c
from riskpool.claims.commands import (  # noqa: F401 - re-exported
    ClaimError,
    claim_facts,
    open_claims_overdue,
    recoveries_overdue,
    workflow,
)
from riskpool.claims.models import Claim, Recovery, WriteOff
from riskpool.commands import dispatch
from riskpool.loans.models import Loan
from riskpool.money import MoneyError, to_decimal


def _decimal(value: Any, what: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return to_decimal(value, what=what)
    except MoneyError as e:
        raise ClaimError(str(e)) from None


def submit_claim(loan: Loan, *, on: dt.date, conditions: dict[str, bool], documents: list[str], recoveries: Any = 0,
                 third_party_payouts: Any = 0, unpaid_interest: Any = None, negotiated_guarantor_share: Any = None,
                 code: str | None = None, actor: str, key: str | None = None) -> Claim:
    result = dispatch(c.SubmitClaim.build(
        on=on, loan=loan.code, conditions={str(k): v for k, v in (conditions or {}).items()},
        documents=[str(x) for x in (documents or [])], recoveries=_decimal(recoveries, "recoveries"),
        third_party_payouts=_decimal(third_party_payouts, "third_party_payouts"),
        unpaid_interest=_decimal(unpaid_interest, "unpaid_interest"),
        negotiated_guarantor_share=_decimal(negotiated_guarantor_share, "negotiated_guarantor_share"), code=code),
        actor=actor, key=key)
    return Claim.objects.get(pk=result["claim"])


def supplement(claim: Claim, *, on: dt.date, conditions: dict[str, bool] | None = None,
               documents: list[str] | None = None, actor: str, key: str | None = None) -> Claim:
    result = dispatch(c.Supplement.build(on=on, claim=claim.code,
                                   conditions={str(k): v for k, v in (conditions or {}).items()},
                                   documents=[str(d) for d in documents or []]), actor=actor, key=key)
    return Claim.objects.get(pk=result["claim"])


def review(claim: Claim, *, step: str, on: dt.date, approved: bool, reason: str = "", actor: str,
           key: str | None = None) -> Claim:
    result = dispatch(c.Review.build(on=on, claim=claim.code, step=step, approved=bool(approved),
                               reason=(reason or "").strip()), actor=actor, key=key)
    return Claim.objects.get(pk=result["claim"])


def pay(claim: Claim, *, on: dt.date, actor: str, key: str | None = None) -> Claim:
    result = dispatch(c.Pay.build(on=on, claim=claim.code), actor=actor, key=key)
    return Claim.objects.get(pk=result["claim"])


def record_recovery(claim: Claim, *, on: dt.date, gross: Any, costs: Any = 0, actor: str,
                    key: str | None = None) -> Recovery:
    result = dispatch(c.RecordRecovery.build(on=on, claim=claim.code, gross=_decimal(gross, "gross"),
                                       costs=_decimal(costs, "costs")), actor=actor, key=key)
    return Recovery.objects.get(pk=result["recovery"])


def remit_recovery(recovery: Recovery, *, on: dt.date, actor: str, key: str | None = None) -> Recovery:
    result = dispatch(c.RemitRecovery.build(on=on, claim=recovery.claim.code, recovery=recovery.pk), actor=actor, key=key)
    return Recovery.objects.get(pk=result["recovery"])


def write_off(claim: Claim, *, on: dt.date, evidence: str, evidence_ref: str, actor: str,
              key: str | None = None) -> WriteOff:
    result = dispatch(c.WriteOffClaim.build(on=on, claim=claim.code, evidence=evidence, evidence_ref=evidence_ref or ""),
                      actor=actor, key=key)
    return WriteOff.objects.get(pk=result["write_off"])
