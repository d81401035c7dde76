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


MONEY = {"max_digits": 18, "decimal_places": 2}


class OpeningPosition(models.Model):
    """A fund's opening position (开账): the book it had before it adopted riskpool, imported once, as the fund's
    first business (``riskpool.opening``). One per fund: a second opening is refused."""

    fund = models.OneToOneField("registry.Fund", on_delete=models.PROTECT, related_name="opening")
    as_of = models.DateField(help_text="the opening date (开账日): the position is the one at the end of this day")
    compensation = models.DecimalField(**MONEY, default=0, help_text="the fund's payments before the opening")
    recoveries = models.DecimalField(**MONEY, default=0, help_text="recoveries the fund received before the opening")
    loans = models.PositiveIntegerField(default=0, help_text="loans outstanding at the opening (filed as opening)")
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "开账 (opening position)"

    def __str__(self) -> str:
        return f"opening of fund {self.fund_id} on {self.as_of}"


class OpeningFigure(models.Model):
    """One lender's past business in one program and year, before the opening (per guarantor where given): what
    the ratios and caps count besides riskpool's own records (``figures.totals``, ``figures.lenders``).

    ``financing``: loans issued that year and released before the opening (the outstanding ones are filed as
    loans); ``released``: guarantees released that year (repaid in full or compensated); ``compensation``: the
    fund's payments that year; ``recoveries``: what the fund recovered that year. ``dated``: the date the year's
    figures count from in a window — the end of the year, or the opening date for the opening year."""

    opening = models.ForeignKey(OpeningPosition, on_delete=models.PROTECT, related_name="figures")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    lender = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    guarantor = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    year = models.PositiveIntegerField()
    dated = models.DateField()
    financing = models.DecimalField(**MONEY, default=0)
    released = models.DecimalField(**MONEY, default=0)
    compensation = models.DecimalField(**MONEY, default=0)
    recoveries = models.DecimalField(**MONEY, default=0)

    class Meta:
        verbose_name = "开账前业绩 (opening figure)"
        indexes = [models.Index(fields=["program", "lender"], name="opening_figure_lender")]
