"""One fund backing several programs (Kunshan 综合风险池, 第九条): each program's filings are checked against
the fund's total covered outstanding."""

import datetime as dt
from decimal import Decimal
from importlib import resources

import pytest

from riskpool.loans import services as loans
from riskpool.programs import services as programs
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db
D = Decimal


def test_kunshan_article_9_sibling_products_share_the_pool(tmp_path, whitelist_in_kunshan):
    # a sibling product of the pool: the same rules under another id, as a fourth policy file would be
    text = (resources.files("riskpool.policy") / "programs" / "kunshan-kunyurong.yaml").read_text("utf-8")
    sibling_file = tmp_path / "kunshan-sibling.yaml"
    sibling_file.write_text(text.replace("id: kunshan-kunyurong", "id: kunshan-sibling"), encoding="utf-8")
    sibling = programs.load_policy_file(sibling_file)
    kunyurong = programs.get("kunshan-kunyurong")
    fund = registry.create_fund("ks-pool", "昆山市综合风险池", ["kunshan-kunyurong", "kunshan-sibling"], actor="财政局")
    registry.inject_capital(fund, dt.date(2025, 1, 2), D("1000000"), actor="财政局")  # × 15 = 15,000,000
    lender = registry.register_institution("l", "租赁", "lender")
    firm = registry.register_borrower("91320583MA1K00030E", "企业", facts={
        "registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]})
    for program in (kunyurong, sibling):
        registry.sign_agreement(lender, program, role="lender", start=dt.date(2024, 6, 1), end=dt.date(2026, 12, 31),
                                actor="x")
        whitelist_in_kunshan(program, firm)
    loans.file_loan(code="A", program=kunyurong, lender=lender, borrower=firm, amount=D("9000000"),
                    issue_date=dt.date(2025, 3, 10), term_months=24, actor="l")
    loans.file_loan(code="B", program=sibling, lender=lender, borrower=firm, amount=D("6000000"),
                    issue_date=dt.date(2025, 3, 10), term_months=24, actor="l")
    with pytest.raises(loans.LoanError, match=r"covered outstanding after filing 15000000.01"):
        loans.file_loan(code="C", program=sibling, lender=lender, borrower=firm, amount=D("0.01"),
                        issue_date=dt.date(2025, 3, 11), term_months=24, actor="l")


def test_a_program_is_backed_by_one_fund_only():
    registry.create_fund("f1", "一", ["kunshan-kunyurong"], actor="x")
    with pytest.raises(registry.RegistryError, match="already backed by fund f1"):
        registry.create_fund("f2", "二", ["kunshan-kunyurong"], actor="x")
