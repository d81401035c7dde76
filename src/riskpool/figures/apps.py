from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "riskpool.figures"
    label = "figures"
    verbose_name = "指标 (figures)"
