"""The daily sweep: what is overdue and how each covered loan is classified. Read-only."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from riskpool.claims import services as claims
from riskpool.loans import services as loans
from riskpool.loans.models import Loan


def sweep(on: dt.date) -> str:
    lines = [f"sweep on {on}"]
    for n in loans.overdue_notices(on):
        lines.append(f"  OVERDUE notice {n.kind} [{n.article}] loan {n.loan.code}: due {n.due_on} ({n.actor})")
    for c in claims.open_claims_overdue(on):
        lines.append(f"  OVERDUE claim {c.code} step {c.next_step}: due {c.next_due_on}")
    classes: Counter[str] = Counter()
    for loan in Loan.objects.filter(status__in=loans.ACTIVE, filed_on__lte=on):
        rc = loans.classify(loan, on)
        classes[rc.code] += 1
        if rc.non_performing:
            lines.append(f"  NPL loan {loan.code} ({loan.lender.code}): {loan.days_past_due(on)} days past due → {rc.name}")
    lines.append("  covered loans by class: " + (", ".join(f"{k} {v}" for k, v in sorted(classes.items())) or "none"))
    return "\n".join(lines)
