"""The fund's books (专账): a small, immutable double-entry model. Pure: no Django, no database, no clock.

kezhou-industry 第十九条: the fund's books are kept apart from the fund manager's own business
(专账管理、单独核算), and every gain and loss of the fund belongs to the fund. Everything that moves the
fund's money is a :class:`Transaction` of :class:`Posting` s that sum to exactly zero.

Sign convention (Beancount's): a posting's amount is signed, **debit positive, credit negative**. An
account's balance is the plain sum of its postings, so assets and expenses normally show positive
balances and liabilities, equity and income normally show negative ones; ``normal_sign(account)`` gives
the sign to multiply by for a report that prints every balance as a positive number.

The one invariant check is :func:`check_transaction`; the services call it before writing and the books
audit calls it again on every stored transaction. Nothing here rounds: an amount that is not exactly in
fen is refused, never quietly rounded (round first with ``riskpool.money.fen`` where a rule computes it).

Design choices:

* **Compensation** is recognised when approved (``expenses:compensation`` / ``liabilities:compensation_payable``,
  应付代偿款) and leaves cash when paid (kezhou 第十六条: the payment follows the notice within 5 working
  days). The fund's limited liability (以资金规模为限) shows in the books as the rule that cash and the other
  bounded accounts never cross zero (:data:`BOUNDED`), enforced when posting.
* **Recoveries** (追偿所得) are credited to the contra-expense ``expenses:compensation_recovered``, not to income.
  kezhou 第十七条 returns the fund's share "by the original channel" (按原渠道返还): it is the fund's own
  compensation coming back, not a return on the fund. Kept out of ``income:*``, it cannot swell the base of the
  management fee, which kezhou 第二十一条 sets at 8% of the fund's annual total income (年度总收益); so the
  fee base is simply the sum of the ``income:*`` accounts. It is a separate account rather than a credit to
  ``expenses:compensation`` so that the gross compensation paid and the amount recovered both stay readable
  in the quarterly report to the finance bureau (kezhou 第二十三条(六)); the net loss is their sum.
* **Receivable recoveries**: when a distribution says a lender owes the fund its share, the books may record
  it as ``assets:receivable`` first (:func:`recovery_due`) and clear it on receipt
  (``recovery_received(..., was_due=True)``). A receivable that proves uncollectable is written off to
  ``expenses:write_off`` (核销, kezhou 第十八条 / pingluo 第十八条). The compensation itself needs no write-off
  entry: it was expensed when approved; confirming the loss (损失确认) is a register matter, not a posting.
* **Audit** fees are not a fund expense in any seed program (kezhou 第二十二条: paid out of the manager's 8% fee;
  kunshan 第七条: the finance bureau's job), so the chart has no ``expenses:audit``. A program that charges audit
  to the fund adds one line to :data:`CHART`.
* **Investments** (kezhou 第二十条: term deposits, government bonds, principal-protected fixed income) are
  transfers between asset accounts; their yield is ``income:interest`` or ``income:coupons``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from riskpool.money import FEN, ZERO, fmt

# The chart of accounts: English name in code -> the Chinese term the fund manager's accountant uses.
CHART: dict[str, str] = {
    "assets:cash": "银行存款（活期）",
    "assets:deposits": "定期存款",
    "assets:bonds": "国债及保本型固定收益产品",
    "assets:receivable": "应收款（应收追偿款等）",
    "liabilities:compensation_payable": "应付代偿款（已批准未支付）",
    "liabilities:management_fee_payable": "应付管理费",
    "equity:capital": "财政注资",
    "equity:retained": "开账前以前年度收益净额（riskpool.opening）",
    "income:interest": "存款利息收入",
    "income:coupons": "债券及固定收益产品利息收入",
    "expenses:compensation": "代偿支出",
    "expenses:compensation_recovered": "追偿收回（冲减代偿支出）",
    "expenses:management_fee": "管理费（克州 第二十一条）",
    "expenses:write_off": "核销损失（无法收回的应收款）",
}

ACCOUNT_TYPES = ("assets", "liabilities", "equity", "income", "expenses")

# Accounts whose balance may never cross zero, at the end of any date in date order. Assets may not go
# below zero (a fund never pays more than it holds: limited liability); liabilities may not turn into a
# debit balance (never pay more compensation or fee than was approved or accrued).
BOUNDED: frozenset[str] = frozenset(a for a in CHART if a.startswith(("assets:", "liabilities:")))

INVESTMENT_ACCOUNTS = ("assets:cash", "assets:deposits", "assets:bonds")
INCOME_ACCOUNTS = {"interest": "income:interest", "coupons": "income:coupons"}

# Transaction kinds the helpers use (a transaction built by hand may use another non-empty kind).
CAPITAL_INJECTION = "capital_injection"
INCOME = "income"
COMPENSATION_APPROVED = "compensation_approved"
COMPENSATION_PAID = "compensation_paid"
RECOVERY_DUE = "recovery_due"
RECOVERY_RECEIVED = "recovery_received"
WRITE_OFF = "write_off"
MANAGEMENT_FEE = "management_fee"
MANAGEMENT_FEE_PAID = "management_fee_paid"
TRANSFER = "transfer"
REVERSAL = "reversal"

MAX_KIND = 40


class LedgerError(ValueError):
    """A transaction or an operation the books refuse."""


class UnbalancedTransaction(LedgerError):
    """Postings that do not sum to exactly zero."""


class InsufficientFunds(LedgerError):
    """A posting that would take a bounded account across zero (see :data:`BOUNDED`)."""

    def __init__(self, account: str, balance: Decimal, amount: Decimal, on: dt.date):
        self.account, self.balance, self.amount, self.on = account, balance, amount, on
        if account.startswith("assets:"):
            what = f"{account} holds {fmt(balance)} on {on.isoformat()}, cannot post {fmt(amount)}"
        else:
            what = (f"{account} stands at {fmt(balance)} on {on.isoformat()}, cannot post {fmt(amount)}: "
                    "more would be paid than is owed")
        super().__init__(f"insufficient funds: {what} (it would go to {fmt(balance + amount)})")


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Decimal  # debit positive, credit negative, exactly in fen


@dataclass(frozen=True)
class Transaction:
    date: dt.date
    kind: str
    memo: str
    postings: tuple[Posting, ...]


def normal_sign(account: str) -> int:
    """+1 for debit-normal accounts (assets, expenses), -1 for credit-normal ones."""
    return 1 if account.startswith(("assets:", "expenses:")) else -1


def check_transaction(txn: Transaction) -> None:
    """THE invariant check: raise ``LedgerError`` (``UnbalancedTransaction``) unless ``txn`` is well formed."""
    if not isinstance(txn, Transaction):
        raise LedgerError(f"expected a Transaction, got {type(txn).__name__}")
    if not isinstance(txn.date, dt.date) or isinstance(txn.date, dt.datetime):
        raise LedgerError(f"transaction date must be a date, got {txn.date!r}")
    if not isinstance(txn.kind, str) or not txn.kind.strip() or len(txn.kind) > MAX_KIND:
        raise LedgerError(f"transaction kind must be a non-empty string of at most {MAX_KIND} characters, "
                          f"got {txn.kind!r}")
    if not isinstance(txn.memo, str):
        raise LedgerError(f"transaction memo must be a string, got {txn.memo!r}")
    if not isinstance(txn.postings, tuple) or len(txn.postings) < 2:
        raise LedgerError(f"a transaction needs at least 2 postings, got {len(txn.postings or ())}")
    total = ZERO
    for i, p in enumerate(txn.postings, 1):
        if not isinstance(p, Posting):
            raise LedgerError(f"posting {i}: expected a Posting, got {type(p).__name__}")
        if p.account not in CHART:
            raise LedgerError(f"posting {i}: unknown account {p.account!r} (not in the chart of accounts)")
        if not isinstance(p.amount, Decimal) or not p.amount.is_finite():
            raise LedgerError(f"posting {i} ({p.account}): amount must be a finite Decimal, got {p.amount!r}")
        if p.amount == 0:
            raise LedgerError(f"posting {i} ({p.account}): amount is zero")
        if p.amount != p.amount.quantize(FEN):
            raise LedgerError(f"posting {i} ({p.account}): amount {p.amount} is not a whole number of fen")
        total += p.amount
    if total != 0:
        raise UnbalancedTransaction(
            f"transaction {txn.kind!r} on {txn.date.isoformat()} does not balance: postings sum to {fmt(total)}")


def content_hash(txn: Transaction, *, reverses: int | None = None) -> str:
    """SHA-256 of the normalised content, to tell a retried request from a different one under one key.

    Normalised: amounts to two places, postings in sorted order, memo stripped.
    """
    body = {
        "date": txn.date.isoformat(),
        "kind": txn.kind,
        "memo": txn.memo.strip(),
        "postings": sorted([p.account, str(p.amount.quantize(FEN))] for p in txn.postings),
        "reverses": reverses,
    }
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def negate(txn: Transaction, *, date: dt.date, memo: str) -> Transaction:
    """The reversal of ``txn``: the same postings with opposite signs."""
    return Transaction(date, REVERSAL, memo, tuple(Posting(p.account, -p.amount) for p in txn.postings))


def first_breach(account: str, daily_changes: Iterable[tuple[dt.date, Decimal]],
                 opening: Decimal = ZERO) -> tuple[dt.date, Decimal] | None:
    """First date (in date order) at whose end a bounded account's balance is on the wrong side of zero.

    ``daily_changes`` are (date, net change) pairs; several pairs for one date are added together, since
    the books look at the balance at the end of each day. Returns (date, balance) or None.
    """
    sign = normal_sign(account)
    per_day: dict[dt.date, Decimal] = {}
    for day, change in daily_changes:
        per_day[day] = per_day.get(day, ZERO) + change
    balance = opening
    for day in sorted(per_day):
        balance += per_day[day]
        if sign * balance < 0:
            return day, balance
    return None


# --- Helpers that build the standard transactions. Amounts are positive yuan in fen. ---------------------

def _positive(amount: Decimal, what: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise LedgerError(f"{what}: amount must be a positive Decimal, got {amount!r}")
    return amount


def _two(date: dt.date, kind: str, memo: str, debit: str, credit: str, amount: Decimal) -> Transaction:
    amount = _positive(amount, kind)
    return Transaction(date, kind, memo, (Posting(debit, amount), Posting(credit, -amount)))


def capital_injection(date: dt.date, amount: Decimal, memo: str = "财政注资") -> Transaction:
    """The finance bureau pays capital into the fund's account."""
    return _two(date, CAPITAL_INJECTION, memo, "assets:cash", "equity:capital", amount)


