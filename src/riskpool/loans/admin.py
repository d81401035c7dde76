"""Read-only admin of loans, their repayments and notices (changed through commands only)."""

from django.contrib import admin

from riskpool.ledger.admin import ReadOnlyAdmin
from riskpool.loans.models import Loan, Notice, Repayment


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("code", "program", "lender", "borrower", "amount", "outstanding_principal", "status", "filed_on")
    list_filter = ("program", "status", "lender")
    search_fields = ("code", "borrower__code", "borrower__name")


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ("loan", "on", "principal", "interest")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("loan", "kind", "article", "due_on", "done_on")
