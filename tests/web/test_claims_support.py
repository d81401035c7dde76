"""Shared builders of the claim and document page tests (imported explicitly: ``from test_claims_support import
...``; it holds no tests of its own).

A kezhou world (kz-bank lends, kz-guarantee guarantees) with kz-bank's defaulted loan KZ-2025-001 (claims.
conftest), a fund manager (kz-manager) and the finance bureau (kz-bureau) with two users each (four eyes),
and a second lender (other-bank) that must see none of it. Uploaded files go to a fresh MEDIA_ROOT.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from riskpool.accounts.models import Membership
from riskpool.audit.models import AuditEvent
from riskpool.claims.models import Claim, ClaimStep
from riskpool.registry import services as registry
from riskpool.registry.models import Institution
from riskpool.web.models import ClaimDocument

from claims.conftest import KEZHOU_CONDITIONS, KEZHOU_DOCUMENTS, d, kezhou_defaulted_loan, kezhou_world

LOAN = "KZ-2025-001"
CLAIM = "KZ-2025-001-C1"

# the smallest files of each accepted type, by their signatures (nothing here opens or renders them)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200


def login(code: str, kind: str | None = None, *, username: str | None = None, csrf: bool = False) -> Client:
    """A client logged in as a new user of institution ``code`` (registered with ``kind`` if unknown)."""
    inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, f"{code} 名称", kind)
    user = User.objects.create_user(username or f"{code}-user", password="pw-not-used-1")
    Membership.objects.create(user=user, institution=inst)
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


class Parties:
    """The logins of the claim flow."""

    def __init__(self) -> None:
        self.bank = login("kz-bank", username="bank-clerk")
        self.bank2 = login("kz-bank", username="bank-clerk-2")
        self.manager = login("kz-manager", Institution.FUND_MANAGER, username="manager-1")
        self.manager2 = login("kz-manager", username="manager-2")
        self.bureau = login("kz-bureau", Institution.FINANCE_BUREAU, username="bureau-1")
        self.bureau2 = login("kz-bureau", username="bureau-2")
        self.guarantor = login("kz-guarantee", username="guarantee-clerk")
        self.other = login("other-bank", Institution.LENDER, username="other-clerk")


def claim_world():
    """The kezhou world with kz-bank's defaulted loan; returns (world, loan, parties)."""
    w = kezhou_world()
    loan = kezhou_defaulted_loan(w)
    return w, loan, Parties()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    f.content_type = content_type  # what the browser claims: never trusted
    return f


def submission(key: str | None = None, *, on: str = "2026-09-29", documents: list[str] | None = None,
               files: dict[str, tuple[str, bytes]] | None = None, **over: Any) -> dict[str, Any]:
    """The kezhou submission form: every condition answered as KEZHOU_CONDITIONS, 200,000 recovered, a PDF
    for each of ``documents`` (all four by default)."""
    data: dict[str, Any] = {"key": key or str(uuid.uuid4()), "on": on, "recoveries": "200,000.00",
                            "third_party_payouts": "0", "unpaid_interest": "", "code": ""}
    for fact, value in KEZHOU_CONDITIONS.items():
        data[f"cond_{fact}"] = "yes" if value else "no"
    for doc in KEZHOU_DOCUMENTS if documents is None else documents:
        data[f"doc_{doc}"] = upload(f"{doc}.pdf", PDF + doc.encode())
    for field, (name, content) in (files or {}).items():
        data[field] = upload(name, content)
    data.update(over)
    return data


def submit_url(loan: str = LOAN) -> str:
    return reverse("web:claim_submit", args=[loan])


def claim_url(code: str = CLAIM) -> str:
    return reverse("web:claim", args=[code])


def submit(client: Client, **over: Any):
    return client.post(submit_url(), submission(**over))


def act(client: Client, action: str, on: str, code: str = CLAIM, **fields: Any):
    data = {"action": action, "on": on, "key": str(uuid.uuid4()), **fields}
    return client.post(claim_url(code), data)


def review(client: Client, step: str, on: str, approve: bool = True, reason: str = "", code: str = CLAIM):
    return act(client, "review", on, code, step=step, decision="approve" if approve else "refuse", reason=reason)


KEZHOU_REVIEWS = [("first_review", "2026-10-12", "manager"), ("bureau_review", "2026-10-26", "bureau"),
                  ("government_approval", "2026-11-05", "bureau2"), ("compensation_notice", "2026-11-09", "bureau")]


def files_on_disk(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def counts() -> tuple[int, int, int, int]:
    """What a refused request must leave as it was: claims, steps, documents, audit rows."""
    return (Claim.objects.count(), ClaimStep.objects.count(), ClaimDocument.objects.count(),
            AuditEvent.objects.count())


__all__ = ["LOAN", "CLAIM", "PDF", "PNG", "JPEG", "EXE", "ZIP", "login", "Parties", "claim_world", "media", "upload",
           "submission", "submit_url", "claim_url", "submit", "act", "review", "KEZHOU_REVIEWS", "files_on_disk",
           "counts", "d"]
