"""`riskpool programs install`: a county's own policy file is stored as an immutable version, usable at once
by stories and the services; a changed file is a new version, and what was filed under the old one is still
decided under it (``riskpool programs history`` lists them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
import yaml

from riskpool.cli import main
from riskpool.programs.models import Program, ProgramVersion

from claims.conftest import KEZHOU_FIRM, D, d, kezhou_defaulted_loan, kezhou_submit, make_world

pytestmark = pytest.mark.django_db

KEZHOU = (resources.files("riskpool.policy") / "programs" / "kezhou-industry.yaml").read_text(encoding="utf-8")


def county_file(folder: Path, *, fund_share: str = "0.50", lender_share: str = "0.20") -> Path:
    """Kezhou's text as a fourth county's own program, ``demo-county``."""
    text = KEZHOU.replace("id: kezhou-industry", "id: demo-county").replace(
        "name: 克州产业发展风险补偿资金管理办法", "name: 示范县产业发展风险补偿资金管理办法").replace(
        "- {above: 0, fund: 0.50, guarantor: 0.30, lender: 0.20}",
        f"- {{above: 0, fund: {fund_share}, guarantor: 0.30, lender: {lender_share}}}")
    path = folder / "demo-county.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_install_stores_a_version_and_installing_it_again_changes_nothing(tmp_path, capsys):
    path = county_file(tmp_path)
    assert main(["programs", "install", str(path), "--actor", "县财政局"]) == 0
    assert "demo-county: installed as version 1" in capsys.readouterr().out
    assert main(["programs", "install", str(path)]) == 0
    assert "demo-county: already installed as version 1" in capsys.readouterr().out
    assert ProgramVersion.objects.filter(program__code="demo-county").count() == 1
    v = ProgramVersion.objects.get(program__code="demo-county")
    assert (v.installed_by, v.effective_from) == ("县财政局", dt.date(2025, 3, 15))


def test_a_broken_file_is_refused_and_nothing_is_stored(tmp_path, capsys):
    path = tmp_path / "demo-county.yaml"
    path.write_text(KEZHOU.replace("id: kezhou-industry", "id: demo-county").replace("value: 10\n", "value: -10\n", 1),
                    encoding="utf-8")
    assert main(["programs", "install", str(path)]) == 2
    assert "INVALID" in capsys.readouterr().err
    assert not Program.objects.filter(code="demo-county").exists()


def test_a_countys_own_file_runs_in_a_story_after_install(tmp_path, capsys):
    assert main(["programs", "install", str(county_file(tmp_path))]) == 0
    story = yaml.safe_load((Path(__file__).parents[2] / "examples/scenarios/kezhou-refusals.yaml").read_text("utf-8"))
    text = (Path(__file__).parents[2] / "examples/scenarios/kezhou-refusals.yaml").read_text("utf-8")
    text = text.replace("kezhou-industry", "demo-county")
    (tmp_path / "story.yaml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "run", str(tmp_path / "story.yaml")]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert '"demo-county"' in out and story["story"] in out


def test_a_changed_file_is_a_new_version_and_open_claims_keep_theirs(tmp_path, capsys):
    assert main(["programs", "install", str(county_file(tmp_path))]) == 0
    world = make_world("demo-county", capital=D("100000000"), capital_on=d("2025-04-01"),
                       agreement_start=d("2025-04-01"), agreement_end=d("2030-03-31"),
                       whitelisted_on=d("2025-05-12"), borrower_facts=KEZHOU_FIRM, prefix="dc")
    loan = kezhou_defaulted_loan(world, code="DC-1")
    assert loan.program_version.number == 1
    # the county changes the sharing to 40/30/30 after the loan was filed
    assert main(["programs", "install", str(county_file(tmp_path, fund_share="0.40", lender_share="0.30"))]) == 0
    assert "installed as version 2" in capsys.readouterr().out
    claim = kezhou_submit(loan)
    assert claim.program_version.number == 1
    base = claim.loss_base
    assert claim.fund_share == (base * Decimal("0.50")).quantize(Decimal("0.01"))  # version 1's 50 %
    assert main(["programs", "history", "demo-county"]) == 0
    out = capsys.readouterr().out
    assert "demo-county v1" in out and "(1 loans, 1 claims decided under it)" in out
    assert "demo-county v2" in out and "(0 loans, 0 claims decided under it)" in out
