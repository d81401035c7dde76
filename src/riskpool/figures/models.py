"""Running totals: one row per figure that a hot path reads, in whole fen, updated in the same transaction
as the change that moves it (``riskpool.figures.totals``); ``books check`` proves each equals its history."""

from django.db import models


class RunningTotal(models.Model):
    name = models.CharField(max_length=160, unique=True, help_text="e.g. covered:fund:3")
    fen = models.BigIntegerField(default=0, help_text="the total in whole fen (0.01 yuan)")

    class Meta:
        verbose_name = "累计数 (running total)"

    def __str__(self) -> str:
        return f"{self.name} = {self.fen} fen"
