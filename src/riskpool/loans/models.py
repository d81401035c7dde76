"""Covered loans (入池备案), their repayments, arrears and the notices that fall due."""

from __future__ import annotations

import datetime as dt

from django.db import models

from riskpool.figures import totals
from riskpool.programs.models import Program, ProgramVersion
from riskpool.registry.models import MONEY, Borrower, Fund, Institution


class Loan(models.Model):
    FILED, REPAID, CLAIMED, COMPENSATED, WRITTEN_OFF = "filed", "repaid", "claimed", "compensated", "written_off"
    STATUSES = [(FILED, "在池"), (REPAID, "已结清"), (CLAIMED, "代偿申请中"), (COMPENSATED, "已代偿"),
                (WRITTEN_OFF, "已核销")]

    code = models.CharField(max_length=60, unique=True, help_text="the lender's contract number")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="loans")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="loans", null=True,
                                        help_text="the policy version the filing was decided under")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="loans")
    lender = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="loans")
    guarantor = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="guaranteed_loans")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    amount = models.DecimalField(**MONEY)
    exposure = models.DecimalField(**MONEY, null=True, blank=True)
    issue_date = models.DateField()
    maturity_date = models.DateField()
    term_months = models.PositiveIntegerField()
    guarantee_fee_rate = models.DecimalField(max_digits=8, decimal_places=6, default=0)
    product_type = models.CharField(max_length=40, default="loan")
    all_in_cost_rate = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    interest_rate = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True,
                                        help_text="the loan's annual interest rate, where the program limits it")
    facts = models.JSONField(default=dict, blank=True, help_text="the program's declared facts of this loan")
    guarantee_letter_date = models.DateField(null=True, blank=True)
    filed_on = models.DateField()
    status = models.CharField(max_length=20, choices=STATUSES, default=FILED)
    outstanding_principal = models.DecimalField(**MONEY)
    unpaid_interest = models.DecimalField(**MONEY, default=0)
    overdue_since = models.DateField(null=True, blank=True, help_text="first day past due, while in arrears")
    released_on = models.DateField(null=True, blank=True, help_text="guarantee released (repaid or compensated)")
    extended_months = models.PositiveIntegerField(default=0, help_text="months added by extensions (展期)")
    claim_conditions = models.JSONField(default=dict, blank=True,
                                        help_text="claim conditions the records establish, e.g. restructured")
    filing_decision = models.JSONField(default=dict)

    class Meta:
        indexes = [
            # a lender's loans in arrears: the NPL numerator, read by filings and sanctions whatever the book's size
            models.Index(fields=["lender", "program"], condition=models.Q(overdue_since__isnull=False),
                         name="loan_in_arrears"),
            # the loans a program issued after a date (this year's financing read at an earlier date)
            models.Index(fields=["program", "issue_date"], name="loan_program_issued"),
        ]

    def __str__(self) -> str:
        return self.code

    # Running totals (riskpool.figures.totals) move with every save, by the change in this loan's contribution.
    @classmethod
    def from_db(cls, db, field_names, values):
        loan = super().from_db(db, field_names, values)
        loan._totals_before = totals.loan_contributions(loan._totals_fields())
        return loan

    def _totals_fields(self) -> dict | None:
        try:
            return {f: getattr(self, f) for f in totals.LOAN_FIELDS}
        except AttributeError:  # a deferred field: this copy cannot move the totals
            return None

    def save(self, *args, **kwargs):
        before = getattr(self, "_totals_before", None) if not self._state.adding else totals.loan_contributions(None)
        if before is None:
            raise ValueError(f"loan {self.code}: saved from a partial copy; load it whole (running totals)")
        super().save(*args, **kwargs)
        after = totals.loan_contributions(self._totals_fields())
        totals.apply(before, after)
        self._totals_before = after

    def delete(self, *args, **kwargs):
        raise ValueError(f"loan {self.code}: a filed loan is never deleted")

    @property
    def policy(self):
        """The policy version this loan was filed under (never a newer one)."""
        return (self.program_version or self.program).policy

    def days_past_due(self, on: dt.date) -> int:
        return 0 if self.overdue_since is None or on < self.overdue_since else (on - self.overdue_since).days + 1


class Repayment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    on = models.DateField()
    principal = models.DecimalField(**MONEY, default=0)
    interest = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["on", "id"]


class Notice(models.Model):
    """A duty with a due date (通知 / 期限): repayment notice, overdue notice, guarantor alert, risk report."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=60, help_text="a deadline key of the policy file, or a notice kind")
    article = models.CharField(max_length=60)
    actor = models.CharField(max_length=40)
    opens_on = models.DateField(null=True, blank=True, help_text="for a 'before' window: the first day it may be done")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def overdue(self, on: dt.date) -> bool:
        return (self.done_on or on) > self.due_on
