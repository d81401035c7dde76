"""Read-only admin of the registry: funds, institutions, agreements, borrowers and the whitelist change only
through commands (the pages, the API, the CLI), never through a form."""

from django.contrib import admin

from riskpool.ledger.admin import ReadOnlyAdmin
from riskpool.registry.models import Agreement, Borrower, Contributor, Fund, Institution, WhitelistEntry


@admin.register(Fund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "book")


@admin.register(Contributor)
class ContributorAdmin(ReadOnlyAdmin):
    list_display = ("fund", "code", "name", "book")


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("institution", "program", "role", "start", "end", "status")
    list_filter = ("program", "role", "status")


@admin.register(Borrower)
class BorrowerAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind")
    search_fields = ("code", "name")


@admin.register(WhitelistEntry)
class WhitelistEntryAdmin(ReadOnlyAdmin):
    list_display = ("program", "borrower", "status", "cycle", "listed_on", "removed_on")
    list_filter = ("program", "status")
