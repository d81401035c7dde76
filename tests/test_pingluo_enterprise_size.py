"""Enterprise size under 《中小企业划型标准规定》(工信部联企业〔2011〕300号) 第四条.

The figures below are typed in again from the text of 第四条, independently of the YAML table, so
that a wrong figure in either place fails a test.
"""

from __future__ import annotations

import copy
import sys
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

try:  # the package may not be installed yet; fall back to the source tree
    import riskpool  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from riskpool.rules import enterprise_size as es
from riskpool.rules.enterprise_size import (
    SIZES,
    SizeError,
    SizeResult,
    classify_enterprise_size,
    industries,
    is_small_or_micro,
)

WAN = Decimal(10000)
FEN = Decimal("0.01")
E, R, A = "employees", "revenue", "total_assets"

# key: (Chinese name, article item, {indicator: (ceiling, medium, small)}) — money in 万元, as in the text.
EXPECTED = {
    "agriculture": ("农、林、牧、渔业", "一", {R: (20000, 500, 50)}),
    "industry": ("工业", "二", {E: (1000, 300, 20), R: (40000, 2000, 300)}),
    "construction": ("建筑业", "三", {R: (80000, 6000, 300), A: (80000, 5000, 300)}),
    "wholesale": ("批发业", "四", {E: (200, 20, 5), R: (40000, 5000, 1000)}),
    "retail": ("零售业", "五", {E: (300, 50, 10), R: (20000, 500, 100)}),
    "transport": ("交通运输业", "六", {E: (1000, 300, 20), R: (30000, 3000, 200)}),
    "warehousing": ("仓储业", "七", {E: (200, 100, 20), R: (30000, 1000, 100)}),
    "postal": ("邮政业", "八", {E: (1000, 300, 20), R: (30000, 2000, 100)}),
    "accommodation": ("住宿业", "九", {E: (300, 100, 10), R: (10000, 2000, 100)}),
    "catering": ("餐饮业", "十", {E: (300, 100, 10), R: (10000, 2000, 100)}),
    "information_transmission": ("信息传输业", "十一", {E: (2000, 100, 10), R: (100000, 1000, 100)}),
    "software_it_services": ("软件和信息技术服务业", "十二", {E: (300, 100, 10), R: (10000, 1000, 50)}),
    "real_estate_development": ("房地产开发经营", "十三", {R: (200000, 1000, 100), A: (10000, 5000, 2000)}),
    "property_management": ("物业管理", "十四", {E: (1000, 300, 100), R: (5000, 1000, 500)}),
    "leasing_business_services": ("租赁和商务服务业", "十五", {E: (300, 100, 10), A: (120000, 8000, 100)}),
    "other": ("其他未列明行业", "十六", {E: (300, 100, 10)}),
}
LEVEL = {"ceiling": 0, "medium": 1, "small": 2}
RANK = {size: i for i, size in enumerate(reversed(SIZES))}  # micro 0 … large 3


def _value(indicator: str, figure: int) -> int | Decimal:
    """A figure from the text in the unit the API takes: persons, or yuan (万元 × 10000)."""
    return figure if indicator == E else Decimal(figure) * WAN


def _just_below(indicator: str, value: int | Decimal) -> int | Decimal:
    return value - 1 if indicator == E else value - FEN


def _at(key: str, level: str) -> dict[str, int | Decimal]:
    return {ind: _value(ind, bounds[LEVEL[level]]) for ind, bounds in EXPECTED[key][2].items()}


def _boundary_cases():
    """For every industry: exactly on each bound → that class; one indicator one unit below → one class down."""
    for key in EXPECTED:
        for level, size_at, size_below in (
            ("ceiling", "large", "medium"),
            ("medium", "medium", "small"),
            ("small", "small", "micro"),
        ):
            facts = _at(key, level)
            yield pytest.param(key, facts, size_at, id=f"{key}-{level}-at-bound-{size_at}")
            for ind in facts:
                lowered = dict(facts, **{ind: _just_below(ind, facts[ind])})
                yield pytest.param(key, lowered, size_below, id=f"{key}-{level}-{ind}-just-below-{size_below}")


