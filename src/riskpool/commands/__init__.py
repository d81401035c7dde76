"""Commands (指令): the one way in for every state change.

Every change — a whitelist step, a filing, a repayment, a claim review, a payment — is one typed
:class:`~riskpool.commands.base.Command`, run by the one :func:`~riskpool.commands.dispatcher.dispatch`:
lock (fixed order) → idempotency key → facts → pure rule → rows, postings, history, audit — in one
database transaction. Scenarios, the CLI, and later the pages and the lender API build these commands;
nothing else writes. See docs/ARCHITECTURE.md, "One way in".
"""

from riskpool.commands.base import Command, Context, Locks
from riskpool.commands.dispatcher import IdempotencyConflict, dispatch

__all__ = ["Command", "Context", "Locks", "IdempotencyConflict", "dispatch"]
