from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "riskpool.ledger"
    label = "ledger"
    verbose_name = "资金专账 (fund's books)"
