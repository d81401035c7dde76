"""The command model: a typed, immutable request, what it locks, and how it is handled.

A command carries codes and plain values (never database rows), so that a page, the API, the CLI and a
story build exactly the same request, and so that its request hash — what an idempotency key is checked
against — is the same whoever built it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from riskpool import inputs

# Field types of commands (riskpool.fields, Django-free): the one strict parser applied to every command
from riskpool.fields import (  # noqa: F401 - re-exported for the commands' modules
    Article, BorrowerCode, ClaimCode, Day, LoanCode, Money, Months, Name, Rate, Reason, Slug, StepCode, Year)


@dataclass
class Locks:
    """What a command's decision depends on, locked in this fixed order: funds (their book rows), then
    borrowers, then loans, each by ascending id — so two commands never wait on each other in a cycle."""

    books: set[int] = field(default_factory=set)
    borrowers: set[int] = field(default_factory=set)
    loans: set[int] = field(default_factory=set)
    agreements: set[int] = field(default_factory=set)
    # True when the borrower and loan locks guard nothing the books' locks do not: the command writes only
    # records of its fund that every other writer changes under the fund's book lock (a loan, its repayments
    # and notices, the program's totals), and writes no borrower-level record (a borrower's facts, its
    # whitelist entries). It may read them: their writers (the registry's commands, Extend) read nothing it
    # writes, so a concurrent change orders after it. In a long transaction that holds the books anyway (a
    # bulk import: riskpool.commands.dispatcher.coarse_locks) the finer locks are then not taken — one lock per
    # row or borrower would fill PostgreSQL's lock table (max_locks_per_transaction) after some thousands.
    confined: bool = False


@dataclass
class Change:
    """One row changed by a command: its label, and its fields before and after (None: created/deleted)."""

    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class Context:
    """What a handler gets besides its command: who acts, the key, and where history and changes go."""

    actor: str
    key: str
    on: dt.date
    events: list[Any] = field(default_factory=list)  # typed history events (riskpool.audit.history.Event)
    changes: list[Change] = field(default_factory=list)
    after_commit: list[Any] = field(default_factory=list)

    def event(self, kind: str, **data: Any) -> None:
        from riskpool.audit.history import Event

        self.events.append(Event(kind=kind, on=data.pop("on", self.on), **data))

    def change(self, label: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.changes.append(Change(label, before, after))


class Command(BaseModel):
    """Base of every command. Subclasses set ``action`` and implement ``subject``, ``locks`` and ``handle``."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    action: ClassVar[str] = ""

    on: Day

    def subject(self) -> str:  # e.g. "loan:KZ-001"
        raise NotImplementedError

    def locks(self) -> Locks:
        """Resolve what to lock (ids) from the command's codes; runs inside the transaction, before the lock."""
        return Locks()

    def handle(self, ctx: Context) -> dict[str, Any]:
        """Gather the facts, call the rule, write the rows; return a JSON-able result. Runs under the locks."""
        raise NotImplementedError

    @classmethod
    def build(cls, **fields: Any) -> "Command":
        """The command, or an ``InputError`` naming the field, the value and what was expected."""
        try:
            return cls(**fields)
        except ValidationError as e:
            err = e.errors()[0]
            path = f"{cls.action}." + ".".join(str(x) for x in err["loc"])
            raise inputs.InputError(path, err.get("input"), err["msg"].removeprefix("Value error, ")) from None

    def request(self) -> dict[str, Any]:
        """The request as stored in the audit trail and hashed for the idempotency key."""
        return self.model_dump(mode="json")
