"""The one Decision shape every rule returns: outcome, amounts, reasons (stable code + article)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from riskpool.money import fmt

# Outcomes are few and shared by every question.
APPROVED = "approved"
REFUSED = "refused"
INCOMPLETE = "incomplete"  # a fact or document the rule needs was not given
INCOMPLETE_CODES = frozenset({"FACT_MISSING", "DOCUMENT_MISSING"})


@dataclass(frozen=True)
class Reason:
    """Why a decision came out as it did: a stable code, the article it rests on, a readable message."""

    code: str
    article: str
    message: str
    blocking: bool = True  # False for informational reasons (e.g. "capped by 第十五条")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "article": self.article, "message": self.message, "blocking": self.blocking}


@dataclass(frozen=True)
class Decision:
    outcome: str
    reasons: tuple[Reason, ...] = ()
    amounts: dict[str, Decimal] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.outcome == APPROVED

    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "amounts": {k: fmt(v) for k, v in self.amounts.items()},
            "reasons": [r.as_dict() for r in self.reasons],
            **({"details": self.details} if self.details else {}),
        }


def decide(reasons: list[Reason], amounts: dict[str, Decimal] | None = None, **details: Any) -> Decision:
    """Outcome from reasons: any blocking refusal -> refused; else a missing fact or document -> incomplete."""
    blocking = [r for r in reasons if r.blocking]
    if any(r.code not in INCOMPLETE_CODES for r in blocking):
        outcome = REFUSED  # a refusal stands whatever else is missing
    elif blocking:
        outcome = INCOMPLETE
    else:
        outcome = APPROVED
    return Decision(outcome=outcome, reasons=tuple(reasons), amounts=amounts or {}, details=details)
