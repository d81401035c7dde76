"""The kinds of import: their columns (field name and Chinese name) and the command each row becomes.

Each row is built into the very command a single filing, repayment or arrears report builds
(``riskpool.loans.commands``) with ``Command.build``, from the cells' text: the command's own strict parser
decides what a value means, and its ``InputError`` names the field (the column).

Importing this module needs no Django set-up (the command line lists the kinds before it sets Django up): the
command classes are imported when a row is first built.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from riskpool.imports.reader import Column

if TYPE_CHECKING:
    from riskpool.commands import Command


@dataclass(frozen=True)
class Kind:
    name: str  # loans, repayments, arrears
    noun: tuple[str, str]  # singular, plural (the summary line)
    columns: tuple[Column, ...]
    command_path: str  # module:Class of the command a row becomes
    defaults: Callable[[dict[str, str]], dict[str, str]] = lambda values: values
    unique: str | None = None  # a column whose values must differ from row to row (a loan's code)
    batch_path: str | None = None  # module:Class of a command that takes many rows at once (FileLoans)

    @property
    def command(self) -> Any:
        module, name = self.command_path.split(":")
        return getattr(importlib.import_module(module), name)

    @property
    def batch(self) -> Any:
        if self.batch_path is None:
            return None
        module, name = self.batch_path.split(":")
        return getattr(importlib.import_module(module), name)

    def build(self, values: dict[str, str]) -> "Command":
        """The row's command (``InputError`` naming the field when a value is malformed)."""
        return self.command.build(**self.defaults(dict(values)))

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _loan_defaults(values: dict[str, str]) -> dict[str, str]:
    if "on" not in values and "issue_date" in values:
        values["on"] = values["issue_date"]  # filed on the day it is issued, unless the file says otherwise
    return values


LOANS = Kind(
    name="loans", noun=("loan", "loans"), command_path="riskpool.loans.commands:FileLoan",
    defaults=_loan_defaults, unique="code", batch_path="riskpool.loans.batch:FileLoans",
    columns=(
        Column("code", "贷款编号", True, "the loan's code, unique across programs"),
        Column("program", "项目代码", True, "the program's code (kezhou-industry, …)"),
        Column("lender", "贷款机构代码", True, "the lending institution's code (under agreement in the program)"),
        Column("borrower", "借款人代码", True, "the borrower's code (统一社会信用代码 or 身份证号), registered"),
        Column("amount", "贷款金额", True, "yuan, exact to the fen: 1500000, 1,500,000.00"),
        Column("issue_date", "发放日期", True, "YYYY-MM-DD"),
        Column("term_months", "贷款期限（月）", True, "whole months"),
        Column("guarantor", "担保机构代码", False, "the guarantor's code, where the program has one"),
        Column("guarantee_fee_rate", "担保费率", False, "a fraction per year: 0.008 is 0.8 % (default 0)"),
        Column("product_type", "产品类型", False, "the program's product code (default loan)"),
        Column("all_in_cost_rate", "综合融资成本率", False, "a fraction per year: 0.045"),
        Column("exposure", "风险敞口", False, "yuan (default: the program's own measure)"),
        Column("guarantee_letter_date", "担保函日期", False, "YYYY-MM-DD"),
        Column("interest_rate", "贷款利率", False, "a fraction per year: 0.0385"),
        Column("other_fees", "其他费用", False, "yuan charged besides interest and the guarantee fee (default 0)"),
        Column("on", "备案日期", False, "the filing date YYYY-MM-DD (default: the issue date)"),
    ),
)

REPAYMENTS = Kind(
    name="repayments", noun=("repayment", "repayments"), command_path="riskpool.loans.commands:Repay",
    columns=(
        Column("loan", "贷款编号", True, "the filed loan's code"),
        Column("on", "还款日期", True, "YYYY-MM-DD"),
        Column("principal", "归还本金", False, "yuan (default 0)"),
        Column("interest", "归还利息", False, "yuan (default 0)"),
    ),
)

ARREARS = Kind(
    name="arrears", noun=("arrears report", "arrears reports"), command_path="riskpool.loans.commands:ReportArrears",
    columns=(
        Column("loan", "贷款编号", True, "the filed loan's code"),
        Column("on", "报告日期", True, "the day the arrears are reported, YYYY-MM-DD"),
        Column("overdue_since", "逾期起始日", True, "the first day overdue, YYYY-MM-DD"),
        Column("unpaid_interest", "欠息金额", False, "yuan (default 0)"),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (LOANS, REPAYMENTS, ARREARS)}

# The column a filing rule's refusal is about (the rule's code → the column whose value it judges).
RULE_COLUMNS = {
    "PROGRAM_NOT_IN_FORCE": "on", "LOAN_WINDOW": "issue_date", "LEVERAGE": "amount", "PER_BORROWER_CAP": "amount",
    "SINGLE_LOAN_MAX": "amount", "TERM": "term_months", "GUARANTEE_FEE": "guarantee_fee_rate",
    "PRODUCT_TYPE": "product_type", "ALL_IN_COST": "all_in_cost_rate", "LOAN_RATE": "interest_rate",
    "OTHER_FEES": "other_fees", "GUARANTOR_REQUIRED": "guarantor", "GUARANTOR_STATUS": "guarantor",
    "WHITELIST": "borrower", "RESTRUCTURED_BORROWER": "borrower", "LENDER_STATUS": "lender",
}
