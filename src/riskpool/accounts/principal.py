"""The principal a command runs for: a user of an institution in a role (pure data; the web pages and the API
build it from the logged-in user or the token, the CLI and stories run without one as the operator)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("finance_bureau", "fund_manager", "industry_department", "lender", "guarantor")


@dataclass(frozen=True)
class Principal:
    username: str
    institution_id: int
    institution: str  # the institution's code
    role: str  # one of ROLES: the institution's kind

    @property
    def oversees(self) -> bool:
        """The finance bureau and the fund manager see every record of the programs they run."""
        return self.role in ("finance_bureau", "fund_manager")


def of_user(user) -> Principal | None:
    """The principal of a logged-in Django user, or None (no membership: no access)."""
    membership = getattr(user, "membership", None) if user is not None and user.is_authenticated else None
    if membership is None:
        return None
    inst = membership.institution
    return Principal(user.username, inst.pk, inst.code, inst.kind)
