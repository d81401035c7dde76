"""Scenario files: a YAML story — programs, a fund, parties, borrowers and dated events — played through
the same services the CLI and the pages use. Format: docs/scenarios.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from riskpool.money import to_decimal


def _dec(value: object) -> Decimal:
    return to_decimal(value, what="")


Amount = Annotated[Decimal, BeforeValidator(_dec), Field(ge=0)]
Ratio = Annotated[Decimal, BeforeValidator(_dec), Field(ge=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FundSpec(Strict):
    code: str
    name: str
    programs: list[str] = Field(min_length=1)


class AgreementSpec(Strict):
    program: str
    start: dt.date
    end: dt.date
    role: Literal["lender", "guarantor"] | None = None  # default: the party's kind


class PartySpec(Strict):
    code: str
    name: str
    kind: Literal["lender", "guarantor", "fund_manager", "finance_bureau", "industry_department"]
    facts: dict[str, Any] = Field(default_factory=dict, description="eligibility facts (type, ownership, place)")
    agreements: list[AgreementSpec] = Field(default_factory=list)


class BorrowerSpec(Strict):
    code: str = Field(description="USCC, or resident ID number for a natural person")
    name: str
    kind: str = "enterprise"
    facts: dict[str, Any] = Field(default_factory=dict)


class _Event(Strict):
    on: dt.date
    actor: str = "scenario"
    key: str | None = None
    expect_refusal: str | None = Field(default=None, description="this event must be refused; text the reason contains")


class InjectCapital(_Event):
    do: Literal["inject_capital"]
    fund: str
    amount: Amount


class RecordIncome(_Event):
    do: Literal["record_income"]
    fund: str
    amount: Amount
    kind: Literal["interest", "coupons"] = "interest"


class ManagementFee(_Event):
    do: Literal["management_fee"]
    fund: str
    year: int
    audit_cost: Amount = Decimal(0)


class Whitelist(_Event):
    do: Literal["whitelist"]
    program: str
    borrower: str
    steps: list[str] | None = Field(default=None, description="default: every step of the program, all approved")
    form: dict[str, Any] | None = None


class RemoveFromWhitelist(_Event):
    do: Literal["remove_from_whitelist"]
    program: str
    borrower: str
    reason: str
    article: str


class FileLoan(_Event):
    do: Literal["file_loan"]
    loan: str
    program: str
    lender: str
    borrower: str
    guarantor: str | None = None
    amount: Amount
    term_months: int = Field(ge=1)
    issue_date: dt.date | None = None  # default: `on`
    guarantee_fee_rate: Ratio = Decimal(0)
    product_type: str = "loan"
    all_in_cost_rate: Ratio | None = None
    exposure: Amount | None = None
    guarantee_letter_date: dt.date | None = None


class Repay(_Event):
    do: Literal["repay"]
    loan: str
    principal: Amount = Decimal(0)
    interest: Amount = Decimal(0)


class Extend(_Event):
    """Extension (展期) by a number of months."""

    do: Literal["extend"]
    loan: str
    months: int = Field(ge=1)


class ReportArrears(_Event):
    do: Literal["report_arrears"]
    loan: str
    overdue_since: dt.date
    unpaid_interest: Amount = Decimal(0)


class CompleteNotice(_Event):
    """A notice given or report made (e.g. the 30-day alert to the guarantor, kezhou 第十三条（一）)."""

    do: Literal["complete_notice"]
    loan: str
    kind: str


class SubmitClaim(_Event):
    do: Literal["submit_claim"]
    loan: str
    conditions: dict[str, bool] = Field(default_factory=dict)
    documents: list[str] = Field(default_factory=list)
    recoveries: Amount = Decimal(0)
    third_party_payouts: Amount = Decimal(0)
    unpaid_interest: Amount | None = None
    negotiated_guarantor_share: Ratio | None = None


class Review(_Event):
    do: Literal["review"]
    loan: str
    step: str
    approved: bool = True
    reason: str = ""


class Pay(_Event):
    do: Literal["pay"]
    loan: str


class RecordRecovery(_Event):
    do: Literal["record_recovery"]
    loan: str
    gross: Amount
    costs: Amount = Decimal(0)


class RemitRecovery(_Event):
    do: Literal["remit_recovery"]
    loan: str


class WriteOff(_Event):
    do: Literal["write_off"]
    loan: str
    evidence: str
    evidence_ref: str


class SignAgreement(_Event):
    do: Literal["sign_agreement"]
    institution: str
    program: str
    role: Literal["lender", "guarantor"]
    start: dt.date
    end: dt.date


class SetAgreementStatus(_Event):
    do: Literal["set_agreement_status"]
    lender: str
    program: str
    status: Literal["active", "suspended", "terminated"]
    reason: str
    article: str


class ReviewLenders(_Event):
    """Apply the sanction thresholds to every lender of a program on this date (kezhou 第二十五条, kunshan 第二十三条)."""

    do: Literal["review_lenders"]
    program: str


Event = Annotated[
    Union[InjectCapital, RecordIncome, ManagementFee, Whitelist, RemoveFromWhitelist, FileLoan, Repay, Extend, ReportArrears,
          CompleteNotice, SubmitClaim, Review, Pay, RecordRecovery, RemitRecovery, WriteOff, SignAgreement, SetAgreementStatus, ReviewLenders],
    Field(discriminator="do"),
]


class Scenario(Strict):
    story: str
    description: str | None = None
    fund: FundSpec
    parties: list[PartySpec] = Field(default_factory=list)
    borrowers: list[BorrowerSpec] = Field(default_factory=list)
    events: list[Event] = Field(min_length=1)
    expect: dict[str, Any] | None = Field(default=None, description="expected figures: a subset of the output")
