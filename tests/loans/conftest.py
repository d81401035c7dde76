import datetime as dt
from decimal import Decimal

import pytest

from riskpool.programs import services as programs
from riskpool.registry import services as registry

KUNSHAN_FORM = {"company_name": "昆山某企业", "registered_address": "昆山", "industry_field": "软件",
                "financing_need": 300, "paid_in_capital": 500, "core_ip": True, "contact": "陈",
                "contact_phone": "1", "town_officer": "周", "town_officer_phone": "2", "reasons": "人才"}


def whitelist_in_kunshan(program, firm, on=dt.date(2025, 3, 3)):
    """Kunshan 第五条: the 科技局 recommends with the form, the manager includes."""
    registry.whitelist_step(program, firm, "recommendation", on=on, actor="科技局", form=KUNSHAN_FORM)
    return registry.whitelist_step(program, firm, "inclusion", on=on, actor="管理人")


@pytest.fixture(name="whitelist_in_kunshan")
def _whitelist_in_kunshan():
    return whitelist_in_kunshan


@pytest.fixture
def kunshan_world():
    """A pool of 1,000,000 backing kunshan-kunyurong, one lender, one whitelisted talent enterprise."""
    program = programs.get("kunshan-kunyurong")
    fund = registry.create_fund("ks-pool", "综合风险池", ["kunshan-kunyurong"], actor="财政局")
    registry.inject_capital(fund, dt.date(2025, 1, 2), Decimal("1000000"), actor="财政局")
    lender = registry.register_institution("ks-lease", "租赁", "lender")
    registry.sign_agreement(lender, program, role="lender", start=dt.date(2024, 6, 1), end=dt.date(2026, 12, 31),
                            actor="财政局")
    firm = registry.register_borrower("91320583MA1K00030E", "昆山某企业", facts={
        "registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]})
    whitelist_in_kunshan(program, firm)
    return program, fund, lender, firm
