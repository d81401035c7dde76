"""On PostgreSQL the append-only tables refuse UPDATE and DELETE even from raw SQL (triggers); on SQLite there
are no triggers, and the chain is what catches such a change (test_chain_tamper.py)."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from riskpool.integrity.models import ChainLink
from riskpool.ledger import core, services
from riskpool.ledger.models import LedgerPosting, LedgerTransaction

from .conftest import day

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")

APPEND_ONLY = ["ledger_ledgertransaction", "ledger_ledgerposting", "integrity_chainlink", "audit_auditevent",
               "audit_historyevent"]


def refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_append_only_tables_have_their_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE t.tgname = c.relname || '_append_only' AND NOT t.tgisinternal")
        assert sorted(r[0] for r in cursor.fetchall()) == sorted(APPEND_ONLY)


def test_a_transaction_deleted_with_raw_sql_is_refused(book):
    txn = services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    refused(f"DELETE FROM {LedgerPosting._meta.db_table} WHERE transaction_id = %s", [txn.pk])
    refused(f"DELETE FROM {LedgerTransaction._meta.db_table} WHERE id = %s", [txn.pk])
    refused(f"UPDATE {LedgerPosting._meta.db_table} SET amount = 1 WHERE transaction_id = %s", [txn.pk])
    refused(f"UPDATE {LedgerTransaction._meta.db_table} SET memo = 'x' WHERE id = %s", [txn.pk])
    refused(f"UPDATE {ChainLink._meta.db_table} SET digest = 'x'")
    refused(f"DELETE FROM {ChainLink._meta.db_table}")
    assert LedgerPosting.objects.count() == 2 and ChainLink.objects.count() == 1
    assert services.check_books(book) == []


def test_audit_rows_refuse_update_and_delete(db):
    from riskpool.audit.models import AuditEvent

    fields = {f.name for f in AuditEvent._meta.concrete_fields}  # the audit app is growing: fill what exists
    row = AuditEvent.objects.create(**{k: v for k, v in {
        "idempotency_key": "k", "request_hash": "h", "action": "a.b", "actor": "t", "on": day(1),
        "subject": "s"}.items() if k in fields})
    refused("UPDATE audit_auditevent SET actor = 'x' WHERE id = %s", [row.pk])
    refused("DELETE FROM audit_auditevent WHERE id = %s", [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).actor == "t"