def _classify(key, **facts) -> str:
    return classify_enterprise_size(key, **facts).size


# --------------------------------------------------------------------------- the standard and its table


def test_pingluo_article_4_standard_identity():
    std = es.standard()
    assert std["name"] == "中小企业划型标准规定"
    assert std["document_number"] == "工信部联企业〔2011〕300号"
    assert std["date"] == "2011-06-18"
    assert std["issuers"] == ["工业和信息化部", "国家统计局", "国家发展和改革委员会", "财政部"]
    assert "工业和信息化部" in std["issuer"]


def test_pingluo_article_4_table_has_all_sixteen_industries_in_order():
    assert industries() == list(EXPECTED)
    for key, (name, item, _) in EXPECTED.items():
        assert es.industry_name(key) == name
        result = classify_enterprise_size(key, employees=0, revenue=Decimal(0), total_assets=Decimal(0))
        assert result.article == f"工信部联企业〔2011〕300号 第四条（{item}）"


def _raw_table() -> dict:
    text = resources.files("riskpool.data").joinpath("sme-size-2011.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_pingluo_article_4_yaml_figures_match_the_text_in_wan_yuan():
    raw = _raw_table()
    assert "万元" in raw["units"]["revenue"] and "万元" in raw["units"]["total_assets"]
    for key, (name, item, bounds) in EXPECTED.items():
        entry = raw["industries"][key]
        assert entry["name"] == name
        assert entry["article"] == f"工信部联企业〔2011〕300号 第四条（{item}）"
        assert sorted(entry["indicators"]) == sorted(bounds)
        for ind, (ceiling, medium, small) in bounds.items():
            assert entry["sme_ceiling"]["below"][ind] == ceiling
            assert entry["medium"]["at_least"][ind] == medium
            assert entry["small"]["at_least"][ind] == small
            assert entry["micro"]["below"][ind] == small


def test_pingluo_article_4_yaml_joins_are_as_the_text_says():
    """Ceiling "…以下或…以下"; medium/small "…及以上，且…及以上"; micro "…以下或…以下"; one indicator: single."""
    for key, entry in _raw_table()["industries"].items():
        if len(entry["indicators"]) == 1:
            assert {entry[c]["join"] for c in ("sme_ceiling", "medium", "small", "micro")} == {"single"}, key
        else:
            assert entry["sme_ceiling"]["join"] == "or", key
            assert entry["medium"]["join"] == "and", key
            assert entry["small"]["join"] == "and", key
            assert entry["micro"]["join"] == "or", key


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["industries"]["industry"]["medium"].__setitem__("join", "or"), "joins medium"),
        (lambda d: d["industries"]["industry"]["micro"]["below"].__setitem__("revenue", 301), "micro bound"),
        (lambda d: d["industries"]["industry"]["small"]["at_least"].__setitem__("revenue", 2000), "must fall"),
        (lambda d: d["industries"]["industry"]["small"]["at_least"].pop("employees"), "exactly the indicators"),
        (lambda d: d["industries"]["industry"]["small"]["at_least"].__setitem__("revenue", 300.5), "integer"),
        (lambda d: d["industries"]["industry"].pop("article"), "missing 'article'"),
    ],
)
def test_pingluo_article_4_loader_rejects_a_broken_table(mutate, message):
    doc = copy.deepcopy(_raw_table())
    mutate(doc)
    with pytest.raises(ValueError, match=message):
        es._parse(doc)


# --------------------------------------------------------------------------- every industry, every boundary


@pytest.mark.parametrize("key, facts, size", list(_boundary_cases()))
def test_pingluo_article_4_every_industry_boundary(key, facts, size):
    result = classify_enterprise_size(key, **facts)
    assert result.size == size, result.basis
    assert result.industry == key
    assert result.article.endswith(f"第四条（{EXPECTED[key][1]}）")


