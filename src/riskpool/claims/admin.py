"""Read-only admin for claims: every change goes through riskpool.claims.services, never through a form."""

from django.contrib import admin

from riskpool.claims.models import Claim, ClaimStep, Recovery, WriteOff
from riskpool.ledger.admin import ReadOnlyAdmin as ReadOnly


class StepInline(admin.TabularInline):
    model = ClaimStep
    extra = 0
    can_delete = False
    fields = ("step", "actor", "article", "due_on", "done_on", "approved", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnly):
    list_display = ("code", "loan", "status", "next_step", "next_due_on", "fund_payable", "paid_amount", "unfunded",
                    "paid_on", "written_off_on")
    list_filter = ("status",)
    search_fields = ("code", "loan__code")
    inlines = [StepInline]


@admin.register(Recovery)
class RecoveryAdmin(ReadOnly):
    list_display = ("claim", "received_on", "gross", "costs", "to_fund", "to_lender", "to_guarantor", "remit_due_on",
                    "remitted_on", "after_write_off")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnly):
    list_display = ("claim", "on", "evidence", "evidence_ref", "amount", "article")
