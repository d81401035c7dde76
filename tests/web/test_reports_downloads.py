"""Each report as HTML and as CSV / XLSX downloads: the right content type, the figures of the report functions
(riskpool.reports.services), bad input answered 400 with the field named."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

from claims.conftest import kezhou_paid_claim, kezhou_world

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world():
    w = kezhou_world()
    claim = kezhou_paid_claim(w)  # 672,500 paid on 2026-11-16
    return w, claim


@pytest.fixture
def bureau() -> Client:
    inst = registry.register_institution("kz-bureau", "财政局", Institution.FINANCE_BUREAU)
    user = User.objects.create_user("bureau-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


def rows(response, sheet_first_col="item"):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese labels
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_fund_position_html_shows_the_figures(world, bureau):
    response = bureau.get("/reports/position/", {"fund": "kz-fund", "on": "2026-11-30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "99,327,500.00" in page  # 100,000,000 − 672,500
    assert "672,500.00" in page
    assert "format=xlsx" in page and "format=csv" in page


def test_fund_position_csv(world, bureau):
    response = bureau.get("/reports/position/", {"fund": "kz-fund", "on": "2026-11-30", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    by_item = {r["item"]: r["value"] for r in rows(response)}
    assert Decimal(by_item["cash"]) == Decimal("99327500.00")
    assert Decimal(by_item["compensated"]) == Decimal("672500.00")


def test_fund_position_csv_of_another_sheet(world, bureau):
    response = bureau.get("/reports/position/", {"fund": "kz-fund", "on": "2026-11-30", "format": "csv",
                                                 "sheet": "capacity"})
    assert response.status_code == 200
    (line,) = rows(response)
    assert line["program"] == "kezhou-industry" and Decimal(line["leverage"]) == 10


def test_fund_position_xlsx(world, bureau):
    response = bureau.get("/reports/position/", {"fund": "kz-fund", "on": "2026-11-30", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content))
    assert {"position", "capacity"} <= set(wb.sheetnames)
    values = {r[0]: r[2] for r in wb["position"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(values["cash"])) == Decimal("99327500")


def test_bad_loan_register_lists_the_paid_claim(world, bureau):
    w, claim = world
    response = bureau.get("/reports/bad-loans/", {"program": "kezhou-industry", "on": "2026-11-30"})
    assert response.status_code == 200
    assert claim.code in response.content.decode()
    response = bureau.get("/reports/bad-loans/", {"program": "kezhou-industry", "on": "2026-11-30", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert claim.code in response.content.decode("utf-8")


def test_lender_performance_shows_the_threshold_article(world, bureau):
    response = bureau.get("/reports/performance/", {"program": "kezhou-industry", "on": "2026-11-30"})
    assert response.status_code == 200
    assert "第二十五条（二）" in response.content.decode()


def test_quarterly_report_xlsx(world, bureau):
    response = bureau.get("/reports/quarterly/", {"fund": "kz-fund", "year": "2026", "quarter": "4",
                                                  "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content))
    values = {r[0]: r[2] for r in wb["quarter"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(values["compensation_paid"])) == Decimal("672500")


def test_lender_return_by_month_and_by_quarter(world, bureau):
    for period in ("2026-11", "2026-Q4"):
        response = bureau.get("/reports/lender-return/", {"program": "kezhou-industry", "lender": "kz-bank",
                                                          "period": period, "format": "csv"})
        assert response.status_code == 200
        by_item = {r["item"]: r["value"] for r in rows(response)}
        assert Decimal(by_item["compensation_received"]) == Decimal("672500.00")


def test_usage_register_html(world, bureau):
    response = bureau.get("/reports/usage/", {"fund": "kz-fund", "start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    assert "672,500.00" in response.content.decode()


@pytest.mark.parametrize("kind,query,field", [
    ("position", {"fund": "kz-fund", "on": "2026-13-01"}, "YYYY-MM-DD"),
    ("position", {"fund": "nope", "on": "2026-11-30"}, "nope"),
    ("usage", {"fund": "kz-fund", "start": "2026-11-30", "end": "2026-11-01"}, "截止日早于起始日"),
    ("lender-return", {"program": "kezhou-industry", "lender": "kz-bank", "period": "2026-13"}, "YYYY-MM"),
    ("lender-return", {"program": "kezhou-industry", "lender": "kz-guarantee", "period": "2026-11"}, "kz-guarantee"),
    ("quarterly", {"fund": "kz-fund", "year": "2026", "quarter": "5"}, "1–4"),
    ("position", {"fund": "kz-fund", "on": "2026-11-30", "format": "pdf"}, "csv"),
])
def test_bad_input_is_400_and_names_the_problem(world, bureau, kind, query, field):
    response = bureau.get(f"/reports/{kind}/", query)
    assert response.status_code == 400
    assert field in response.content.decode()


def test_an_unknown_sheet_is_400(world, bureau):
    response = bureau.get("/reports/position/", {"fund": "kz-fund", "on": "2026-11-30", "format": "csv",
                                                 "sheet": "nope"})
    assert response.status_code == 400


def test_the_form_alone_renders(world, bureau):
    response = bureau.get("/reports/usage/")
    assert response.status_code == 200
    assert 'name="start"' in response.content.decode()