def test_pingluo_article_4_every_industry_zero_is_micro():
    for key in EXPECTED:
        assert _classify(key, employees=0, revenue=Decimal(0), total_assets=Decimal(0)) == "micro"


# --------------------------------------------------------------------------- 第四条（二）工业, by name


def test_pingluo_article_4_2_industrial_firm_with_19_employees_is_micro():
    assert _classify("industry", employees=19, revenue=Decimal("3000000")) == "micro"


def test_pingluo_article_4_2_industrial_firm_with_20_employees_and_300_wan_is_small():
    assert _classify("industry", employees=20, revenue=Decimal("3000000")) == "small"


def test_pingluo_article_4_2_industrial_firm_with_revenue_2999999_99_yuan_is_micro():
    assert _classify("industry", employees=20, revenue=Decimal("2999999.99")) == "micro"


def test_pingluo_article_4_2_revenue_a_fraction_of_a_fen_below_the_bound_is_below():
    assert _classify("industry", employees=20, revenue=Decimal("2999999.999")) == "micro"
    assert _classify("industry", employees=20, revenue=Decimal("3000000.000")) == "small"


def test_pingluo_article_4_2_integer_yuan_equal_decimal_yuan():
    assert classify_enterprise_size("industry", employees=300, revenue=20_000_000) == classify_enterprise_size(
        "industry", employees=300, revenue=Decimal("20000000.00")
    )


# --------------------------------------------------------------------------- 且 (AND) for medium and small


def test_pingluo_article_4_2_medium_needs_both_employees_and_revenue():
    # 300 persons ≥ 300 but 1999.9999万 < 2000万 → not medium (且), drops to small
    assert _classify("industry", employees=300, revenue=Decimal("19999999.99")) == "small"
    # 2000万 ≥ 2000万 but 299 < 300 → small
    assert _classify("industry", employees=299, revenue=Decimal("20000000")) == "small"


def test_pingluo_article_4_2_small_needs_both_employees_and_revenue():
    # lots of people, revenue below 300万 → micro (微型: "…或营业收入300万元以下")
    assert _classify("industry", employees=999, revenue=Decimal("2999999.99")) == "micro"
    # lots of revenue, 19 persons → micro
    assert _classify("industry", employees=19, revenue=Decimal("399999999.99")) == "micro"


def test_pingluo_article_4_3_construction_medium_needs_revenue_and_assets():
    assert _classify("construction", revenue=Decimal(60_000_000), total_assets=Decimal(50_000_000)) == "medium"
    assert _classify("construction", revenue=Decimal(600_000_000), total_assets=Decimal("49999999.99")) == "small"
    assert _classify("construction", revenue=Decimal(600_000_000), total_assets=Decimal("2999999.99")) == "micro"


def test_pingluo_article_4_15_leasing_uses_employees_and_assets_not_revenue():
    assert _classify("leasing_business_services", employees=100, total_assets=Decimal(80_000_000)) == "medium"
    assert _classify("leasing_business_services", employees=100, total_assets=Decimal(80_000_000),
                     revenue=Decimal(0)) == "medium"
    assert _classify("leasing_business_services", employees=99, total_assets=Decimal(10**12)) == "small"


# --------------------------------------------------------------------------- 或 (OR) for the SME ceiling; large


def test_pingluo_article_4_2_large_needs_both_ceilings():
    assert _classify("industry", employees=1000, revenue=Decimal(400_000_000)) == "large"
    # revenue below 40000万 → an SME whatever the head count (或)
    assert _classify("industry", employees=100_000, revenue=Decimal("399999999.99")) == "medium"
    # head count below 1000 → an SME whatever the revenue (或)
    assert _classify("industry", employees=999, revenue=Decimal(10**12)) == "medium"


def test_pingluo_article_4_2_thousand_employees_little_revenue_is_micro():
    # an SME (revenue < 40000万) that is below the small revenue bound is micro, not large
    assert _classify("industry", employees=5000, revenue=Decimal(1_000_000)) == "micro"


