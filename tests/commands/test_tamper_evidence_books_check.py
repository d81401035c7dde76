"""`riskpool books check` catches an audit row, a history event, a running total or a claim amount changed
behind the services' back — edited (even with its plain request hash recomputed), inserted or deleted.
(The ledger's own tamper tests are in tests/integrity and tests/ledger.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.db import connection

from riskpool.audit.models import AuditEvent, HistoryEvent
from riskpool.cli import main
from riskpool.figures.models import RunningTotal

from ledger.conftest import tamper

pytestmark = pytest.mark.django_db(transaction=True)

STORY = Path(__file__).parents[2] / "examples/scenarios/kezhou-default-compensated-recovered.yaml"


@pytest.fixture
def kept(capsys):
    assert main(["scenario", "run", "--keep", str(STORY)]) == 0
    assert main(["books", "check"]) == 0
    capsys.readouterr()


def check(capsys) -> str:
    assert main(["books", "check"]) == 1
    return capsys.readouterr().out


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def test_an_edited_history_amount_is_caught(kept, capsys):
    event = HistoryEvent.objects.filter(kind="claim.paid").first()
    tamper(f"UPDATE {q('audit_historyevent')} SET amount = %s WHERE id = %s", ["1.00", event.pk])
    assert f"(audit.AuditEvent #{event.audit_id}): row edited after sealing" in check(capsys)


def test_an_audit_result_edited_with_its_plain_hash_recomputed_is_caught(kept, capsys):
    audit = AuditEvent.objects.filter(action="claims.pay").first()
    result = {**audit.result, "paid": "9999999.00"}
    digest = hashlib.sha256(json.dumps(audit.detail, sort_keys=True).encode()).hexdigest()
    tamper(f"UPDATE {q('audit_auditevent')} SET result = %s, request_hash = %s WHERE id = %s",
           [json.dumps(result), digest, audit.pk])
    assert f"(audit.AuditEvent #{audit.pk}): row edited after sealing" in check(capsys)


def test_an_inserted_history_event_is_caught(kept, capsys):
    audit = AuditEvent.objects.filter(action="claims.pay").first()
    tamper(f"INSERT INTO {q('audit_historyevent')} (kind, {q('on')}, fund, program, lender, borrower, loan, claim, "
           "amount, article, data, audit_id) VALUES ('claim.paid', '2026-12-01', 'kz-fund', 'kezhou-industry', "
           "'kz-bank', '', '', '', 100000, '', '{}', %s)", [audit.pk])
    assert f"(audit.AuditEvent #{audit.pk}): row edited after sealing" in check(capsys)


def test_a_deleted_audit_row_is_caught(kept, capsys):
    audit = AuditEvent.objects.filter(action="loans.repay").first()
    tamper(f"DELETE FROM {q('audit_historyevent')} WHERE audit_id = %s", [audit.pk])
    tamper(f"DELETE FROM {q('audit_auditevent')} WHERE id = %s", [audit.pk])
    chains = check(capsys).split("hash chains:")[1]
    assert f"audit.AuditEvent #{audit.pk}" in chains and "intact" not in chains


def test_an_edited_running_total_is_caught(kept, capsys):
    total = RunningTotal.objects.filter(name__startswith="covered:fund:").first()
    tamper(f"UPDATE {q('figures_runningtotal')} SET fen = fen + 1 WHERE id = %s", [total.pk])
    assert f"running total {total.name} is" in check(capsys)


def test_an_edited_claim_amount_is_caught(kept, capsys):
    tamper(f"UPDATE {q('claims_claim')} SET paid_amount = paid_amount + 100")
    out = check(capsys)
    assert "approved − paid on the claims" in out
