"""Every kind of edit behind the services' back that the chain catches, through ``chain.verify`` and
``ledger.services.check_books``."""

import pytest
from django.test import override_settings

from riskpool.integrity import chain
from riskpool.integrity.models import ChainHead, ChainLink
from riskpool.ledger import chained, core, services
from riskpool.ledger.models import LedgerPosting, LedgerTransaction

from .conftest import tamper

TXN = LedgerTransaction._meta.db_table
POSTING = LedgerPosting._meta.db_table
LINK = ChainLink._meta.db_table


def stream(book):
    return chained.stream_for(book.pk)


def test_every_transaction_is_sealed_in_its_books_stream(posted):
    ids = list(LedgerTransaction.objects.filter(book=posted).order_by("pk").values_list("pk", flat=True))
    links = list(ChainLink.objects.filter(stream=stream(posted)).order_by("seq"))
    assert [(link.seq, link.table, link.row_pk) for link in links] == [
        (i + 1, "ledger_ledgertransaction", pk) for i, pk in enumerate(ids)]
    assert chain.head(stream(posted)) == (len(ids), links[-1].mac)
    assert chain.verify() == [] and chain.verify(stream(posted)) == []


def test_a_posting_amount_updated_with_raw_sql_is_caught(posted):
    payment = LedgerTransaction.objects.get(idempotency_key="pay")
    cash = payment.postings.get(account="assets:cash")
    # both postings changed so that the transaction still balances and the cash stays positive
    tamper(f"UPDATE {POSTING} SET amount = CASE WHEN account = 'assets:cash' THEN -30 ELSE 30 END "
           f"WHERE transaction_id = %s", [payment.pk])
    assert LedgerPosting.objects.get(pk=cash.pk).amount == -30
    edited = f"chain {stream(posted)} #3 (ledger_ledgertransaction #{payment.pk}): row edited after sealing"
    assert [p for p in chain.verify(stream(posted)) if p.startswith(edited)]
    assert [p for p in services.check_books(posted) if p.startswith(edited)]


def test_a_memo_updated_with_its_plain_content_hash_recomputed_is_caught(posted):
    payment = LedgerTransaction.objects.get(idempotency_key="pay")
    forged = core.Transaction(payment.date, payment.kind, "代偿支付 C-9 (forged)", payment.to_core().postings)
    tamper(f"UPDATE {TXN} SET memo = %s, content_hash = %s WHERE id = %s",
           [forged.memo, core.content_hash(forged, reverses=None), payment.pk])
    problems = services.check_books(posted)
    assert not [p for p in problems if "content hash" in p]  # the plain hash is fooled…
    assert problems == [f"chain {stream(posted)} #3 (ledger_ledgertransaction #{payment.pk}): "
                        "row edited after sealing (content digest mismatch)"]  # …the keyed chain is not


def test_a_transaction_inserted_with_raw_sql_is_caught(posted):
    tamper(f"INSERT INTO {TXN} (book_id, date, kind, memo, idempotency_key, content_hash, actor, created_at) "
           "VALUES (%s, '2025-01-06', 'income', 'slipped in', 'ghost', 'x', 'nobody', '2025-01-06 00:00:00+00')",
           [posted.pk])
    ghost = LedgerTransaction.objects.get(idempotency_key="ghost")
    tamper(f"INSERT INTO {POSTING} (transaction_id, account, amount) VALUES (%s, 'assets:cash', 5), "
           "(%s, 'income:interest', -5)", [ghost.pk, ghost.pk])
    unlinked = (f"chain {stream(posted)}: ledger_ledgertransaction #{ghost.pk} has no link "
                "(inserted behind the services' back?)")
    assert chain.verify(stream(posted)) == [unlinked]
    assert unlinked in services.check_books(posted)
    assert chain.verify() == [unlinked]


