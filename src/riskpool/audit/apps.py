from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "riskpool.audit"
    verbose_name = "审计记录 / audit trail"
