"""A filing form with a missing or malformed field re-renders with a clear message and status 400, and writes
nothing: amounts are parsed by the one strict parser (riskpool.inputs), the same the CLI and the API use."""

from __future__ import annotations

import pytest

from conftest_loans import counts, filing, login, loan_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", ["1e6", "1,00,000", "100000.001", "abc", "-5", "0", "１００"])
def test_a_malformed_amount_is_400_and_nothing_is_written(amount):
    loan_world()
    client = login("kz-bank")
    before = counts()
    for button in ("file", "check"):
        response = client.post("/loans/file/", {**filing(amount=amount), button: "1"})
        assert response.status_code == 400, (amount, button)
        text = response.content.decode()
        assert 'class="error"' in text and ("格式不正确" in text or "须大于零" in text)
    assert counts() == before


@pytest.mark.parametrize("field, value, shown", [
    ("term_months", "twelve", "whole number"),
    ("issue_date", "2025-02-30", "valid date"),
    ("guarantee_fee_rate", "8%", "rate"),
    ("borrower", "", "必填"),
    ("code", "has space", "code"),
])
def test_other_malformed_fields_name_the_field(field, value, shown):
    loan_world()
    before = counts()
    response = login("kz-bank").post("/loans/file/", {**filing(**{field: value}), "file": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert shown in text or "This field is required" in text
    assert counts() == before


def test_a_forged_form_key_is_400():
    loan_world()
    before = counts()
    response = login("kz-bank").post("/loans/file/", {**filing(key="not-a-uuid"), "file": "1"})
    assert response.status_code == 400 and "表单已失效" in response.content.decode()
    assert counts() == before
