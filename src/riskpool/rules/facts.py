"""The small facts rules decide on. Services build them from stored records; `riskpool evaluate`
builds them from a question file. Amounts are Decimal yuan; ratios are Decimal fractions."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from riskpool import inputs

# What a person writes in a question file is parsed strictly (riskpool.inputs): an amount exact to the fen
# and below 10^13 yuan, a ratio with at most 6 decimal places, a date in 1900–2200, a bounded month count.
# Decimals computed by riskpool (services build facts from stored records) pass as they are.
Amount = inputs.Amount
Ratio = inputs.Ratio
Date = inputs.Date
Months = inputs.Count(1, 1200)
Label = inputs.Text(60)
# A declared fact's value (policy file `facts`): a number (exact decimal) or a category word.
FactValue = inputs.Number | Label


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoanApplication(Facts):
    """A loan a lender wants to file (入池备案)."""

    amount: Amount = Field(gt=0)
    issue_date: Date
    term_months: Months
    guarantee_fee_rate: Ratio = Decimal(0)
    product_type: Label = "loan"
    all_in_cost_rate: Ratio | None = None
    has_guarantor: StrictBool = True
    other_fees: Amount = Decimal(0)  # fees charged to the borrower besides interest and the guarantee fee
    interest_rate: Ratio | None = None  # the loan's annual interest rate (a filing.loan_rate_max reads it)
    facts: dict[Label, FactValue] = Field(default_factory=dict)  # the program's declared facts (policy `facts`)


class FilingFacts(Facts):
    """Everything the filing limits look at, as of the filing date."""

    loan: LoanApplication
    borrower_whitelisted: StrictBool | None = None  # needed where the program requires the whitelist
    borrower_outstanding: Amount = Decimal(0)  # the borrower's covered outstanding in the program, before this loan
    fund_balance: Amount
    fund_size: Amount | None = None  # the fund's scale (规模); defaults to the balance
    covered_outstanding: Amount = Decimal(0)  # all covered loans the fund backs, before this loan
    lender_status: Literal["active", "suspended", "terminated"] = "active"
    guarantor_status: Literal["active", "suspended", "terminated"] | None = None  # where a threshold can stop it


class ClaimFacts(Facts):
    """A compensation claim (代偿申请) for one loan, as the reviewer sees it."""

    approved_principal: Amount = Field(gt=0)
    repaid_principal: Amount = Decimal(0)
    recoveries: Amount = Decimal(0)  # collateral, pledges, account set-off (扣收) and other proceeds before the claim
    third_party_payouts: Amount = Decimal(0)  # guarantee / insurance payouts outside the program's sharing
    unpaid_interest: Amount = Decimal(0)  # contractual interest due and unpaid
    penalty_interest: Amount = Decimal(0)  # 罚息、复利
    exposure: Amount | None = None  # the borrower's exposure at the lender (Kunshan 第十一条)
    term_months: Months | None = None  # the loan's term (a tier basis may read it)
    borrower_kind: Label | None = None  # the registered borrower's kind (a tier basis may read it)
    facts: dict[Label, FactValue] = Field(default_factory=dict)  # the program's declared facts of the loan
    has_guarantor: StrictBool = True
    negotiated_guarantor_share: Ratio | None = None
    loan_filed: StrictBool = True
    conditions: dict[str, StrictBool] = Field(default_factory=dict)
    documents: list[Label] = Field(default_factory=list)
    fund_balance: Amount
    # The compensation-rate cap's history, over its window (sharing.compensation_rate_cap: window, per): the
    # fund's compensation so far (paid, and approved unpaid) and the guarantees released so far, of the claim's
    # lender, of its guarantor, or of the whole program.
    lender_cumulative_compensation: Amount = Decimal(0)
    lender_cumulative_released: Amount = Decimal(0)
    guarantor_cumulative_compensation: Amount = Decimal(0)
    guarantor_cumulative_released: Amount = Decimal(0)
    program_cumulative_compensation: Amount = Decimal(0)
    program_cumulative_released: Amount = Decimal(0)
    # what each contributor (policy `contributors`) holds; needed where the program has contributors
    contributor_balances: dict[Label, Amount] | None = None
    guaranteed_amount: Amount | None = None  # this loan's guarantee; default approved principal


class RecoveryFacts(Facts):
    """Money recovered after compensation (追偿所得)."""

    gross: Amount
    costs: Amount = Decimal(0)
    fund_borne: Amount  # what the fund paid on the loan
    lender_borne: Amount
    guarantor_borne: Amount = Decimal(0)
    fund_already_recovered: Amount = Decimal(0)  # earlier recoveries returned to the fund on this loan
