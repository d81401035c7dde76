from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """No models: reports only read (docs/reports.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "riskpool.reports"
    label = "reports"
    verbose_name = "报表 (reports)"
