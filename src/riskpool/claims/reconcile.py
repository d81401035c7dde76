"""`riskpool books check`: the fund's books balance, and their balances agree with the loan and claim
records — the compensation booked is what the claims approved, the cash paid is what they paid, the
recoveries booked are what the recovery records say (plus, for a fund that opened with a position, what its
opening entry says was paid and recovered before: riskpool.opening)."""

from __future__ import annotations


from riskpool.claims.models import Claim, Recovery
from riskpool.dbmoney import total
from riskpool.ledger import services as ledger
from riskpool.money import ZERO, fmt
from riskpool.registry.models import Fund


_sum = total


def check_fund(fund: Fund) -> list[str]:
    """Problems found; an empty list means the books balance and agree with the records."""
    from riskpool.registry import contributors

    problems = list(ledger.check_books(fund.book))
    for code, book in contributors.books(fund).items():  # each contributor's sub-ledger, and their sum
        problems += [f"contributor {code}: {p}" for p in ledger.check_books(book)]
    problems += contributors.check(fund)
    debits, credits = ledger.trial_balance(fund.book)
    if debits != credits:
        problems.append(f"debits {fmt(debits)} ≠ credits {fmt(credits)}")
    bal = ledger.balances(fund.book)
    claims = Claim.objects.filter(loan__fund=fund)
    approved = _sum(claims.filter(approved_on__isnull=False), "fund_payable")
    paid = _sum(claims, "paid_amount")
    recoveries = Recovery.objects.filter(claim__loan__fund=fund)
    recovered = _sum(recoveries.filter(remitted_on__isnull=False), "to_fund")
    # the fund's opening position (riskpool.opening): what it paid and recovered before it adopted riskpool
    from riskpool.figures.models import OpeningPosition

    opening = OpeningPosition.objects.filter(fund=fund).values_list("compensation", "recoveries").first()
    if opening is not None:
        approved, paid, recovered = approved + opening[0], paid + opening[0], recovered + opening[1]
    due = _sum(recoveries.filter(remitted_on__isnull=True), "to_fund")
    checks = [
        ("compensation booked (expenses:compensation)", bal.get("expenses:compensation", ZERO),
         "approved claims' fund payable", approved),
        ("compensation approved and unpaid (liabilities:compensation_payable)",
         -bal.get("liabilities:compensation_payable", ZERO), "approved − paid on the claims", approved - paid),
        ("recoveries received (expenses:compensation_recovered)", -bal.get("expenses:compensation_recovered", ZERO),
         "remitted recoveries' fund part", recovered),
        ("recoveries receivable (assets:receivable)", bal.get("assets:receivable", ZERO),
         "unremitted recoveries' fund part", due),
    ]
    for what, booked, source, recorded in checks:
        if booked != recorded:
            problems.append(f"{what} {fmt(booked)} ≠ {source} {fmt(recorded)}")
    return problems
