from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "riskpool.programs"
    verbose_name = "项目 / programs"
