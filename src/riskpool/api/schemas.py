"""The API's request and response bodies (OpenAPI components), described in Chinese and English.

Request bodies reject unknown fields (``extra="forbid"``) and wrong JSON types; every value is then parsed by
the command's own strict parser (``Command.build`` → ``riskpool.inputs``), the same as the pages, the CLI and
the stories use — so amounts are exact to the fen (a decimal string such as ``"1000000.00"`` is recommended; a
JSON number is accepted), rates are fractions (``"0.008"`` is 0.8 %), dates are ``YYYY-MM-DD``.

Responses give amounts and ratios as decimal strings (exact, never floats) and dates as ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Optional, Union

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

# ----------------------------------------------------------------------------- field types of requests

Decimalish = Annotated[Union[StrictStr, StrictInt, StrictFloat],
                       Field(description="十进制数，建议用字符串 / a decimal number; a string is recommended",
                             examples=["1000000.00"])]
RateText = Annotated[Union[StrictStr, StrictInt, StrictFloat],
                     Field(description="比率（小数，0.008即0.8%） / a rate as a fraction (0.008 is 0.8 %)",
                           examples=["0.008"])]
DateText = Annotated[StrictStr, Field(description="日期 YYYY-MM-DD / a date", examples=["2025-08-01"],
                                      json_schema_extra={"format": "date"})]
CodeText = Annotated[StrictStr, Field(min_length=1, max_length=80)]
ON_DESCRIPTION = "办理日期（默认今天） / the date of the act (default: today)"


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class LoanIn(In):
    """入池备案 / file one loan (FileLoan)."""

    code: StrictStr = Field(min_length=1, max_length=60, description="贷款合同编号 / the lender's contract number",
                            examples=["KZ-2025-101"])
    program: StrictStr = Field(min_length=1, max_length=60, description="风险补偿项目代码 / the program's code",
                               examples=["kezhou-industry"])
    borrower: StrictStr = Field(min_length=1, max_length=40,
                                description="借款主体代码（统一社会信用代码或身份证号） / the borrower's USCC or ID number")
    amount: Decimalish
    issue_date: DateText
    term_months: Union[StrictInt, StrictStr] = Field(description="贷款期限（月） / the term in months",
                                                     examples=[24])
    on: Optional[DateText] = Field(None, description="备案日期（默认今天） / the filing date (default: today)")
    lender: Optional[StrictStr] = Field(None, max_length=60,
                                        description="合作银行代码（默认令牌所属机构） / the lender (default: the "
                                                    "token's institution; another is refused)")
    guarantor: Optional[StrictStr] = Field(None, max_length=60, description="担保/保险机构代码 / the guarantor")
    guarantee_fee_rate: Optional[RateText] = Field(None, description="担保费率 / the guarantee fee rate")
    product_type: Optional[StrictStr] = Field(None, max_length=60,
                                              description="业务品种（默认loan） / the product type (default: loan)")
    all_in_cost_rate: Optional[RateText] = Field(None, description="综合融资成本率 / the all-in cost rate")
    exposure: Optional[Decimalish] = Field(None, description="授信敞口 / the exposure at this lender")
    guarantee_letter_date: Optional[DateText] = Field(None, description="担保函出具日期 / guarantee letter date")
    other_fees: Optional[Decimalish] = Field(None, description="其他费用 / other fees")
    interest_rate: Optional[RateText] = Field(None, description="贷款年利率 / the annual interest rate")
    facts: dict[str, Union[StrictStr, StrictInt, StrictFloat]] = Field(
        default_factory=dict, description="项目声明的贷款事实 / the program's declared facts of the loan")


MAX_BATCH = 10_000


class LoanBatchIn(In):
    """批量备案（全部接受或全部拒绝） / a batch of loans, accepted or refused whole."""

    loans: list[LoanIn] = Field(min_length=1, max_length=MAX_BATCH,
                                description=f"至多{MAX_BATCH}笔 / at most {MAX_BATCH:,} loans")


class RepaymentIn(In):
    """还款 / a repayment (Repay)."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)
    principal: Optional[Decimalish] = Field(None, description="归还本金 / principal repaid")
    interest: Optional[Decimalish] = Field(None, description="归还利息 / interest paid")


class ArrearsIn(In):
    """逾期报告 / arrears (ReportArrears)."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)
    overdue_since: DateText = Field(description="逾期起始日 / first day past due")
    unpaid_interest: Optional[Decimalish] = Field(None, description="欠息 / unpaid interest")


class ExtensionIn(In):
    """展期 / an extension (Extend)."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)
    months: Union[StrictInt, StrictStr] = Field(description="展期月数 / months added", examples=[6])


