"""The opening-position file (YAML): its keys, parsed by the one strict parser (``riskpool.inputs``, through the
command field types of ``riskpool.fields``) before anything touches the database. Format: docs/opening.md."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from riskpool.fields import BorrowerCode, Day, LoanCode, Money, Months, Rate, Slug, StepCode, Year
from riskpool.money import ZERO
from riskpool.rules.facts import FactValue


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Balances(Strict):
    """The fund's books at the end of the opening date. ``cash`` is derived when absent (and must agree when
    given); ``compensation`` and ``recoveries`` are derived from ``history`` when absent (and must agree)."""

    capital: Money = Field(description="capital injected to date (财政注资, equity:capital)")
    deposits: Money = ZERO
    bonds: Money = ZERO
    cash: Money | None = None
    income_this_year: Money = Field(default=ZERO, description="income received in the opening year, to the opening "
                                                              "date (income:interest: the year's management fee counts it)")
    earlier_surplus: Money = Field(default=ZERO, description="earlier years' income less the management fees charged "
                                                             "on it (equity:retained)")
    compensation: Money | None = None
    recoveries: Money | None = None


class OpeningLoan(Strict):
    """A loan outstanding at the opening; filed as an opening loan, status filed."""

    code: LoanCode
    program: Slug
    lender: Slug
    borrower: BorrowerCode
    guarantor: Slug | None = None
    amount: Money
    outstanding: Money
    issue_date: Day
    term_months: Months
    overdue_since: Day | None = None
    unpaid_interest: Money = ZERO
    guarantee_fee_rate: Rate = ZERO
    interest_rate: Rate | None = None
    exposure: Money | None = None
    product_type: StepCode = "loan"
    guarantee_letter_date: Day | None = None
    facts: dict[StepCode, FactValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> "OpeningLoan":
        if self.amount <= 0:
            raise ValueError(f"amount: expected an amount above 0, got {self.amount}")
        if self.outstanding <= 0 or self.outstanding > self.amount:
            raise ValueError(f"outstanding: expected an amount above 0 and at most the amount {self.amount}, got "
                             f"{self.outstanding} (a loan repaid in full belongs in history, as financing and released)")
        if self.overdue_since is not None and self.overdue_since <= self.issue_date:
            raise ValueError(f"overdue_since: expected a date after the issue date {self.issue_date}, got "
                             f"{self.overdue_since}")
        return self


class PastYear(Strict):
    """A lender's business in one program and year before the opening (per guarantor where the policy caps per
    guarantor). Amounts in yuan."""

    program: Slug
    lender: Slug
    guarantor: Slug | None = None
    year: Year
    financing: Money = Field(default=ZERO, description="loans issued that year and released before the opening")
    released: Money = Field(default=ZERO, description="guarantees released that year (repaid in full or compensated)")
    compensation: Money = Field(default=ZERO, description="the fund's payments to the lender that year")
    recoveries: Money = Field(default=ZERO, description="recoveries the fund received that year on them")


class OpeningBody(Strict):
    """An opening position without its fund: what a story's ``fund.opening`` may give inline."""

    as_of: Day
    balances: Balances
    loans: list[OpeningLoan] = Field(default_factory=list)
    history: list[PastYear] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dated(self) -> "OpeningBody":
        for i, loan in enumerate(self.loans):
            if loan.issue_date > self.as_of:
                raise ValueError(f"loans[{i}].issue_date: expected a date on or before as_of {self.as_of}, got "
                                 f"{loan.issue_date}")
            if loan.overdue_since is not None and loan.overdue_since > self.as_of:
                raise ValueError(f"loans[{i}].overdue_since: expected a date on or before as_of {self.as_of}, got "
                                 f"{loan.overdue_since}")
        seen_codes: dict[str, int] = {}
        for i, loan in enumerate(self.loans):
            if loan.code in seen_codes:
                raise ValueError(f"loans[{i}].code: {loan.code!r} is given twice (also loans[{seen_codes[loan.code]}])")
            seen_codes[loan.code] = i
        seen: dict[tuple, int] = {}
        for i, row in enumerate(self.history):
            if row.year > self.as_of.year:
                raise ValueError(f"history[{i}].year: expected a year up to the opening's {self.as_of.year}, got "
                                 f"{row.year}")
            k = (row.program, row.lender, row.guarantor, row.year)
            if k in seen:
                raise ValueError(f"history[{i}]: program {row.program}, lender {row.lender}, guarantor "
                                 f"{row.guarantor or '(none)'}, year {row.year} is given twice (also history[{seen[k]}])")
            seen[k] = i
        return self

    def totals(self) -> tuple[Decimal, Decimal]:
        """(compensation, recoveries) of the history rows."""
        return (sum((r.compensation for r in self.history), ZERO), sum((r.recoveries for r in self.history), ZERO))


class OpeningFile(OpeningBody):
    fund: Slug
