"""Scenario files: a YAML story — programs, a fund, parties, borrowers and dated events — played through
the same services the CLI and the pages use. Format: docs/scenarios.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from riskpool import inputs
from riskpool.opening.schema import OpeningBody

# Everything is checked here, before the story touches the database, the same on SQLite and PostgreSQL
# (riskpool.inputs): amounts exact to the fen below 10^13 yuan, ratios with at most 6 decimal places, dates
# in 1900–2200, bounded counts, and codes and texts no longer than the columns that hold them.
Amount = inputs.Amount
Ratio = inputs.Ratio
Date = inputs.Date
Months = inputs.Count(1, 1200)
Year = inputs.Year
Slug = inputs.Code(60, slug=True)  # fund, institution and program codes
BorrowerCode = inputs.Code(40)  # USCC or resident ID number
LoanCode = inputs.Code(60)  # the lender's contract number
Label = inputs.Code(60)  # a step, a notice kind, a document code
Name = inputs.Text(200)
Reason = inputs.Text(300)
Article = inputs.Text(60)
Actor = inputs.Text(120)
Key = inputs.Text(120)
Kind = inputs.Code(40)  # a borrower kind, a product type, write-off evidence
Note = inputs.Text(300, min_len=0)
Description = inputs.Text(10_000, multiline=True)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FundSpec(Strict):
    code: Slug
    name: Name
    programs: list[Slug] = Field(min_length=1)
    opening: inputs.Text(300) | OpeningBody | None = Field(
        default=None, description="an opening position (docs/opening.md): a file path relative to the story, or "
                                  "its keys inline (without fund); loaded after the parties and borrowers")


class AgreementSpec(Strict):
    program: Slug
    start: Date
    end: Date
    role: Literal["lender", "guarantor"] | None = None  # default: the party's kind


class PartySpec(Strict):
    code: Slug
    name: Name
    kind: Literal["lender", "guarantor", "fund_manager", "finance_bureau", "industry_department"]
    facts: dict[str, Any] = Field(default_factory=dict, description="eligibility facts (type, ownership, place)")
    agreements: list[AgreementSpec] = Field(default_factory=list)


class BorrowerSpec(Strict):
    code: BorrowerCode = Field(description="USCC, or resident ID number for a natural person")
    name: Name
    kind: Kind = "enterprise"
    facts: dict[str, Any] = Field(default_factory=dict)


class _Event(Strict):
    on: Date
    actor: Actor = "scenario"
    key: Key | None = None
    expect_refusal: Reason | None = Field(default=None, description="this event must be refused; text the reason contains")


class InjectCapital(_Event):
    do: Literal["inject_capital"]
    fund: Slug
    amount: Amount
    contributor: Slug | None = Field(default=None, description="who pays it in, where the program names contributors")


class RecordIncome(_Event):
    do: Literal["record_income"]
    fund: Slug
    amount: Amount
    kind: Literal["interest", "coupons"] = "interest"


class ManagementFee(_Event):
    do: Literal["management_fee"]
    fund: Slug
    year: Year
    audit_cost: Amount = Decimal(0)


class Whitelist(_Event):
    do: Literal["whitelist"]
    program: Slug
    borrower: BorrowerCode
    steps: list[Label] | None = Field(default=None, description="default: every step of the program, all approved")
    form: dict[str, Any] | None = None


class RemoveFromWhitelist(_Event):
    do: Literal["remove_from_whitelist"]
    program: Slug
    borrower: BorrowerCode
    reason: Reason
    article: Article


class FileLoan(_Event):
    do: Literal["file_loan"]
    loan: LoanCode
    program: Slug
    lender: Slug
    borrower: BorrowerCode
    guarantor: Slug | None = None
    amount: Amount
    term_months: Months
    issue_date: Date | None = None  # default: `on`
    guarantee_fee_rate: Ratio = Decimal(0)
    product_type: Kind = "loan"
    all_in_cost_rate: Ratio | None = None
    exposure: Amount | None = None
    guarantee_letter_date: Date | None = None
    interest_rate: Ratio | None = None
    facts: dict[Kind, inputs.Number | Kind] = Field(default_factory=dict, description="the program's declared facts")


class Repay(_Event):
    do: Literal["repay"]
    loan: LoanCode
    principal: Amount = Decimal(0)
    interest: Amount = Decimal(0)


class Extend(_Event):
    """Extension (展期) by a number of months."""

    do: Literal["extend"]
    loan: LoanCode
    months: Months


class ReportArrears(_Event):
    do: Literal["report_arrears"]
    loan: LoanCode
    overdue_since: Date
    unpaid_interest: Amount = Decimal(0)


class CompleteNotice(_Event):
    """A notice given or report made (e.g. the 30-day alert to the guarantor, kezhou 第十三条（一）)."""

    do: Literal["complete_notice"]
    loan: LoanCode
    kind: Label


class SubmitClaim(_Event):
    do: Literal["submit_claim"]
    loan: LoanCode
    conditions: dict[Label, StrictBool] = Field(default_factory=dict)
    documents: list[Label] = Field(default_factory=list)
    recoveries: Amount = Decimal(0)
    third_party_payouts: Amount = Decimal(0)
    unpaid_interest: Amount | None = None
    negotiated_guarantor_share: Ratio | None = None


class Review(_Event):
    do: Literal["review"]
    loan: LoanCode
    step: Label
    approved: StrictBool = True
    reason: Note = ""


class Pay(_Event):
    do: Literal["pay"]
    loan: LoanCode


class RecordRecovery(_Event):
    do: Literal["record_recovery"]
    loan: LoanCode
    gross: Amount
    costs: Amount = Decimal(0)


class RemitRecovery(_Event):
    do: Literal["remit_recovery"]
    loan: LoanCode


class WriteOff(_Event):
    do: Literal["write_off"]
    loan: LoanCode
    evidence: Kind
    evidence_ref: Name


class SignAgreement(_Event):
    do: Literal["sign_agreement"]
    institution: Slug
    program: Slug
    role: Literal["lender", "guarantor"]
    start: Date
    end: Date


class SetAgreementStatus(_Event):
    do: Literal["set_agreement_status"]
    lender: Slug
    program: Slug
    status: Literal["active", "suspended", "terminated"]
    reason: Reason
    article: Article


class ReviewLenders(_Event):
    """Apply the sanction thresholds to every lender of a program on this date (kezhou 第二十五条, kunshan 第二十三条)."""

    do: Literal["review_lenders"]
    program: Slug


Event = Annotated[
    Union[InjectCapital, RecordIncome, ManagementFee, Whitelist, RemoveFromWhitelist, FileLoan, Repay, Extend, ReportArrears,
          CompleteNotice, SubmitClaim, Review, Pay, RecordRecovery, RemitRecovery, WriteOff, SignAgreement, SetAgreementStatus, ReviewLenders],
    Field(discriminator="do"),
]


class Scenario(Strict):
    story: Name
    description: Description | None = None
    fund: FundSpec
    parties: list[PartySpec] = Field(default_factory=list)
    borrowers: list[BorrowerSpec] = Field(default_factory=list)
    events: list[Event] = Field(min_length=1)
    expect: dict[str, Any] | None = Field(default=None, description="expected figures: a subset of the output")
