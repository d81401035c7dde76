from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "riskpool.loans"
    verbose_name = "贷款 / loans"
