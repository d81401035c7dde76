from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "riskpool.registry"
    verbose_name = "登记 / registry"
