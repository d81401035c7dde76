"""The count totals (``count:covered:fund:N``, ``count:program:P:lender:L``): covered loans per fund and per
lender, kept by every loan save from now on, backfilled here from the loans already filed."""

from collections import Counter

from django.db import migrations


def backfill(apps, schema_editor):
    Loan = apps.get_model("loans", "Loan")
    RunningTotal = apps.get_model("figures", "RunningTotal")
    counts: Counter = Counter()
    for fund_id, program_id, lender_id in (Loan.objects.filter(status__in=("filed", "claimed"))
                                           .values_list("fund_id", "program_id", "lender_id").iterator()):
        counts[f"count:covered:fund:{fund_id}"] += 1
        counts[f"count:program:{program_id}:lender:{lender_id}"] += 1
    RunningTotal.objects.filter(name__startswith="count:").delete()
    RunningTotal.objects.bulk_create([RunningTotal(name=n, fen=c) for n, c in sorted(counts.items())],
                                     batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("figures", "0002_opening"), ("loans", "0006_loan_rate_and_facts")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
