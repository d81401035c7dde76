"""Stored books: a Book per fund, its transactions and their postings. Append-only.

Rows are written only by ``riskpool.ledger.services``. Once written, a transaction or posting is never
updated or deleted: ``save()`` on an existing row, ``delete()``, and ``QuerySet.update()``/``delete()`` all
raise ``LedgerError``. A mistake is corrected by a reversal (``services.reverse``), which posts the opposite
postings and points back at the original, so the books keep every step (kezhou 第十九条, 第二十二条 audit).
On PostgreSQL triggers refuse UPDATE and DELETE on both tables whoever sends the SQL (migration 0003), and every
transaction is sealed into its book's tamper-evident chain (docs/integrity.md).

``AccountBalance`` and ``Book.latest_date`` are the running totals ``post`` keeps (not append-only: updated in the
posting's transaction; ``services.check_books`` proves them against the postings).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from riskpool.ledger import core
from riskpool.ledger.core import LedgerError


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerError(f"{self.model.__name__} rows are append-only: correct by reversal, never update")

    def delete(self):
        raise LedgerError(f"{self.model.__name__} rows are append-only: correct by reversal, never delete")

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerError(f"{type(self).__name__} {self.pk} is append-only: correct by reversal, never update")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerError(f"{type(self).__name__} {self.pk} is append-only: correct by reversal, never delete")


class Book(models.Model):
    """One fund's books (专账). Opened by ``services.open_book``."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    latest_date = models.DateField(null=True, blank=True, editable=False,
                                   help_text="the latest date any transaction is posted on (None: nothing posted)")

    class Meta:
        verbose_name = "专账 (book)"
        verbose_name_plural = "专账 (books)"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AccountBalance(models.Model):
    """Running balance of one account of one book, in whole fen (debit positive): every posting adds to it in the
    transaction that writes the posting, under the book lock. Not append-only (it is updated); ``check_books``
    proves it equals the sum of the account's postings."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="running_balances")
    account = models.CharField(max_length=64)
    balance_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "余额 (running balance)"
        verbose_name_plural = "余额 (running balances)"
        ordering = ["book", "account"]
        constraints = [
            models.UniqueConstraint(fields=["book", "account"], name="ledger_balance_unique_account_per_book"),
        ]

    def __str__(self) -> str:
        return f"{self.book_id} {self.account} {self.balance_fen}"


class LedgerTransaction(AppendOnly):
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="transactions")
    date = models.DateField(db_index=True)
    kind = models.CharField(max_length=core.MAX_KIND)
    memo = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the normalised content (core.content_hash)")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", help_text="the transaction this one reverses")
    actor = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "记账凭证 (transaction)"
        verbose_name_plural = "记账凭证 (transactions)"
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["book", "idempotency_key"], name="ledger_txn_unique_key_per_book"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} #{self.pk}"

    def to_core(self) -> core.Transaction:
        return core.Transaction(self.date, self.kind, self.memo,
                                tuple(core.Posting(p.account, p.amount) for p in self.postings.all()))


class LedgerPosting(AppendOnly):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="postings")
    account = models.CharField(max_length=64, help_text="an account of core.CHART")
    amount = models.DecimalField(max_digits=18, decimal_places=2, help_text="debit positive, credit negative")

    class Meta:
        verbose_name = "分录 (posting)"
        verbose_name_plural = "分录 (postings)"
        ordering = ["id"]
        indexes = [models.Index(fields=["account"], name="ledger_posting_account")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_amount_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount}"
