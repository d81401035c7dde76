"""Logins and their institutions (the only records the admin edits: accounts are not the fund's business).
``grant_back_office`` makes a user a member of the back office: the admin, read-only, over every record."""

from django.contrib import admin
from django.contrib.auth.models import Group, Permission

from riskpool.accounts.models import Membership

BACK_OFFICE = "后台查询（资金管理人）"
APPS = ("ledger", "audit", "programs", "registry", "loans", "claims", "figures", "web")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "institution")
    search_fields = ("user__username", "institution__code", "institution__name")
    autocomplete_fields = ()


def grant_back_office(user) -> None:
    """The fund manager's back office: the admin, with view permission on every riskpool record."""
    group, _ = Group.objects.get_or_create(name=BACK_OFFICE)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=APPS, codename__startswith="view_"))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(group)