def income(date: dt.date, amount: Decimal, kind: str, *, into: str = "assets:cash", memo: str = "") -> Transaction:
    """Interest (``kind="interest"``) or bond/fixed-income coupons (``kind="coupons"``) received."""
    if kind not in INCOME_ACCOUNTS:
        raise LedgerError(f"income kind must be one of {sorted(INCOME_ACCOUNTS)}, got {kind!r}")
    return _two(date, INCOME, memo or f"{CHART[INCOME_ACCOUNTS[kind]]}", into, INCOME_ACCOUNTS[kind], amount)


def compensation_approved(date: dt.date, amount: Decimal, claim_ref: str) -> Transaction:
    """The fund's share of a compensation claim is approved: an expense and a liability (应付代偿款)."""
    return _two(date, COMPENSATION_APPROVED, f"代偿批准 {claim_ref}", "expenses:compensation",
                "liabilities:compensation_payable", amount)


def compensation_paid(date: dt.date, amount: Decimal, claim_ref: str) -> Transaction:
    """The approved compensation is paid to the lender out of the fund's cash."""
    return _two(date, COMPENSATION_PAID, f"代偿支付 {claim_ref}", "liabilities:compensation_payable",
                "assets:cash", amount)


def recovery_due(date: dt.date, amount: Decimal, ref: str) -> Transaction:
    """A recovery distribution assigns the fund ``amount``, not yet received (应收追偿款)."""
    return _two(date, RECOVERY_DUE, f"应收追偿款 {ref}", "assets:receivable", "expenses:compensation_recovered",
                amount)