def test_pingluo_article_4_13_real_estate_ceiling_is_revenue_or_assets():
    assert _classify("real_estate_development", revenue=Decimal(2_000_000_000),
                     total_assets=Decimal(100_000_000)) == "large"
    assert _classify("real_estate_development", revenue=Decimal(3_000_000_000),
                     total_assets=Decimal("99999999.99")) == "medium"
    assert _classify("real_estate_development", revenue=Decimal("1999999999.99"),
                     total_assets=Decimal(10**12)) == "medium"


def test_pingluo_article_4_1_agriculture_by_revenue_alone():
    assert _classify("agriculture", revenue=Decimal(200_000_000)) == "large"
    assert _classify("agriculture", revenue=Decimal("199999999.99")) == "medium"
    assert _classify("agriculture", revenue=Decimal(5_000_000)) == "medium"
    assert _classify("agriculture", revenue=Decimal("4999999.99")) == "small"
    assert _classify("agriculture", revenue=Decimal(500_000)) == "small"
    assert _classify("agriculture", revenue=Decimal("499999.99")) == "micro"
    # employees are not an indicator for 农、林、牧、渔业: ignored
    assert _classify("agriculture", employees=10**6, revenue=Decimal(1)) == "micro"


def test_pingluo_article_4_16_other_industries_by_employees_alone():
    assert [_classify("other", employees=n) for n in (9, 10, 99, 100, 299, 300)] == [
        "micro", "small", "small", "medium", "medium", "large",
    ]
    assert _classify("other", employees=9, revenue=Decimal(10**12), total_assets=Decimal(10**12)) == "micro"


def test_pingluo_article_4_is_small_or_micro():
    sizes = {n: classify_enterprise_size("other", employees=n) for n in (0, 10, 100, 300)}
    assert [is_small_or_micro(sizes[n]) for n in (0, 10, 100, 300)] == [True, True, False, False]
    assert is_small_or_micro(SizeResult("micro", "other", "", "")) is True
    assert is_small_or_micro(SizeResult("large", "other", "", "")) is False


def test_pingluo_article_4_basis_explains_in_chinese():
    result = classify_enterprise_size("industry", employees=15, revenue=Decimal(5_000_000))
    assert result.basis.startswith("工业 (industry): ")
    assert "从业人员 15人 < 20人" in result.basis
    assert result.basis.endswith("微型 (micro)")
    result = classify_enterprise_size("industry", employees=20, revenue=Decimal("2999999.99"))
    assert "营业收入 2999999.99元 < 300万元" in result.basis
    result = classify_enterprise_size("industry", employees=1000, revenue=Decimal(400_000_000))
    assert "从业人员 1000人 ≥ 1000人" in result.basis and "营业收入 40000万元 ≥ 40000万元" in result.basis
    assert result.basis.endswith("大型 (large)")


# --------------------------------------------------------------------------- errors


def test_pingluo_article_4_unknown_industry_lists_valid_keys():
    with pytest.raises(SizeError) as err:
        classify_enterprise_size("banking", employees=10, revenue=Decimal(1))
    message = str(err.value)
    assert "banking" in message
    for key in EXPECTED:
        assert key in message


@pytest.mark.parametrize("key", list(EXPECTED))
def test_pingluo_article_4_missing_indicator_is_named(key):
    needed = EXPECTED[key][2]
    for ind in needed:
        facts = {other: _value(other, 0) for other in needed if other != ind}
        with pytest.raises(SizeError, match=ind):
            classify_enterprise_size(key, **facts)


def test_pingluo_article_4_missing_indicator_message_names_it_in_chinese():
    with pytest.raises(SizeError, match="total_assets.*资产总额"):
        classify_enterprise_size("construction", revenue=Decimal(1), employees=5)


