"""The overseers' dashboard on the two county demos (examples/counties): a pool of two contributors shows each
one's position, a program without leverage says so, and the charts carry the month's compensation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from riskpool.accounts.models import Membership
from riskpool.cli import main
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

COUNTIES = Path(__file__).parents[2] / "examples" / "counties"
pytestmark = pytest.mark.django_db


def kept_story(capsys, program: str) -> None:
    assert main(["programs", "install", str(COUNTIES / f"{program}.yaml")]) == 0, capsys.readouterr().err
    assert main(["scenario", "run", "--keep", str(COUNTIES / "stories" / f"{program}-story.yaml")]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()


def bureau() -> Client:
    inst = registry.register_institution("dm-bureau", "示范县财政局", Institution.FINANCE_BUREAU)
    user = User.objects.create_user("dm-bureau-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


def test_two_contributors_each_with_its_position_and_the_paid_month_charted(capsys):
    kept_story(capsys, "demo-two-contributors")
    response = bureau().get("/", {"on": "2025-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    section = page.split('id="fund-dm-tech-pool"')[1]
    # the contributors' positions (the story's expectations): held 6,212,360 and 88,440
    assert "province" in section and "county" in section
    assert "6,212,360.00" in section and "88,440.00" in section
    # the charts: twelve month ends, 2025-10 with the 1,474,000 paid
    svgs = [ET.fromstring(s[:s.index("</svg>") + 6]) for s in ("<svg" + part for part in section.split("<svg")[1:])]
    line, bars = svgs
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert all(len(p.get("points").split()) == 12 for p in line.findall("svg:polyline", ns))
    rects = bars.findall("svg:rect[@class='bar']", ns)
    assert len(rects) == 12
    assert [r.get("data-value") for r in rects if r.get("data-value") != "0"] == ["1474000.00"]


def test_a_program_without_leverage_says_so(capsys):
    kept_story(capsys, "demo-tenor-guarantee")
    page = bureau().get("/", {"on": "2026-12-31"}).content.decode()
    assert "本办法未设放大倍数" in page