def recovery_received(date: dt.date, amount: Decimal, ref: str, *, was_due: bool = False) -> Transaction:
    """Recovery proceeds reach the fund's cash; ``was_due`` clears a receivable booked by :func:`recovery_due`."""
    credit = "assets:receivable" if was_due else "expenses:compensation_recovered"
    return _two(date, RECOVERY_RECEIVED, f"追偿收回 {ref}", "assets:cash", credit, amount)


def write_off(date: dt.date, amount: Decimal, ref: str) -> Transaction:
    """A receivable that will not be collected is written off (核销)."""
    return _two(date, WRITE_OFF, f"核销 {ref}", "expenses:write_off", "assets:receivable", amount)


def management_fee(date: dt.date, amount: Decimal, memo: str = "管理费计提") -> Transaction:
    """The manager's fee is accrued (kezhou 第二十一条: 8% of the year's income, computed by the rules)."""
    return _two(date, MANAGEMENT_FEE, memo, "expenses:management_fee", "liabilities:management_fee_payable",
                amount)


def management_fee_paid(date: dt.date, amount: Decimal, memo: str = "管理费支付") -> Transaction:
    return _two(date, MANAGEMENT_FEE_PAID, memo, "liabilities:management_fee_payable", "assets:cash", amount)


def transfer(date: dt.date, amount: Decimal, *, from_account: str, to_account: str, memo: str = "") -> Transaction:
    """Move money between the fund's investment accounts (kezhou 第二十条: deposits, bonds; and back)."""
    for a in (from_account, to_account):
        if a not in INVESTMENT_ACCOUNTS:
            raise LedgerError(f"transfer: {a!r} is not one of {', '.join(INVESTMENT_ACCOUNTS)}")
    if from_account == to_account:
        raise LedgerError(f"transfer: from and to are both {from_account}")
    return _two(date, TRANSFER, memo or f"{CHART[from_account]} → {CHART[to_account]}", to_account, from_account,
                amount)


def transfer_to_deposit(date: dt.date, amount: Decimal, memo: str = "转存定期") -> Transaction:
    return transfer(date, amount, from_account="assets:cash", to_account="assets:deposits", memo=memo)


def balances_of(transactions: Iterable[Transaction]) -> Mapping[str, Decimal]:
    """Balances from in-memory transactions (used by tests and by the books audit)."""
    out: dict[str, Decimal] = {a: ZERO for a in CHART}
    for t in transactions:
        for p in t.postings:
            out[p.account] = out.get(p.account, ZERO) + p.amount
    return out
