"""Policy-file schema (pydantic v2): one YAML file per program (管理办法 / 实施细则).

A policy file is data: every parameter names its article and holds values keyed by the date from
which each applies (OpenFisca style). Unknown keys, a parameter without an article, gapped or
overlapping tiers and sharing ratios that do not sum to 100 % are rejected here, in one place.
This module knows nothing else of riskpool but money parsing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from riskpool import inputs
from riskpool.money import to_decimal

T = TypeVar("T")


def _dec(value: Any) -> Decimal:
    return to_decimal(value, what="")


Dec = Annotated[Decimal, BeforeValidator(_dec)]
Ratio = inputs.Ratio  # at most 6 decimal places
Amount = inputs.Amount  # exact to the fen, below 10^13 yuan


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterNotInForce(LookupError):
    """A parameter has no value in force on the asked date."""


class Param(Strict, Generic[T]):
    """A dated parameter: ``value`` (in force from the program's start) or ``values`` keyed by date."""

    article: str = Field(min_length=2, description="e.g. 第十五条 or 第十一条（二）")
    description: str | None = None
    value: T | None = None
    values: dict[dt.date, T] | None = None

    @model_validator(mode="after")
    def _one_of_value_values(self) -> "Param[T]":
        if (self.value is None) == (self.values is None):
            raise ValueError("give exactly one of `value` or `values` (a mapping date → value)")
        if self.values is not None and not self.values:
            raise ValueError("`values` is empty")
        return self

    def at(self, on: dt.date, program_start: dt.date) -> T:
        """The value in force on ``on``: the one with the latest effective date not after it."""
        dated = self.values if self.values is not None else {program_start: self.value}
        in_force = [d for d in dated if d <= on]
        if not in_force:
            first = min(dated)
            raise ParameterNotInForce(f"no value in force on {on}; the first applies from {first}")
        return dated[max(in_force)]


# ---------------------------------------------------------------- admission criteria

class _Criterion(Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    article: str = Field(min_length=2)
    description: str


class FactIs(_Criterion):
    """A yes/no fact must have the given value (e.g. good_credit: true)."""

    check: Literal["fact"]
    fact: str
    expected: bool = True


class Compare(_Criterion):
    """A numeric fact compared with a limit (e.g. overdue_periods_24m < 6)."""

    check: Literal["compare"]
    fact: str
    op: Literal[">=", ">", "<=", "<"]
    limit: Dec


class MemberOf(_Criterion):
    """A text fact (or any item of a list fact) must / must not be one of ``values``."""

    check: Literal["member"]
    fact: str
    values: list[str] = Field(min_length=1)
    negate: bool = False


class RegisteredFor(_Criterion):
    """Registered at least ``min_years`` whole years before the decision date (fact: registered_on)."""

    check: Literal["registered_for"]
    fact: str = "registered_on"
    min_years: int = Field(ge=1)


class Qualification(_Criterion):
    """Holds at least one qualification of the given kinds, valid on the date (fact: qualifications)."""

    check: Literal["qualification"]
    kinds: list[str] = Field(min_length=1)
    same_year: bool = False  # e.g. Kunshan 第四条3: this year's registration number


class EnterpriseSize(_Criterion):
    """Size class under 工信部联企业〔2011〕300号 (fact: size = {industry, employees, revenue, total_assets})."""

    check: Literal["enterprise_size"]
    sizes: list[Literal["large", "medium", "small", "micro"]] = Field(min_length=1)


class Age(_Criterion):
    """Natural person's age in 周岁: at least ``min_age`` on the date, at most ``max_age_at_maturity`` at maturity."""

    check: Literal["age"]
    min_age: int = Field(ge=0)
    max_age_at_maturity: int = Field(ge=1)


class AnyOf(_Criterion):
    check: Literal["any_of"]
    criteria: list["Criterion"] = Field(min_length=2)


class AllOf(_Criterion):
    check: Literal["all_of"]
    criteria: list["Criterion"] = Field(min_length=1)


Criterion = Annotated[
    Union[FactIs, Compare, MemberOf, RegisteredFor, Qualification, EnterpriseSize, Age, AnyOf, AllOf],
    Field(discriminator="check"),
]
AnyOf.model_rebuild()
AllOf.model_rebuild()


class Institutions(Strict):
    """Who may cooperate: criteria over an institution's facts, per role (same kinds as admission)."""

    lender: Param[list[Criterion]] | None = None
    guarantor: Param[list[Criterion]] | None = None


class Admission(Strict):
    """Borrower admission (准入): every criterion must hold."""

    article: str
    criteria: list[Criterion] = Field(min_length=1)


# ---------------------------------------------------------------- filing limits

class Window(Strict):
    """Loans issued in [start, end) — or [start, end] with end_inclusive — are covered."""

    start: dt.date
    end: dt.date | None = None
    years: int | None = Field(default=None, ge=1, description="end = start + years, when end is not given")
    end_inclusive: bool = False

    @model_validator(mode="after")
    def _end(self) -> "Window":
        if (self.end is None) == (self.years is None):
            raise ValueError("give exactly one of `end` or `years`")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self

    @property
    def last_day(self) -> dt.date:
        end = self.end or _add_years(self.start, self.years or 0)
        return end if self.end_inclusive else end - dt.timedelta(days=1)


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


class BorrowerCap(Strict):
    """Per-borrower cap over its outstanding covered loans: the lower of the given limits."""

    fund_share: Ratio | None = None
    absolute: Amount | None = None

    @model_validator(mode="after")
    def _some(self) -> "BorrowerCap":
        if self.fund_share is None and self.absolute is None:
            raise ValueError("give fund_share, absolute, or both")
        return self


class MonthRange(Strict):
    min: int | None = Field(default=None, ge=1)
    max: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _order(self) -> "MonthRange":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Extension(Strict):
    """Loan extension (展期): whether allowed, within the term limit, and what it does to coverage."""

    allowed: bool
    within_term_limit: bool = True
    sets_condition: str | None = Field(default=None, description="a claim condition fact an extension makes true")


class Filing(Strict):
    """Filing (入池备案) limits. A parameter left out means the program sets no such limit."""

    loan_window: Param[Window]
    leverage: Param[Annotated[Decimal, BeforeValidator(_dec), Field(gt=0)]]
    leverage_base: Param[Literal["fund_balance", "fund_size"]]
    per_borrower_cap: Param[BorrowerCap] | None = None
    single_loan_max: Param[Amount] | None = None
    term_months: Param[MonthRange] | None = None
    guarantee_fee_rate_max: Param[Ratio] | None = None
    product_types: Param[list[str]] | None = None
    all_in_cost_rate_max: Param[dict[str, Ratio]] | None = None
    other_fees_allowed: Param[bool] | None = None
    guarantor_required: Param[bool]
    whitelist_required: Param[bool]
    agreement_max_years: Param[int] | None = None
    extension: Param[Extension] | None = None
    lender_must_be_active: Param[bool]


# ---------------------------------------------------------------- loss and sharing

class Tier(Strict):
    """One exposure bracket (lower, upper]: the shares of fund, lender and guarantor."""

    above: Amount = Field(description="exclusive lower bound of the exposure")
    up_to: Amount | None = Field(default=None, description="inclusive upper bound; none = no upper bound")
    fund: Ratio
    lender: Ratio
    guarantor: Ratio

    @model_validator(mode="after")
    def _sum(self) -> "Tier":
        total = self.fund + self.lender + self.guarantor
        if total != 1:
            raise ValueError(f"fund + lender + guarantor = {total * 100}%, expected 100%")
        if self.up_to is not None and self.up_to <= self.above:
            raise ValueError(f"up_to {self.up_to} is not above {self.above}")
        return self


def _check_brackets(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise ValueError("at least one tier is needed")
    if tiers[0].above != 0:
        raise ValueError(f"the first tier must start above 0, not above {tiers[0].above}")
    for i, (lo, hi) in enumerate(zip(tiers, tiers[1:]), start=1):
        if lo.up_to is None:
            raise ValueError(f"tier {i} has no upper bound but tier {i + 1} follows it")
        if hi.above != lo.up_to:
            kind = "gap" if hi.above > lo.up_to else "overlap"
            raise ValueError(f"{kind} between tier {i} (up to {lo.up_to}) and tier {i + 1} (above {hi.above})")
    return tiers


class LossBase(Strict):
    """What the shared loss is made of. Principal net of repayments, recoveries and payouts always."""

    include_interest: bool
    include_penalty_interest: bool = False


class RateCap(Strict):
    """Compensation-rate cap (担保代偿率, Pingluo 第十五条): the fund stops paying above ``rate``."""

    rate: Ratio
    claim_releases_its_guarantee: bool = True
    excess_forfeited_by: Literal["lender"] = "lender"


class Sharing(Strict):
    loss_base: Param[LossBase]
    tier_basis: Param[Literal["exposure", "principal"]]
    ratios: Param[Annotated[list[Tier], Field(min_length=1)]]
    absent_guarantor_share_to: Param[Literal["lender", "fund"]]
    negotiated_guarantor_share_max: Param[Ratio] | None = None
    compensation_rate_cap: Param[RateCap] | None = None
    limited_to_fund_balance: Param[bool]

    @field_validator("ratios")
    @classmethod
    def _brackets(cls, p: Param[list[Tier]]) -> Param[list[Tier]]:
        for day, tiers in (p.values or {None: p.value}).items():
            try:
                _check_brackets(tiers)  # type: ignore[arg-type]
            except ValueError as e:
                where = f" (values from {day})" if day else ""
                raise ValueError(f"{e}{where}") from None
        return p


# ---------------------------------------------------------------- claims

class Condition(Strict):
    """A fact a claim must show (precondition) or must not show (refusal ground)."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    fact: str
    article: str = Field(min_length=2)
    description: str


class Document(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]+$")
    name: str
    article: str = Field(min_length=2)


class Claims(Strict):
    # at least: the lender's submission, one review that approves, and the payment
    workflow: Param[Annotated[list[WorkflowStep], Field(min_length=3)]]
    preconditions: Param[list[Condition]]
    refusals: Param[list[Condition]]
    documents: Param[list[Document]]


ACTORS = Literal["borrower", "industry_department", "county_department", "prefecture_department", "expert_panel",
                 "finance_bureau", "fund_manager", "lender", "guarantor", "government"]


class WorkflowStep(Strict):
    """One step of a workflow (whitelisting, claim review): who acts, under which article, by when."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]+$")
    actor: ACTORS
    article: str = Field(min_length=2)
    description: str
    deadline: str | None = Field(default=None, description="a key of `deadlines`, counted from the previous step")


class FormField(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]+$")
    label: str
    type: Literal["text", "amount", "number", "bool"] = "text"
    required: bool = True


class Whitelist(Strict):
    """How a borrower gets on the whitelist (白名单 / 名录库): the steps in order, and the recommendation form."""

    steps: Param[Annotated[list[WorkflowStep], Field(min_length=1)]]
    form: Param[list[FormField]] | None = None


class Recovery(Strict):
    """Recovery proceeds (追偿所得), net of recovery costs."""

    distribution: Param[Literal["by_shares", "fund_first"]]
    write_off_after_months: Param[int] | None = Field(
        default=None, description="months after payment before an unrecovered loss may be written off")


# ---------------------------------------------------------------- sanctions, deadlines, fees

class Threshold(Strict):
    limit: Ratio
    strict: bool = Field(description="true: breached when ratio > limit; false: when ratio >= limit")
    action: Literal["terminate", "suspend"]


class RelistingBar(Strict):
    """How long a borrower delisted after compensation may not be listed again: to the end of the year of the
    payment (``until: end_of_year``) or for ``months`` after it."""

    until: Literal["end_of_year", "months"]
    months: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _months_given(self) -> "RelistingBar":
        if (self.until == "months") != (self.months is not None):
            raise ValueError("give months exactly when until is 'months'")
        return self


class Sanctions(Strict):
    lender_npl_ratio: Param[Threshold] | None = None
    lender_compensation_ratio: Param[Threshold] | None = None
    program_compensation_ratio: Param[Threshold] | None = None
    delist_borrower_compensated_this_year: Param[bool] | None = None
    relisting_bar_after_delisting: Param[RelistingBar] | None = None
    blacklist_malicious_evaders: Param[bool] | None = None


class Deadline(Strict):
    """``days`` (working or calendar) after — or before — the event named by ``event``."""

    days: int = Field(ge=1)
    unit: Literal["working_days", "calendar_days"] = "working_days"
    direction: Literal["after", "before"] = "after"
    event: str
    actor: str
    action: str


class GuaranteeFeeSubsidy(Strict):
    rate_max: Ratio
    first_year_only: bool
    once_per_borrower: bool


class Fees(Strict):
    management_fee_rate_of_income: Param[Ratio] | None = None
    audit_paid_from_management_fee: Param[bool] | None = None
    guarantee_fee_subsidy: Param[GuaranteeFeeSubsidy] | None = None
    income_retained_in_fund: Param[bool] | None = None


class Effective(Strict):
    """When the program is in force: from ``start`` to ``end`` inclusive (none: until repealed)."""

    start: dt.date
    end: dt.date | None = None
    article: str
    note: str | None = None


class Program(Strict):
    """One program (管理办法 / 实施细则), one policy file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]+$")
    name: str
    name_en: str
    issuer: str
    source: str
    region: str
    effective: Effective
    fund_planned_size: Param[Amount] | None = None
    admission: Admission
    institutions: Institutions | None = None
    whitelist: Whitelist
    filing: Filing
    sharing: Sharing
    claims: Claims
    recovery: Recovery
    sanctions: Sanctions
    deadlines: dict[str, Param[Deadline]]
    fees: Fees

    @model_validator(mode="after")
    def _workflow_deadlines_exist(self) -> "Program":
        for section, param in (("whitelist.steps", self.whitelist.steps), ("claims.workflow", self.claims.workflow)):
            for steps in (param.values or {None: param.value}).values():
                for step in steps or []:
                    if step.deadline and step.deadline not in self.deadlines:
                        raise ValueError(f"{section}: step {step.code!r} names deadline {step.deadline!r}, "
                                         f"which is not a key of `deadlines`")
        return self

    def param(self, p: Param[T], on: dt.date) -> T:
        try:
            return p.at(on, self.effective.start)
        except ParameterNotInForce as e:
            raise ParameterNotInForce(f"{self.id} {p.article}: {e}") from None
