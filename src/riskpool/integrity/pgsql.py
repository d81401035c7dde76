"""Migration helpers: triggers that make a table append-only on PostgreSQL (refuse UPDATE and DELETE).

``AppendOnlyTrigger(table)`` is a ``RunSQL`` that runs only when the migration's connection is PostgreSQL; on
SQLite it does nothing (there the chain still detects the change: ``riskpool.integrity.chain.verify``). TRUNCATE
is not refused (row triggers do not see it; the test runner empties tables that way); a truncation shows up as
deleted links and rows in ``verify`` — see docs/integrity.md.
"""

from __future__ import annotations

from django.db import migrations

FUNCTION = "riskpool_refuse_change"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused (correct by a new row, never by an edit)',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def trigger_name(table: str) -> str:
    return f"{table}_append_only"


class PostgresOnlySQL(migrations.RunSQL):
    """``RunSQL`` applied only on PostgreSQL (a no-op elsewhere, both ways)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def append_only(*tables: str) -> PostgresOnlySQL:
    """One operation: the shared function (created if missing) and a BEFORE UPDATE OR DELETE trigger per table.

    The reverse drops the triggers; it leaves the function, which other tables' triggers may still use.
    """
    forwards = [CREATE_FUNCTION]
    backwards = []
    for table in tables:
        name = trigger_name(table)
        forwards.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}";')
        forwards.append(f'CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON "{table}" '
                        f'FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();')
        backwards.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}";')
    return PostgresOnlySQL(sql=forwards, reverse_sql=backwards, elidable=False)
