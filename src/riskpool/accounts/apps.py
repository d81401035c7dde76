from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "riskpool.accounts"
    label = "accounts"
    verbose_name = "用户与机构"