def test_a_transaction_deleted_with_raw_sql_is_caught(posted):
    payment = LedgerTransaction.objects.get(idempotency_key="pay")
    tamper(f"DELETE FROM {POSTING} WHERE transaction_id = %s", [payment.pk])
    tamper(f"DELETE FROM {TXN} WHERE id = %s", [payment.pk])
    missing = f"chain {stream(posted)} #3 (ledger_ledgertransaction #{payment.pk}): row is missing (deleted row?)"
    assert chain.verify(stream(posted)) == [missing]
    assert missing in services.check_books(posted)


def test_a_chain_link_deleted_is_caught(posted):
    tamper(f"DELETE FROM {LINK} WHERE stream = %s AND seq = 2", [stream(posted)])
    problems = chain.verify(stream(posted))
    approval = LedgerTransaction.objects.get(idempotency_key="ap")
    assert f"chain {stream(posted)}: link 2 missing (deleted link?) before #3" in problems
    assert any(p.startswith(f"chain {stream(posted)} #3 ") and "MAC chain broken" in p for p in problems)
    assert (f"chain {stream(posted)}: ledger_ledgertransaction #{approval.pk} has no link "
            "(inserted behind the services' back?)") in problems
    assert set(problems) <= set(services.check_books(posted))


def test_links_reordered_are_caught(posted):
    s = stream(posted)
    tamper(f"UPDATE {LINK} SET seq = -seq WHERE stream = %s AND seq IN (2, 3)", [s])
    tamper(f"UPDATE {LINK} SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE stream = %s AND seq IN (-2, -3)", [s])
    problems = chain.verify(s)
    assert any(p.startswith(f"chain {s} #2 ") and "MAC chain broken" in p for p in problems), problems


def test_an_edited_row_with_its_links_digest_rewritten_breaks_the_mac(posted):
    payment = LedgerTransaction.objects.get(idempotency_key="pay")
    tamper(f"UPDATE {TXN} SET actor = 'someone else' WHERE id = %s", [payment.pk])
    payment.refresh_from_db()
    tamper(f"UPDATE {LINK} SET digest = %s WHERE table = %s AND row_pk = %s".replace("table", '"table"'),
           [chain.content_digest(chained.content_of(payment)), chained.TABLE, payment.pk])
    assert chain.verify(stream(posted)) == [
        f"chain {stream(posted)} #3 (ledger_ledgertransaction #{payment.pk}): "
        "MAC chain broken (a link deleted, reordered, inserted or edited)"]


def test_truncating_the_newest_links_is_caught_by_the_head_or_else_only_by_an_anchor(posted):
    s = stream(posted)
    anchor = chain.head(s)
    assert anchor[0] == 5
    last = LedgerTransaction.objects.filter(book=posted).order_by("-pk").first()
    tamper(f"DELETE FROM {POSTING} WHERE transaction_id = %s", [last.pk])
    tamper(f"DELETE FROM {TXN} WHERE id = %s", [last.pk])
    tamper(f"DELETE FROM {LINK} WHERE stream = %s AND seq = 5", [s])
    assert chain.verify(s) == [f"chain {s}: head says seq 5 but the last link is #4 (newest links deleted?)"]
    previous = ChainLink.objects.get(stream=s, seq=4)
    ChainHead.objects.filter(stream=s).update(seq=4, mac=previous.mac)  # a careful attacker fixes the head too
    assert chain.verify(s) == []  # what a chain alone cannot see (docs/integrity.md)
    assert chain.verify(s, anchors={s: anchor}) == [
        f"chain {s}: anchored link #5 is missing (truncated below the anchor?)"]


def test_without_the_key_nothing_verifies(posted):
    with override_settings(RISKPOOL_CHAIN_KEY="another key"):
        problems = chain.verify(stream(posted))
    assert len(problems) == 5 and all("MAC chain broken" in p for p in problems)


def test_seal_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(chain.ChainError, match="inside the transaction"):
        chain.seal("test", "auth_group", 1, {"name": "x"})
