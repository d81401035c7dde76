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
Bound = Annotated[Decimal, BeforeValidator(inputs._number_field), Field(ge=0)]  # a tier bound: an amount, a count, a ratio


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
        if self.values is None and on >= program_start:  # the common case, asked for on every filing's every check
            return self.value
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


REFERENCES = ("lpr_1y", "lpr_5y")


class RateLimit(Strict):
    """A ceiling on the loan's interest rate: a reference rate (贷款市场报价利率 LPR, 1-year or over-5-year, or
    ``by_term``: the 1-year LPR for terms up to 60 months, the over-5-year one above) plus ``spread_bp`` basis
    points, or times ``multiple``. The fixing is the one in force on the loan's issue date (riskpool.rates)."""

    reference: Literal["lpr_1y", "lpr_5y", "by_term"] | None = None
    spread_bp: int | None = Field(default=None, ge=-1000, le=5000)
    multiple: Annotated[Decimal, BeforeValidator(_dec), Field(gt=0, le=10)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> "RateLimit":
        if self.reference is None:
            raise ValueError("a rate limit needs `reference` (lpr_1y, lpr_5y or by_term): a spread or a multiple "
                             "is counted from a reference rate")
        if (self.spread_bp is None) == (self.multiple is None):
            raise ValueError("give exactly one of `spread_bp` (basis points over the reference) or `multiple` "
                             "(times the reference)")
        return self


class Filing(Strict):
    """Filing (入池备案) limits. A parameter left out means the program sets no such limit (no leverage: the fund
    backs no multiple of itself; no whitelist requirement: any admissible borrower may file)."""

    loan_window: Param[Window] | None = None
    leverage: Param[Annotated[Decimal, BeforeValidator(_dec), Field(gt=0)]] | None = None
    leverage_base: Param[Literal["fund_balance", "fund_size"]] | None = None
    per_borrower_cap: Param[BorrowerCap] | None = None
    single_loan_max: Param[Amount] | None = None
    term_months: Param[MonthRange] | None = None
    guarantee_fee_rate_max: Param[Ratio] | None = None
    product_types: Param[list[str]] | None = None
    all_in_cost_rate_max: Param[dict[str, Ratio]] | None = None
    other_fees_allowed: Param[bool] | None = None
    loan_rate_max: Param[RateLimit] | None = None
    guarantor_required: Param[bool] | None = None
    whitelist_required: Param[bool] | None = None
    agreement_max_years: Param[int] | None = None
    extension: Param[Extension] | None = None
    lender_must_be_active: Param[bool] | None = None

    @model_validator(mode="after")
    def _leverage_pair(self) -> "Filing":
        if (self.leverage is None) != (self.leverage_base is None):
            raise ValueError("give `leverage` and `leverage_base` together, or neither")
        return self


# ---------------------------------------------------------------- loss and sharing

class Tier(Strict):
    """One bracket of the tier basis: (above, up_to] for a numeric basis (an amount, a term in months, a declared
    number), or ``values`` for a categorical one (borrower kind, a declared category); the shares of fund, lender
    and guarantor."""

    above: Bound | None = Field(default=None, description="exclusive lower bound (numeric basis)")
    up_to: Bound | None = Field(default=None, description="inclusive upper bound; none = no upper bound")
    values: list[Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(
        default=None, min_length=1, description="the categories this tier holds (categorical basis)")
    fund: Ratio
    lender: Ratio
    guarantor: Ratio

    @model_validator(mode="after")
    def _sum(self) -> "Tier":
        total = self.fund + self.lender + self.guarantor
        if total != 1:
            raise ValueError(f"fund + lender + guarantor = {total * 100}%, expected 100%")
        if (self.above is None) == (self.values is None):
            raise ValueError("give `above` (and `up_to`) for a numeric basis, or `values` for a categorical one")
        if self.values is not None and self.up_to is not None:
            raise ValueError("a categorical tier (`values`) has no `up_to`")
        if self.above is not None and self.up_to is not None and self.up_to <= self.above:
            raise ValueError(f"up_to {self.up_to} is not above {self.above}")
        return self


def _check_brackets(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise ValueError("at least one tier is needed")
    if all(t.values is not None for t in tiers):
        seen: dict[str, int] = {}
        for i, t in enumerate(tiers, start=1):
            for v in t.values or []:
                if v in seen:
                    raise ValueError(f"category {v!r} is in tier {seen[v]} and tier {i}")
                seen[v] = i
        return tiers
    if any(t.values is not None for t in tiers):
        raise ValueError("tiers mix `values` (categorical) with `above` (numeric); use one kind")
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


WINDOWS = ("program_to_date", "calendar_year", "rolling_12_months")


class RateCap(Strict):
    """Compensation-rate cap (担保代偿率, Pingluo 第十五条): the fund stops paying above ``rate`` × the guarantees
    released, both counted over ``window`` (program to date, the calendar year of the decision, or the 12 months
    ending on it) and ``per`` party (the claim's lender, its guarantor, or the whole program). The excess is
    borne by ``excess_borne_by``: the lender (it forfeits that part), the guarantor (it pays it), or shared, e.g.
    ``{lender: 0.5, guarantor: 0.5}``."""

    rate: Ratio
    claim_releases_its_guarantee: bool = True
    window: Literal["program_to_date", "calendar_year", "rolling_12_months"] = "program_to_date"
    per: Literal["lender", "guarantor", "program"] = "lender"
    excess_borne_by: Literal["lender", "guarantor"] | dict[Literal["lender", "guarantor"], Ratio] = "lender"

    @model_validator(mode="after")
    def _bearers(self) -> "RateCap":
        if isinstance(self.excess_borne_by, dict):
            total = sum(self.excess_borne_by.values(), Decimal(0))
            if total != 1:
                raise ValueError(f"excess_borne_by: the shares sum to {total * 100}%, expected 100%")
        return self

    def bearers(self) -> dict[str, Decimal]:
        if isinstance(self.excess_borne_by, str):
            return {self.excess_borne_by: Decimal(1)}
        return dict(self.excess_borne_by)


class Sharing(Strict):
    loss_base: Param[LossBase]
    tier_basis: Param[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]]
    ratios: Param[Annotated[list[Tier], Field(min_length=1)]]
    absent_guarantor_share_to: Param[Literal["lender", "fund"]]
    tier_basis_fallback: Param[Literal["principal"]] | None = Field(
        default=None, description="where a claim does not state the basis fact, bracket by the approved principal")
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
    # at least: the lender's submission and the payment; review steps in between only where the text has them
    # (with none, a complete claim is approved on submission)
    workflow: Param[Annotated[list[WorkflowStep], Field(min_length=2)]]
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
    """``window``: the span a compensation ratio counts (compensation paid and loans issued in it) — the
    calendar year of the date (kunshan 第二十三条 "年度"), the 12 months ending on it, or the program to date.
    A non-performing ratio is read on the date itself and takes no window."""

    limit: Ratio
    strict: bool = Field(description="true: breached when ratio > limit; false: when ratio >= limit")
    action: Literal["terminate", "suspend"]
    window: Literal["calendar_year", "rolling_12_months", "program_to_date"] = "calendar_year"


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
    # a partner guarantor's compensation ratio: the fund's payments on the loans it guarantees / the loans it
    # guaranteed, over the window; a breach suspends or ends its agreement (no new loan it guarantees is filed)
    guarantor_compensation_ratio: Param[Threshold] | None = None
    delist_borrower_compensated_this_year: Param[bool] | None = None
    relisting_bar_after_delisting: Param[RelistingBar] | None = None
    blacklist_malicious_evaders: Param[bool] | None = None

    @model_validator(mode="after")
    def _windows(self) -> "Sanctions":
        def windows(p: Param[Threshold] | None) -> set[str]:
            return set() if p is None else {t.window for t in (p.values or {None: p.value}).values() if t}
        if windows(self.lender_npl_ratio) - {"calendar_year"}:
            raise ValueError("lender_npl_ratio: a non-performing ratio is read on the date and takes no `window`")
        both = windows(self.lender_compensation_ratio) | windows(self.program_compensation_ratio)
        if len(both) > 1:
            raise ValueError(f"lender_compensation_ratio and program_compensation_ratio count over one window, "
                             f"not {' and '.join(sorted(both))}")
        return self

    def compensation_window(self, program: "Program", on: dt.date) -> str:
        for p in (self.lender_compensation_ratio, self.program_compensation_ratio):
            if p is not None:
                return program.param(p, on).window
        return "calendar_year"


# What a deadline may count from. The loan events are recorded by the loan commands; ``previous_step`` is the
# completion of the previous step of the workflow (whitelist or claim review) whose step names the deadline.
DEADLINE_EVENTS = ("guarantee_letter_issued", "maturity", "first_overdue", "risk_event", "recovery_received",
                   "previous_step")


class Deadline(Strict):
    """``days`` (working or calendar) after — or before — the event named by ``event``."""

    days: int = Field(ge=1, le=3660)
    unit: Literal["working_days", "calendar_days"] = "working_days"
    direction: Literal["after", "before"] = "after"
    event: Literal["guarantee_letter_issued", "maturity", "first_overdue", "risk_event", "recovery_received",
                   "previous_step"]
    actor: ACTORS
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


class DeclaredFact(Strict):
    """A fact of a loan that the program's rules read (e.g. a tier basis): a number, or one of ``values``.

    A lender states it when filing the loan; a claim reads it from the filed loan. Built-in facts need no
    declaration: ``exposure`` and ``principal`` (amounts), ``term_months`` (a number) and ``borrower_kind``
    (a category: the registered borrower's kind)."""

    type: Literal["number", "category"]
    values: list[Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(default=None, min_length=1)
    article: str = Field(min_length=2)
    description: str

    @model_validator(mode="after")
    def _values(self) -> "DeclaredFact":
        if (self.type == "category") != (self.values is not None):
            raise ValueError("a category fact lists its `values`; a number fact has none")
        return self


BUILTIN_FACTS: dict[str, str] = {"exposure": "number", "principal": "number", "term_months": "number",
                                 "borrower_kind": "category"}


class Contributor(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")
    name: str = Field(min_length=1, max_length=100)
    share: Ratio


class Contributors(Strict):
    """Who puts money into the fund (出资方) and in what shares. Each capital injection names its contributor;
    every compensation, recovery, income and fee is split among them by the shares in force on its date.
    ``liability``: ``per_contributor`` — each contributor pays its share of a compensation only up to what it
    holds (the rest is beyond the fund's liability); ``pooled`` — the fund pays up to what all hold together,
    a contributor short of its share being made up by the others in proportion to their shares."""

    shares: Param[Annotated[list[Contributor], Field(min_length=1)]]
    liability: Param[Literal["per_contributor", "pooled"]]

    @field_validator("shares")
    @classmethod
    def _sum(cls, p: Param[list[Contributor]]) -> Param[list[Contributor]]:
        for day, items in (p.values or {None: p.value}).items():
            where = f" (values from {day})" if day else ""
            total = sum((c.share for c in items or []), Decimal(0))
            if total != 1:
                raise ValueError(f"contributor shares sum to {total * 100}%, expected 100%{where}")
            codes = [c.code for c in items or []]
            if len(set(codes)) != len(codes):
                raise ValueError(f"a contributor is listed twice: {', '.join(codes)}{where}")
        return p


class Effective(Strict):
    """When the program is in force: from ``start`` to ``end`` inclusive (none: until repealed). After ``end``
    nothing new is filed (PROGRAM_NOT_IN_FORCE); loans filed before it stay covered, and their claims,
    payments and recoveries go on under the version they were filed under."""

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
    facts: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)], DeclaredFact] = {}
    contributors: Contributors | None = None
    admission: Admission | None = None
    institutions: Institutions | None = None
    whitelist: Whitelist | None = None
    filing: Filing
    sharing: Sharing
    claims: Claims
    recovery: Recovery | None = None
    sanctions: Sanctions = Sanctions()
    deadlines: dict[str, Param[Deadline]] = {}
    fees: Fees = Fees()

    @model_validator(mode="after")
    def _workflow_deadlines_exist(self) -> "Program":
        named: set[str] = set()
        sections = [("claims.workflow", self.claims.workflow)]
        if self.whitelist is not None:
            sections.insert(0, ("whitelist.steps", self.whitelist.steps))
        for section, param in sections:
            for steps in (param.values or {None: param.value}).values():
                for step in steps or []:
                    if not step.deadline:
                        continue
                    if step.deadline not in self.deadlines:
                        raise ValueError(f"{section}: step {step.code!r} names deadline {step.deadline!r}, "
                                         f"which is not a key of `deadlines`")
                    named.add(step.deadline)
        for name, param in self.deadlines.items():
            for d in (param.values or {None: param.value}).values():
                if d is None:
                    continue
                if (d.event == "previous_step") != (name in named):
                    raise ValueError(
                        f"deadlines.{name}: event {d.event!r} — a deadline that a workflow step names counts from "
                        f"`previous_step`, and only such a deadline does" if name in named else
                        f"deadlines.{name}: event 'previous_step', but no workflow step names this deadline")
        return self

    @model_validator(mode="after")
    def _tier_basis_declared(self) -> "Program":
        clash = sorted(set(self.facts) & set(BUILTIN_FACTS))
        if clash:
            raise ValueError(f"facts: {', '.join(clash)} is built in; declare only other facts")
        s = self.sharing
        for day, basis in (s.tier_basis.values or {None: s.tier_basis.value}).items():
            where = f" (values from {day})" if day else ""
            kind = self.fact_type(basis or "")
            if kind is None:
                known = ", ".join([*BUILTIN_FACTS, *self.facts])
                raise ValueError(f"sharing.tier_basis: {basis!r} is not a known fact{where}; expected one of "
                                 f"{known}, or a fact declared under `facts`")
            for tday, tiers in (s.ratios.values or {None: s.ratios.value}).items():
                categorical = tiers is not None and tiers[0].values is not None
                if categorical != (kind == "category"):
                    raise ValueError(
                        f"sharing.ratios{f' (values from {tday})' if tday else ''}: tier basis {basis!r} is a "
                        f"{kind}, so its tiers need " + ("`values`" if kind == "category" else "`above`/`up_to`"))
                declared = self.facts.get(basis or "")
                if categorical and declared is not None:
                    unknown = sorted({v for t in tiers or [] for v in t.values or []} - set(declared.values or []))
                    if unknown:
                        raise ValueError(f"sharing.ratios: {', '.join(unknown)} is not a declared value of "
                                         f"{basis!r} ({', '.join(declared.values or [])})")
        return self

    def recovery_rule(self, on: dt.date) -> tuple[str, str]:
        """(distribution, article) of recoveries; a program without a ``recovery`` section returns them by the
        shares each party bore, under its sharing article (the loss is shared, so is what comes back)."""
        if self.recovery is None:
            return "by_shares", self.sharing.ratios.article
        return self.param(self.recovery.distribution, on), self.recovery.distribution.article

    def fact_type(self, name: str) -> str | None:
        """``number`` or ``category`` for a built-in or declared fact; None for an unknown name."""
        if name in BUILTIN_FACTS:
            return BUILTIN_FACTS[name]
        declared = self.facts.get(name)
        return declared.type if declared is not None else None

    def param(self, p: Param[T], on: dt.date) -> T:
        try:
            return p.at(on, self.effective.start)
        except ParameterNotInForce as e:
            raise ParameterNotInForce(f"{self.id} {p.article}: {e}") from None
