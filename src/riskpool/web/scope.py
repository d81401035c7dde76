"""What each principal may read (数据隔离): every page and download reads through these, never a bare
``objects.all()``. A lender sees its own loans and claims, a guarantor the loans it guarantees, an industry
department the whitelist, the finance bureau and the fund manager everything. A record outside the scope is
answered 404 (``get_or_404``): nothing says it exists."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from riskpool.accounts.principal import Principal


def loans(p: Principal) -> QuerySet:
    from riskpool.loans.models import Loan

    qs = Loan.objects.select_related("program", "lender", "guarantor", "borrower", "fund")
    if p.oversees:
        return qs
    if p.role == "lender":
        return qs.filter(lender_id=p.institution_id)
    if p.role == "guarantor":
        return qs.filter(guarantor_id=p.institution_id)
    return qs.none()


def claims(p: Principal) -> QuerySet:
    from riskpool.claims.models import Claim

    qs = Claim.objects.select_related("loan", "loan__program", "loan__lender", "loan__guarantor", "loan__borrower")
    if p.oversees:
        return qs
    if p.role == "lender":
        return qs.filter(loan__lender_id=p.institution_id)
    if p.role == "guarantor":
        return qs.filter(loan__guarantor_id=p.institution_id)
    return qs.none()


def whitelist(p: Principal) -> QuerySet:
    """Lenders see the whitelist (they lend to it), the departments recommend to it, the bureau and manager run
    it; guarantors see it too (they guarantee its firms)."""
    from riskpool.registry.models import WhitelistEntry

    return WhitelistEntry.objects.select_related("program", "borrower")


def funds(p: Principal) -> QuerySet:
    """Fund positions: the finance bureau and the fund manager."""
    from riskpool.registry.models import Fund

    return Fund.objects.all() if p.oversees else Fund.objects.none()


def audit_subjects(p: Principal) -> Q | None:
    """Which audit rows a principal may read: None = all; else a filter on the subject."""
    if p.oversees:
        return None
    codes = list(loans(p).values_list("code", flat=True))
    claim_codes = list(claims(p).values_list("code", flat=True))
    return Q(subject__in=[f"loan:{c}" for c in codes] + [f"claim:{c}" for c in claim_codes])


def get_or_404(qs: QuerySet, **lookup):
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise Http404("not found")
    return obj
