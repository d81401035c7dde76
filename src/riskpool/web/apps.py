from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "riskpool.web"
    label = "web"
    verbose_name = "平台"
