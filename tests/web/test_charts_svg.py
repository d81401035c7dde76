"""The inline SVG charts: valid XML, one point per label, escaped text, thousands separators."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest

from riskpool.web import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_a_line_chart_is_valid_svg_with_one_point_per_label_in_each_series():
    labels = [f"2026-{m:02d}" for m in range(1, 13)]
    held = [D("100000000.00") - D(m) * D("1000000.50") for m in range(12)]
    covered = [D(m) * D("2500000") for m in range(12)]
    root = ET.fromstring(charts.line_chart(labels, [("资金余额", held), ("在保余额", covered)], title="趋势"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    lines = root.findall("svg:polyline", NS)
    assert len(lines) == 2
    for line in lines:
        points = line.get("points").split()
        assert len(points) == 12
        xs = [float(p.split(",")[0]) for p in points]
        assert xs == sorted(xs)  # left to right
    assert len(root.findall("svg:circle", NS)) == 24
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "100,000,000" in texts  # a y tick with thousands separators
    assert "2026-01" in texts and "2026-12" in texts
    tooltips = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "资金余额 2026-01: 100,000,000.00" in tooltips


def test_higher_values_are_drawn_higher():
    root = ET.fromstring(charts.line_chart(["a", "b"], [("s", [D(0), D(10)])]))
    (p0, p1) = root.find("svg:polyline", NS).get("points").split()
    assert float(p1.split(",")[1]) < float(p0.split(",")[1])


def test_a_bar_chart_has_one_bar_per_value_and_escapes_its_text():
    labels = ["2026-01", "<b>&", "2026-03"]
    root = ET.fromstring(charts.bar_chart(labels, [D("672500.00"), D(0), D("1234.5")], title='代偿 "支付" <x>'))
    bars = root.findall("svg:rect[@class='bar']", NS)
    assert len(bars) == 3
    assert [b.get("data-value") for b in bars] == ["672500.00", "0", "1234.5"]
    assert float(bars[0].get("height")) > float(bars[2].get("height")) > 0
    assert float(bars[1].get("height")) == 0
    assert root.find("svg:title", NS).text == '代偿 "支付" <x>'
    assert any(t.text == "<b>&" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "672,500.00" in " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title"))


def test_empty_and_flat_charts_are_still_valid():
    ET.fromstring(charts.line_chart([], [], empty_text="无数据"))
    ET.fromstring(charts.bar_chart([], []))
    root = ET.fromstring(charts.line_chart(["a", "b", "c"], [("zero", [D(0), D(0), D(0)])]))
    assert len(root.find("svg:polyline", NS).get("points").split()) == 3
    root = ET.fromstring(charts.line_chart(["only"], [("one", [D("5")])]))
    assert len(root.find("svg:polyline", NS).get("points").split()) == 1


def test_a_negative_value_hangs_below_the_baseline():
    root = ET.fromstring(charts.bar_chart(["a", "b"], [D(5), D(-5)]))
    a, b = root.findall("svg:rect[@class='bar']", NS)
    assert float(a.get("y")) + float(a.get("height")) == pytest.approx(float(b.get("y")))


def test_series_and_labels_must_match():
    with pytest.raises(ValueError):
        charts.line_chart(["a", "b"], [("s", [D(1)])])
    with pytest.raises(ValueError):
        charts.bar_chart(["a"], [D(1), D(2)])


@pytest.mark.parametrize("lo,hi", [(D(0), D("123456789.12")), (D(-5), D(17)), (D(7), D(7)), (D(0), D(0)),
                                   (D("0.01"), D("0.03"))])
def test_ticks_cover_the_range(lo, hi):
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= min(lo, 0) or ticks[0] <= lo
    assert ticks[-1] >= hi
    assert 2 <= len(ticks) <= 12
    steps = {b - a for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
