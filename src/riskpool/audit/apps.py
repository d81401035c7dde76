from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "riskpool.audit"
    verbose_name = "审计记录 / audit trail"

    def ready(self) -> None:
        # The chain seals one link per command: its audit row with its history rows (commands.dispatcher).
        from riskpool.audit.models import AuditEvent
        from riskpool.commands.dispatcher import AUDIT_TABLE, audit_content
        from riskpool.integrity import chain

        chain.register(AUDIT_TABLE, AuditEvent, audit_content, prefetch=("history",))
