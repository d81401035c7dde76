"""A fund's current book as plain rows: the covered loans (在池) of one program, for the stress simulator
(``riskpool simulate --fund``), which never imports Django itself."""

from __future__ import annotations

from typing import Any, Iterator

from riskpool.loans.models import Loan


def covered_rows(fund_code: str, program_code: str) -> Iterator[dict[str, Any]]:
    """One dict per covered loan (filed or claimed) of the program in the fund, in the simulator's columns;
    the segment is the borrower's first industry (else its kind), as in the credit-model file."""
    loans = (Loan.objects.filter(fund__code=fund_code, program__code=program_code, status__in=(Loan.FILED, Loan.CLAIMED))
             .select_related("lender", "borrower").order_by("pk"))
    for loan in loans.iterator(chunk_size=2000):
        industries = loan.borrower.facts.get("industries") or []
        yield {"program": program_code, "lender": loan.lender.code, "amount": str(loan.amount),
               "outstanding": str(loan.outstanding_principal), "term_months": loan.term_months,
               "issue_date": loan.issue_date.isoformat(), "exposure": str(loan.exposure or loan.amount),
               "has_guarantor": loan.guarantor_id is not None,
               "segment": str(industries[0]) if industries else loan.borrower.kind, "loan_id": loan.code}
