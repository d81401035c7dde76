"""Read-only admin views of the books: writing goes through ``riskpool.ledger.services`` only."""

from django.contrib import admin

from riskpool.ledger.models import Book, LedgerPosting, LedgerTransaction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PostingInline(admin.TabularInline):
    model = LedgerPosting
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Book)
class BookAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "created_at")
    search_fields = ("code", "name")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "book", "date", "kind", "memo", "reverses", "actor", "created_at")
    list_filter = ("book", "kind")
    search_fields = ("memo", "idempotency_key", "actor")
    date_hierarchy = "date"
    inlines = [PostingInline]


@admin.register(LedgerPosting)
class LedgerPostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount")
    list_filter = ("account", "transaction__book")
