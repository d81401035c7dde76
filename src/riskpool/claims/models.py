"""Compensation claims (代偿申请) through their review steps, recoveries (追偿) and write-offs (核销)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from riskpool.figures import totals
from riskpool.loans.models import Loan
from riskpool.programs.models import ProgramVersion
from riskpool.registry.models import MONEY


class Claim(models.Model):
    OPEN, REFUSED, PAID = "open", "refused", "paid"
    STATUSES = [(OPEN, "审核中"), (REFUSED, "不予代偿"), (PAID, "已代偿")]

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="claims")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="claims", null=True,
                                        help_text="the policy version the claim is decided under (its loan's)")
    code = models.CharField(max_length=80, unique=True)
    submitted_on = models.DateField()
    status = models.CharField(max_length=20, choices=STATUSES, default=OPEN)
    next_step = models.CharField(max_length=60, blank=True, help_text="the workflow step awaited")
    next_due_on = models.DateField(null=True, blank=True)
    facts = models.JSONField(default=dict, help_text="conditions and documents the lender gave")
    decision = models.JSONField(default=dict, help_text="the rule's decision at the last assessment")
    loss_base = models.DecimalField(**MONEY, default=0)
    fund_share = models.DecimalField(**MONEY, default=0)
    lender_share = models.DecimalField(**MONEY, default=0)
    guarantor_share = models.DecimalField(**MONEY, default=0)
    fund_payable = models.DecimalField(**MONEY, default=0)
    forfeited = models.DecimalField(**MONEY, default=0)
    unfunded = models.DecimalField(**MONEY, default=0)
    contributor_parts = models.JSONField(
        default=dict, blank=True,
        help_text="where the fund has contributors: each one's part approved and paid ({approved: {}, paid: {}})")
    paid_amount = models.DecimalField(**MONEY, default=0)
    approved_on = models.DateField(null=True, blank=True,
                                   help_text="the last review step approved it: the compensation was booked as payable")
    paid_on = models.DateField(null=True, blank=True, help_text="the first payment")
    written_off_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            # one live claim per loan: a refused claim may be followed by a new one, a paid one may not
            models.UniqueConstraint(fields=["loan"], condition=Q(status__in=["open", "paid"]),
                                    name="claims_one_live_claim_per_loan"),
        ]

    def __str__(self) -> str:
        return self.code

    @classmethod
    def from_db(cls, db, field_names, values):
        claim = super().from_db(db, field_names, values)
        claim._paid_before = claim._paid()
        return claim

    def _paid(self):
        try:
            return (self.paid_on, self.paid_amount)
        except AttributeError:  # a deferred field
            return None

    def save(self, *args, **kwargs):
        before = (None, 0) if self._state.adding else getattr(self, "_paid_before", None)
        if before is None:
            raise ValueError(f"claim {self.code}: saved from a partial copy; load it whole (running totals)")
        super().save(*args, **kwargs)
        after = self._paid()
        if before != after:
            ids = Loan.objects.filter(pk=self.loan_id).values("program_id", "lender_id").get()
            totals.apply(*(totals.claim_contributions(None if on is None else {"paid_on": on, "paid_amount": amount,
                                                                                 **ids})
                           for on, amount in (before, after)))
        self._paid_before = after

    @property
    def policy(self):
        """The policy version the claim is decided under: its loan's filing version."""
        return (self.program_version or self.loan.program_version or self.loan.program).policy


class ClaimStep(models.Model):
    """One review step done: who, when, why, against which due date."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=60)
    actor = models.CharField(max_length=120)
    article = models.CharField(max_length=60)
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField()
    approved = models.BooleanField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.done_on > self.due_on


class Recovery(models.Model):
    """Recovery proceeds (追偿所得) after compensation, split by the program's rule."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="recoveries")
    received_on = models.DateField()
    gross = models.DecimalField(**MONEY)
    costs = models.DecimalField(**MONEY, default=0)
    to_fund = models.DecimalField(**MONEY)
    to_lender = models.DecimalField(**MONEY)
    to_guarantor = models.DecimalField(**MONEY)
    remit_due_on = models.DateField(null=True, blank=True)
    remitted_on = models.DateField(null=True, blank=True)
    after_write_off = models.BooleanField(default=False)

    @property
    def net(self):
        return self.to_fund + self.to_lender + self.to_guarantor

    @property
    def overdue(self) -> bool:
        """Remitted after its due date (kunshan 第二十四条: 3 working days); see also ``overdue_on``."""
        return self.remit_due_on is not None and self.remitted_on is not None and self.remitted_on > self.remit_due_on

    def overdue_on(self, on) -> bool:
        """Not remitted by its due date, judged on ``on`` (done late, or still waiting after it)."""
        return self.remit_due_on is not None and self.to_fund > 0 and (self.remitted_on or on) > self.remit_due_on


class WriteOff(models.Model):
    """Loss confirmation (损失确认 / 核销) with its evidence."""

    EVIDENCE = [("court_ruling", "法院判决"), ("liquidation", "清算组清算"), ("creditor_notice", "债权人公告"),
                ("enforcement_terminated", "终结执行裁定")]
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="write_off")
    on = models.DateField()
    evidence = models.CharField(max_length=40, choices=EVIDENCE)
    evidence_ref = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    article = models.CharField(max_length=60)
