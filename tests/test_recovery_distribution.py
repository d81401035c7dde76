"""Recovery distribution: kezhou-industry 第十七条, kunshan-kunyurong 第二十一条, pingluo-puhui-yidai 第二十一条."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from conftest import d
from riskpool.policy import load_program
from riskpool.rules.facts import RecoveryFacts
from riskpool.rules.recovery import distribute_recovery

ON = d("2027-03-01")


def test_kezhou_article_17_net_of_costs_by_shares(kezhou):
    r = distribute_recovery(kezhou, ON, RecoveryFacts(gross="100000", costs="10000", fund_borne="500000",
                                                      guarantor_borne="300000", lender_borne="200000"))
    assert r.amounts == {"net": Decimal("90000.00"), "to_fund": Decimal("45000.00"),
                         "to_lender": Decimal("18000.00"), "to_guarantor": Decimal("27000.00")}


def test_kunshan_article_21_by_the_shares_actually_borne(kunshan):
    # no guarantor: the lender bore 30 %, and gets 30 % back
    r = distribute_recovery(kunshan, ON, RecoveryFacts(gross="1000", fund_borne="1400000", lender_borne="600000"))
    assert (r.amounts["to_fund"], r.amounts["to_lender"], r.amounts["to_guarantor"]) == (
        Decimal("700.00"), Decimal("300.00"), Decimal("0.00"))


def test_pingluo_article_21_back_to_the_fund_up_to_what_it_paid(pingluo):
    first = distribute_recovery(pingluo, ON, RecoveryFacts(gross="500000", costs="20000", fund_borne="800000",
                                                           lender_borne="200000"))
    assert (first.amounts["to_fund"], first.amounts["to_lender"]) == (Decimal("480000.00"), Decimal("0.00"))
    second = distribute_recovery(pingluo, ON, RecoveryFacts(gross="500000", fund_borne="800000",
                                                            lender_borne="200000", fund_already_recovered="480000"))
    assert (second.amounts["to_fund"], second.amounts["to_lender"]) == (Decimal("320000.00"), Decimal("180000.00"))


def test_costs_above_the_recovery_leave_nothing(kezhou):
    r = distribute_recovery(kezhou, ON, RecoveryFacts(gross="1000", costs="1500", fund_borne="1", lender_borne="1"))
    assert r.amounts["net"] == 0 and r.amounts["to_fund"] == 0


@given(st.sampled_from(["kezhou-industry", "kunshan-kunyurong", "pingluo-puhui-yidai"]),
       st.decimals(min_value=0, max_value=10**8, places=2), st.decimals(min_value=0, max_value=10**6, places=2),
       st.decimals(min_value=0, max_value=10**7, places=2), st.decimals(min_value=0, max_value=10**7, places=2),
       st.decimals(min_value=0, max_value=10**7, places=2))
def test_recovery_parts_sum_to_net_and_are_never_negative(pid, gross, costs, fund, lender, guarantor):
    r = distribute_recovery(load_program(pid), ON, RecoveryFacts(
        gross=gross, costs=costs, fund_borne=fund, lender_borne=lender, guarantor_borne=guarantor))
    a = r.amounts
    assert a["to_fund"] + a["to_lender"] + a["to_guarantor"] == a["net"]
    assert min(a.values()) >= 0
