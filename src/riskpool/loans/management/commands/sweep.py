"""Periodic work (run daily): notices and claim steps past their due date, and each covered loan's
five-tier class by days past due. Plain management command: `riskpool sweep [--on DATE]`."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from riskpool.sweep import sweep


class Command(BaseCommand):
    help = "List overdue notices and claim steps, and classify covered loans by days past due."

    def add_arguments(self, parser):
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="date (default: today)")

    def handle(self, *args, on=None, **options):
        self.stdout.write(sweep(on or dt.date.today()))
