"""Registry: funds, institutions and their cooperation agreements, borrowers, the whitelist and the blacklist."""

from __future__ import annotations

from django.db import models

from riskpool.ledger.models import Book
from riskpool.programs.models import Program

MONEY = {"max_digits": 18, "decimal_places": 2}


class Fund(models.Model):
    """A fund (风险补偿资金 / 风险池); one fund may back several programs (Kunshan 综合风险池)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="fund")
    programs = models.ManyToManyField(Program, related_name="funds")

    def __str__(self) -> str:
        return self.code


class Institution(models.Model):
    LENDER, GUARANTOR, FUND_MANAGER = "lender", "guarantor", "fund_manager"
    FINANCE_BUREAU, INDUSTRY_DEPARTMENT = "finance_bureau", "industry_department"
    KINDS = [(LENDER, "合作银行/国有非银融资机构"), (GUARANTOR, "担保/保险机构"), (FUND_MANAGER, "资金管理人"),
             (FINANCE_BUREAU, "财政局"), (INDUSTRY_DEPARTMENT, "行业主管部门")]

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=KINDS)
    facts = models.JSONField(default=dict, blank=True,
                             help_text="eligibility facts: institution_type, state_owned, province, city, county, …")

    def __str__(self) -> str:
        return self.code


class Agreement(models.Model):
    """A cooperation agreement (合作协议) of an institution in a program, with its status."""

    ACTIVE, SUSPENDED, TERMINATED = "active", "suspended", "terminated"
    STATUSES = [(ACTIVE, "合作中"), (SUSPENDED, "中止"), (TERMINATED, "终止")]

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="agreements")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="agreements")
    role = models.CharField(max_length=30, choices=Institution.KINDS)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=20, choices=STATUSES, default=ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    status_since = models.DateField(null=True, blank=True)
    eligibility = models.JSONField(default=dict, blank=True,
                                   help_text="the institution-eligibility decision when the agreement was signed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "program", "role"], name="one_agreement_per_role")]

    def __str__(self) -> str:
        return f"{self.institution} in {self.program} ({self.role}, {self.status})"


class Borrower(models.Model):
    """A borrower (借款企业 / 借款主体): firm, individual business, farmer or other 三农 subject."""

    code = models.CharField(max_length=40, unique=True, help_text="USCC or resident ID number")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, default="enterprise")
    facts = models.JSONField(default=dict, help_text="admission facts, as in a question file")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class WhitelistEntry(models.Model):
    """A borrower's way onto a program's whitelist (白名单 / 名录库), step by step as the policy file says."""

    IN_PROGRESS, LISTED, REJECTED, REMOVED = "in_progress", "listed", "rejected", "removed"
    STATUSES = [(IN_PROGRESS, "审核中"), (LISTED, "已入库"), (REJECTED, "未通过"), (REMOVED, "已移出")]

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="whitelist")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="whitelist_entries")
    status = models.CharField(max_length=20, choices=STATUSES, default=IN_PROGRESS)
    cycle = models.PositiveIntegerField(default=1, help_text="application round; a new round after rejection/removal")
    form = models.JSONField(default=dict, blank=True, help_text="recommendation form (推荐表), where the program has one")
    listed_on = models.DateField(null=True, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    removal_reason = models.CharField(max_length=300, blank=True)
    removal_article = models.CharField(max_length=60, blank=True)
    barred_until = models.DateField(null=True, blank=True,
                                    help_text="removed after compensation: no new round before the day after this")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "borrower"], name="one_entry_per_program")]


class WhitelistStep(models.Model):
    entry = models.ForeignKey(WhitelistEntry, on_delete=models.PROTECT, related_name="steps")
    cycle = models.PositiveIntegerField(default=1)
    step = models.CharField(max_length=60)
    actor = models.CharField(max_length=120)
    done_on = models.DateField()
    approved = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class BlacklistEntry(models.Model):
    """Blacklist (失信 / 黑名单): a borrower barred, with the article that put it there."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="blacklist_entries")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True)
    on = models.DateField()
    reason = models.CharField(max_length=300)
    article = models.CharField(max_length=60)


class Contributor(models.Model):
    """A contributor (出资方) to a fund whose program names several (policy ``contributors``): the province, the
    county, … Each has its own books (a sub-ledger of the fund's): what it put in, its part of every
    compensation, recovery, income and fee, and so what it holds. The fund's books are the sum of theirs."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="contributors")
    code = models.SlugField(max_length=30)
    name = models.CharField(max_length=100)
    book = models.OneToOneField(Book, on_delete=models.PROTECT, related_name="contributor")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "code"], name="registry_contributor_unique")]

    def __str__(self) -> str:
        return f"{self.fund.code}/{self.code}"