class ClaimIn(In):
    """代偿申请 / a claim (SubmitClaim)."""

    loan: StrictStr = Field(min_length=1, max_length=60, description="贷款合同编号 / the loan's code")
    on: Optional[DateText] = Field(None, description="申请日期（默认今天） / the claim date (default: today)")
    conditions: dict[str, StrictBool] = Field(default_factory=dict,
                                              description="代偿条件（是/否） / the claim's yes/no conditions")
    documents: list[StrictStr] = Field(default_factory=list,
                                       description="已提交材料代码 / codes of the documents given")
    recoveries: Optional[Decimalish] = Field(None, description="已追回金额 / recovered before the claim")
    third_party_payouts: Optional[Decimalish] = Field(None, description="第三方代偿/赔付 / third-party payouts")
    unpaid_interest: Optional[Decimalish] = Field(None, description="未付利息 / unpaid interest")
    negotiated_guarantor_share: Optional[RateText] = Field(None, description="协商担保比例 / negotiated share")
    code: Optional[StrictStr] = Field(None, max_length=80, description="代偿申请编号（默认自动） / the claim's code")


class ReviewIn(In):
    """审核步骤 / a review step (Review), by the role the step needs."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)
    step: StrictStr = Field(min_length=1, max_length=60, description="步骤代码 / the workflow step's code",
                            examples=["first_review"])
    approved: StrictBool = Field(description="通过与否 / approved or refused")
    reason: Optional[StrictStr] = Field(None, max_length=300, description="理由（不通过时必填） / the reason")


class PaymentIn(In):
    """代偿支付 / the fund's payment (Pay)."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)


class RecoveryIn(In):
    """追偿所得 / a recovery after compensation (RecordRecovery)."""

    on: Optional[DateText] = Field(None, description=ON_DESCRIPTION)
    gross: Decimalish = Field(description="追偿所得 / gross recovered")
    costs: Optional[Decimalish] = Field(None, description="追偿费用 / costs of recovery")


# ----------------------------------------------------------------------------- responses

Money = Annotated[str, Field(description="金额（元，两位小数） / yuan, two decimals", examples=["1000000.00"])]
Ratio = Annotated[str, Field(description="比率（精确小数） / an exact decimal ratio", examples=["0.05"])]


class ReasonOut(Schema):
    code: str = Field(description="规则代码 / the rule's stable code")
    article: str = Field("", description="依据条款 / the article")
    message: str = Field("", description="说明 / the message")
    blocking: bool = Field(True, description="是否阻断 / whether it blocks")


class DecisionOut(Schema):
    outcome: str = Field("", description="结论 approved / refused / incomplete")
    reasons: list[ReasonOut] = Field(default_factory=list, description="理由及条款 / reasons with their articles")
    amounts: dict[str, str] = Field(default_factory=dict, description="金额 / amounts")
    details: dict[str, Any] = Field(default_factory=dict, description="其他 / details")


class LoanSummary(Schema):
    code: str
    program: str
    lender: str
    guarantor: Optional[str] = None
    borrower: str
    amount: Money
    outstanding_principal: Money
    status: str = Field(description="filed / repaid / claimed / compensated / written_off")
    issue_date: dt.date
    maturity_date: dt.date
    filed_on: dt.date
    overdue_since: Optional[dt.date] = None


class RepaymentOut(Schema):
    on: dt.date
    principal: Money
    interest: Money


class NoticeOut(Schema):
    kind: str
    article: str
    actor: str
    opens_on: Optional[dt.date] = None
    due_on: dt.date
    done_on: Optional[dt.date] = None


class LoanOut(LoanSummary):
    borrower_name: str
    program_version: Optional[int] = None
    exposure: Optional[Money] = None
    unpaid_interest: Money
    term_months: int
    extended_months: int
    guarantee_fee_rate: Ratio
    interest_rate: Optional[Ratio] = None
    all_in_cost_rate: Optional[Ratio] = None
    product_type: str
    guarantee_letter_date: Optional[dt.date] = None
    released_on: Optional[dt.date] = None
    facts: dict[str, Any] = Field(default_factory=dict)
    claim_conditions: dict[str, Any] = Field(default_factory=dict)
    filing_decision: DecisionOut = Field(description="备案决定（理由及条款） / the filing decision with its reasons")
    repayments: list[RepaymentOut] = Field(default_factory=list)
    notices: list[NoticeOut] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list, description="代偿申请编号 / the loan's claims")


class LoanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LoanSummary]


class LoanActionOut(Schema):
    result: dict[str, Any] = Field(description="指令结果 / the command's result")
    loan: LoanOut


class BatchItemOut(Schema):
    index: int
    code: str
    version: Optional[int] = Field(None, description="政策版本 / the policy version it was decided under")


class BatchOut(Schema):
    filed: int
    loans: list[BatchItemOut]


class WorkflowStepOut(Schema):
    code: str
    actor: str = Field(description="办理角色 / the role the policy names")
    article: str
    description: str


