from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "riskpool.integrity"
    label = "integrity"
    verbose_name = "防篡改链 (tamper-evident chain)"
