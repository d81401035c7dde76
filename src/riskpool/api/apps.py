from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "riskpool.api"
    label = "api"
    verbose_name = "接口"
