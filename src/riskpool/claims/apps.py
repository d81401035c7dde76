from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "riskpool.claims"
    verbose_name = "代偿 / claims"
