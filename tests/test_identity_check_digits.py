"""Identity numbers: USCC (GB 32100-2015) and resident ID (GB 11643-1999) check digits."""

import datetime as dt

import pytest

from conftest import d
from riskpool.identity import IdentityError, age_on, birth_date_from_resident_id, check_resident_id, check_uscc
from riskpool.rules.admission import admit


def test_gb_32100_2015_uscc_check_digit():
    assert check_uscc("91653001MA78XK3P59") == "91653001MA78XK3P59"
    with pytest.raises(IdentityError, match="GB 32100-2015"):
        check_uscc("91653001MA78XK3P58")
    with pytest.raises(IdentityError):
        check_uscc("9165300")


def test_gb_11643_1999_resident_id_check_digit_and_birth_date():
    assert check_resident_id("11010519491231002X") == "11010519491231002X"
    assert birth_date_from_resident_id("640221197005201236") == dt.date(1970, 5, 20)
    with pytest.raises(IdentityError, match="GB 11643-1999"):
        check_resident_id("640221197005201235")


def test_age_in_full_years_zhousui():
    assert age_on(dt.date(1970, 5, 20), dt.date(2030, 5, 19)) == 59
    assert age_on(dt.date(1970, 5, 20), dt.date(2030, 5, 20)) == 60
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_admission_refuses_an_invalid_uscc(kunshan):
    firm = {"uscc": "91653001MA78XK3P58", "registered_region": "昆山市",
            "qualifications": [{"kind": "talent_enterprise"}]}
    decision = admit(kunshan, d("2026-05-01"), firm)
    assert decision.outcome == "refused"
    assert [r.article for r in decision.reasons if r.code == "USCC_INVALID"] == ["GB 32100-2015"]