@pytest.mark.parametrize(
    "facts",
    [
        {"employees": -1, "revenue": Decimal(1)},
        {"employees": 1, "revenue": Decimal("-0.01")},
        {"employees": True, "revenue": Decimal(1)},
        {"employees": 1.0, "revenue": Decimal(1)},
        {"employees": 1, "revenue": 1.5},
        {"employees": 1, "revenue": "100"},
        {"employees": 1, "revenue": Decimal("NaN")},
        {"employees": 1, "revenue": Decimal("Infinity")},
    ],
)
def test_pingluo_article_4_bad_numbers_are_refused(facts):
    with pytest.raises(SizeError):
        classify_enterprise_size("industry", **facts)


def test_pingluo_article_4_negative_indicator_the_industry_does_not_use_is_ignored():
    assert _classify("other", employees=5, revenue=Decimal(-1)) == "micro"


# --------------------------------------------------------------------------- properties


def _interesting_employees():
    bounds = sorted({b for _, _, m in EXPECTED.values() for b in m.get(E, ())})
    near = [max(0, b + d) for b in bounds for d in (-1, 0, 1)]
    return st.one_of(st.integers(0, 5000), st.sampled_from(near))


def _interesting_money():
    bounds = sorted({b for _, _, m in EXPECTED.values() for ind in (R, A) for b in m.get(ind, ())})
    near = [max(Decimal(0), Decimal(b) * WAN + d) for b in bounds for d in (-FEN, Decimal(0), FEN)]
    cents = st.integers(0, 3 * 10**11).map(lambda c: Decimal(c) / 100)
    return st.one_of(cents, st.sampled_from(near))


_EXTRA_EMPLOYEES = st.integers(0, 3000)
_EXTRA_MONEY = st.one_of(st.integers(0, 2 * 10**11).map(lambda c: Decimal(c) / 100), st.just(FEN))


@settings(max_examples=400, deadline=None)
@given(
    key=st.sampled_from(list(EXPECTED)),
    employees=_interesting_employees(),
    revenue=_interesting_money(),
    assets=_interesting_money(),
    more_employees=_EXTRA_EMPLOYEES,
    more_revenue=_EXTRA_MONEY,
    more_assets=_EXTRA_MONEY,
)
def test_pingluo_article_4_more_never_makes_a_firm_smaller(
    key, employees, revenue, assets, more_employees, more_revenue, more_assets
):
    before = classify_enterprise_size(key, employees=employees, revenue=revenue, total_assets=assets)
    # grow one indicator at a time, then all together
    grown = [
        dict(employees=employees + more_employees, revenue=revenue, total_assets=assets),
        dict(employees=employees, revenue=revenue + more_revenue, total_assets=assets),
        dict(employees=employees, revenue=revenue, total_assets=assets + more_assets),
        dict(employees=employees + more_employees, revenue=revenue + more_revenue, total_assets=assets + more_assets),
    ]
    for facts in grown:
        after = classify_enterprise_size(key, **facts)
        assert RANK[after.size] >= RANK[before.size], (before.basis, after.basis)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(list(EXPECTED)),
    employees=_interesting_employees(),
    revenue=_interesting_money(),
    assets=_interesting_money(),
)
def test_pingluo_article_4_agrees_with_the_range_table(key, employees, revenue, assets):
    """Oracle from the figures typed above: large iff every indicator ≥ ceiling; else medium iff every
    indicator ≥ medium bound; else small iff every indicator ≥ small bound; else micro."""
    facts = {E: employees, R: revenue, A: assets}
    bounds = EXPECTED[key][2]

    def all_at_least(level):
        return all(facts[ind] >= _value(ind, b[LEVEL[level]]) for ind, b in bounds.items())

    expected = (
        "large" if all_at_least("ceiling")
        else "medium" if all_at_least("medium")
        else "small" if all_at_least("small")
        else "micro"
    )
    result = classify_enterprise_size(key, employees=employees, revenue=revenue, total_assets=assets)
    assert result.size == expected, result.basis
    assert is_small_or_micro(result) == (expected in ("small", "micro"))
