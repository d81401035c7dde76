"""Typed history events (业务事件): what happened to a loan, a claim, an agreement or a whitelist entry, on
which business date, with its amount — written by the dispatcher in the same transaction as the change.

Reports and figures that need the past ("what was this loan's arrears spell on 30 June?", "was this lender
suspended then?") read these events, never the audit trail's free-form JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The kinds of event, and the subject each is about. A new kind is added here, nowhere else.
KINDS: dict[str, str] = {
    "fund.created": "fund",
    "fund.capital": "fund",
    "fund.income": "fund",
    "fund.management_fee": "fund",
    "fund.posting": "fund",
    "fund.opened": "fund",  # the opening position (开账, riskpool.opening): the fund's first business
    "institution.registered": "institution",
    "agreement.signed": "agreement",
    "agreement.status": "agreement",
    "borrower.registered": "borrower",
    "borrower.blacklisted": "borrower",
    "borrower.restructured": "borrower",
    "whitelist.step": "whitelist",
    "whitelist.listed": "whitelist",
    "whitelist.rejected": "whitelist",
    "whitelist.removed": "whitelist",
    "loan.filed": "loan",
    "loan.repaid": "loan",
    "loan.released": "loan",
    "loan.extended": "loan",
    "loan.arrears": "loan",
    "loan.cured": "loan",
    "loan.notice_done": "loan",
    "loan.classified": "loan",
    "claim.submitted": "claim",
    "claim.supplemented": "claim",
    "claim.reviewed": "claim",
    "claim.approved": "claim",
    "claim.refused": "claim",
    "claim.paid": "claim",
    "claim.recovery": "claim",
    "claim.remitted": "claim",
    "claim.written_off": "claim",
    "program.installed": "program",
    "sanction.applied": "agreement",
}


class UnknownEvent(ValueError):
    pass


@dataclass(frozen=True)
class Event:
    kind: str
    on: dt.date
    fund: str = ""
    program: str = ""
    lender: str = ""
    borrower: str = ""
    loan: str = ""
    claim: str = ""
    agreement: int | None = None
    amount: Decimal | None = None
    article: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownEvent(f"unknown history event kind {self.kind!r}")
