"""Tamper evidence for the books (docs/integrity.md).

1. Seal the transactions already stored into their book's chain stream (in id order, the order they were
   written), exactly as ``services.post`` seals new ones. Needs ``settings.RISKPOOL_CHAIN_KEY`` — set the
   production key before migrating. Reverse: drop those links (only when un-migrating a database).
2. On PostgreSQL, triggers refuse UPDATE and DELETE on transactions and postings (``riskpool.integrity.pgsql``).
"""

from django.db import migrations

from riskpool.integrity import chain
from riskpool.integrity.pgsql import append_only
from riskpool.ledger import chained


def seal_existing(apps, schema_editor):
    Book = apps.get_model("ledger", "Book")
    LedgerTransaction = apps.get_model("ledger", "LedgerTransaction")
    ChainHead = apps.get_model("integrity", "ChainHead")
    ChainLink = apps.get_model("integrity", "ChainLink")
    key = chain._key()
    for book in Book.objects.order_by("pk"):
        stream = chained.stream_for(book.pk)
        head, _ = ChainHead.objects.get_or_create(stream=stream)
        seq, prev = head.seq, head.mac or chain.genesis(stream, key)
        sealed = set(ChainLink.objects.filter(table=chained.TABLE).values_list("row_pk", flat=True))
        links = []
        for row in LedgerTransaction.objects.filter(book=book).order_by("pk").prefetch_related("postings"):
            if row.pk in sealed:
                continue
            digest = chain.content_digest(chained.content_of(row))
            seq, prev = seq + 1, chain.link_mac(prev, chained.TABLE, row.pk, digest, key)
            links.append(ChainLink(stream=stream, seq=seq, table=chained.TABLE, row_pk=row.pk, digest=digest,
                                   mac=prev))
        ChainLink.objects.bulk_create(links, batch_size=500)
        ChainHead.objects.filter(pk=head.pk).update(seq=seq, mac=prev if seq else "")


def unseal(apps, schema_editor):
    pass  # the links go with the integrity app's tables; nothing of the ledger's to undo


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0002_running_balances"),
        ("integrity", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seal_existing, unseal, elidable=False),
        append_only("ledger_ledgertransaction", "ledger_ledgerposting"),
    ]
