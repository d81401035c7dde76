"""The daily sweep: the daily classification (a command per program, which applies the NPL thresholds at
once: kezhou 第二十五条（二） "立即终止合作"), then what is overdue and how each covered loan is classified."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from riskpool.claims import services as claims
from riskpool.loans import services as loans
from riskpool.loans.models import Loan


def sweep(on: dt.date, *, actor: str = "sweep") -> str:
    from riskpool.programs.models import Program

    lines = [f"sweep on {on}"]
    for program in Program.objects.filter(funds__isnull=False).distinct().order_by("code"):
        result = loans.classify_program(program, on=on, actor=actor, key=f"sweep:{program.code}:{on.isoformat()}")
        for lender, action in sorted(result["sanctions"].items()):
            for code, taken in sorted(action.items()):
                if taken:
                    lines.append(f"  SANCTION {program.code}: lender {code} {taken}")
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
