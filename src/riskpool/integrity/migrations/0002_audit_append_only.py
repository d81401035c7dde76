"""On PostgreSQL, audit rows and history rows refuse UPDATE and DELETE too (``riskpool.integrity.pgsql``). A no-op
on SQLite. Sealing them into the chain is the dispatcher's job (``integrity.chain.seal`` / ``register``).
"""

from django.db import migrations

from riskpool.integrity.pgsql import append_only


class Migration(migrations.Migration):

    dependencies = [
        ("integrity", "0001_initial"),
        ("audit", "0002_auditevent_changes_historyevent"),  # the audit app's latest migration
    ]

    operations = [
        append_only("audit_auditevent", "audit_historyevent"),
    ]
