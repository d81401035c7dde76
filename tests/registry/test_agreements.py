"""Cooperation agreements: kezhou 第八条（一） at most five years; status changes (第二十五条, kunshan 第二十三条)."""

import datetime as dt

import pytest

from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Agreement

pytestmark = pytest.mark.django_db


def test_kezhou_article_8_agreement_at_most_five_years():
    program = programs.get("kezhou-industry")
    bank = registry.register_institution("kz-bank", "银行", "lender")
    with pytest.raises(registry.RegistryError, match="第八条（一）"):
        registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 4, 1), end=dt.date(2030, 4, 2),
                                actor="财政局")
    a = registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 4, 1), end=dt.date(2030, 4, 1),
                                actor="财政局")
    assert a.status == Agreement.ACTIVE


def test_two_lenders_with_the_same_dates_get_their_own_agreements():
    program = programs.get("kunshan-kunyurong")
    a = registry.sign_agreement(registry.register_institution("a", "A", "lender"), program, role="lender",
                                start=dt.date(2024, 6, 1), end=dt.date(2026, 12, 31), actor="x")
    b = registry.sign_agreement(registry.register_institution("b", "B", "lender"), program, role="lender",
                                start=dt.date(2024, 6, 1), end=dt.date(2026, 12, 31), actor="x")
    assert a.pk != b.pk and b.institution.code == "b"


def test_lender_status_outside_the_agreement_period_is_terminated():
    program = programs.get("kunshan-kunyurong")
    lender = registry.register_institution("a", "A", "lender")
    registry.sign_agreement(lender, program, role="lender", start=dt.date(2024, 6, 1), end=dt.date(2025, 12, 31),
                            actor="x")
    assert registry.lender_status(lender, program, dt.date(2025, 12, 31)) == "active"
    assert registry.lender_status(lender, program, dt.date(2026, 1, 1)) == "terminated"


def test_terminated_cooperation_is_not_restored():
    program = programs.get("kezhou-industry")
    bank = registry.register_institution("kz-bank", "银行", "lender")
    a = registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 4, 1), end=dt.date(2030, 3, 31),
                                actor="财政局")
    registry.set_agreement_status(a, "terminated", on=dt.date(2026, 4, 15), reason="不良率 10%", article="第二十五条（二）",
                                  actor="财政局")
    with pytest.raises(registry.RegistryError, match="not restored"):
        registry.set_agreement_status(a, "active", on=dt.date(2026, 5, 1), reason="整改", article="", actor="财政局")