class ClaimStepOut(Schema):
    step: str
    actor: str = Field(description="办理用户 / who did it")
    article: str
    due_on: Optional[dt.date] = None
    done_on: dt.date
    approved: bool
    reason: str


class RecoveryOut(Schema):
    id: int
    received_on: dt.date
    gross: Money
    costs: Money
    to_fund: Money
    to_lender: Money
    to_guarantor: Money
    remit_due_on: Optional[dt.date] = None
    remitted_on: Optional[dt.date] = None


class ClaimSummary(Schema):
    code: str
    loan: str
    program: str
    lender: str
    status: str = Field(description="open / refused / paid")
    submitted_on: dt.date
    next_step: str
    next_due_on: Optional[dt.date] = None
    fund_payable: Money
    paid_amount: Money


class ClaimOut(ClaimSummary):
    guarantor: Optional[str] = None
    approved_on: Optional[dt.date] = None
    paid_on: Optional[dt.date] = None
    written_off_on: Optional[dt.date] = None
    loss_base: Money
    fund_share: Money
    lender_share: Money
    guarantor_share: Money
    forfeited: Money
    unfunded: Money
    facts: dict[str, Any] = Field(default_factory=dict, description="申请所给条件与材料 / conditions and documents")
    decision: DecisionOut = Field(description="规则决定（理由及条款） / the rules' decision with its reasons")
    workflow: list[WorkflowStepOut] = Field(description="流程步骤 / the program's steps")
    steps: list[ClaimStepOut] = Field(description="已办步骤 / the steps done")
    recoveries: list[RecoveryOut] = Field(default_factory=list)


class ClaimPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClaimSummary]


class ClaimActionOut(Schema):
    result: dict[str, Any] = Field(description="指令结果 / the command's result")
    claim: ClaimOut


class LenderFiguresOut(Schema):
    program: str
    on: dt.date
    outstanding: Money
    npl_outstanding: Money
    npl_ratio: Ratio
    financing_this_year: Money
    compensation_this_year: Money
    compensation_ratio: Ratio
    compensated_total: Money
    released_total: Money
    compensation_rate: Ratio
    approved_unpaid: Money


class GuarantorFiguresOut(Schema):
    program: str
    on: dt.date
    loans: int = Field(description="在保笔数 / loans guaranteed and not released")
    outstanding: Money
    in_arrears: int
    in_arrears_outstanding: Money
    claims: int
    claims_paid: int
    guarantor_share: Money = Field(description="已代偿申请中担保机构承担 / the guarantor's share on paid claims")
    fund_paid: Money = Field(description="资金已支付 / what the fund paid on these claims")
    financing_this_year: Money
    compensation_this_year: Money
    compensation_ratio: Ratio


class FiguresOut(Schema):
    institution: str
    role: str
    on: dt.date
    lender: list[LenderFiguresOut] = Field(default_factory=list,
                                           description="合作银行：每个项目的指标 / a lender's figures per program")
    guarantor: list[GuarantorFiguresOut] = Field(default_factory=list,
                                                 description="担保机构：每个项目 / a guarantor's figures per program")


class FundOut(Schema):
    code: str
    name: str
    programs: list[str]


class ProgramCapacityOut(Schema):
    program: str
    leverage: Optional[str] = None
    leverage_base: Optional[str] = None
    base_amount: Money
    capacity: Money
    program_outstanding: Money
    covered_outstanding: Money
    remaining: Money
    article: str
    note: str = ""


class FundPositionOut(Schema):
    fund: str
    fund_name: str
    on: dt.date
    capital: Money
    income_interest: Money
    income_coupons: Money
    income: Money
    cash: Money
    deposits: Money
    bonds: Money
    money_held: Money
    receivable: Money
    covered_loans: int
    outstanding_covered: Money
    programs: list[ProgramCapacityOut]
    compensation_payable: Money
    management_fee_payable: Money
    compensated: Money
    recovered: Money
    written_off: Money
    net_loss: Money
    management_fee: Money
    net_assets: Money
    contributors: list[dict[str, Any]] = Field(default_factory=list)


class LenderLineOut(Schema):
    lender: str
    lender_name: str
    agreement_status: str
    loans: int
    outstanding: Money
    npl_outstanding: Money
    npl_ratio: Optional[Ratio] = None
    year_compensation: Money
    year_financing: Money
    year_compensation_ratio: Optional[Ratio] = None
    cumulative_compensation: Money
    cumulative_released: Money
    compensation_rate: Optional[Ratio] = None
    verdict: DecisionOut


class PerformanceOut(Schema):
    program: str
    on: dt.date
    year_start: dt.date
    lenders: list[LenderLineOut]
    year_compensation: Money
    year_financing: Money
    year_compensation_ratio: Optional[Ratio] = None
    program_verdict: DecisionOut
