"""Two programs of shapes the seeds do not have, each from its own policy file after `riskpool programs install`:
a question, a story with hand-computed figures, the reports and the books check (examples/counties/).

* demo-tenor-guarantee — shares by the loan's term (第九条), a yearly 5 % cap per guarantor whose excess the
  guarantor bears (第十条), no leverage, no whitelist, no review step (第十二条).
* demo-two-contributors — a pool of the province (70 %) and the county (30 %), each liable up to what it holds
  (第三条); the loan rate at most the 1-year LPR + 50 bp (第九条).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskpool.cli import main

COUNTIES = Path(__file__).parents[2] / "examples" / "counties"
pytestmark = pytest.mark.django_db(transaction=True)


def install(capsys, program: str) -> None:
    assert main(["programs", "install", str(COUNTIES / f"{program}.yaml")]) == 0, capsys.readouterr().err
    capsys.readouterr()


def story(capsys, name: str, *extra: str) -> dict:
    rc = main(["scenario", "run", *extra, str(COUNTIES / "stories" / f"{name}-story.yaml")])
    out, err = capsys.readouterr()
    assert rc == 0, err + out[-2000:]
    return json.loads(out)


def question(capsys, name: str) -> dict:
    rc = main(["evaluate", str(COUNTIES / "questions" / f"{name}.yaml")])
    out, err = capsys.readouterr()
    assert rc == 0, err + out
    return json.loads(out)


def test_tenor_tiers_and_a_yearly_cap_per_guarantor(capsys):
    install(capsys, "demo-tenor-guarantee")
    result = story(capsys, "demo-tenor-guarantee")
    assert result["expectation_mismatches"] == []
    loans = result["loans"]
    # 第九条: 12 months → 30 %, 24 → 35 %, 48 → 40 %; 第十条: 5 % of this year's releases by dm-guarantee
    a1, a2, a3 = (loans[k]["claim"] for k in ("A1", "A2", "A3"))
    assert (a1["fund_share"], a1["fund_payable"], a1["excess_guarantor"]) == ("300000.00", "150000.00", "150000.00")
    assert (a2["fund_share"], a2["fund_payable"], a2["excess_guarantor"]) == ("525000.00", "100000.00", "425000.00")
    # a new calendar year: the window starts again (program to date it would be 5 % × 13,000,000 − 250,000)
    assert (a3["fund_share"], a3["fund_payable"], a3["excess_guarantor"]) == ("1200000.00", "200000.00", "1000000.00")
    # no review step: approved on submission, paid at the next step
    assert [s["step"] for s in a1["steps"]] == ["submitted", "payment"]
    refused = {r["event"]: r["refused"] for r in result["refusals"]}
    assert "TERM [第五条]" in refused[7] and "GUARANTOR_REQUIRED [第四条]" in refused[8]
    assert result["funds"]["dm-pool"]["cash"] == "9550000.00"


def test_tenor_questions_name_the_missing_basis_and_the_excess(capsys):
    missing = question(capsys, "demo-tenor-guarantee-claim-no-term")
    assert missing["outcome"] == "incomplete"
    assert any(r["code"] == "FACT_MISSING" and r["article"] == "第九条" and "term_months" in r["message"]
               for r in missing["reasons"])
    capped = question(capsys, "demo-tenor-guarantee-claim-over-cap")
    assert (capped["amounts"]["fund_payable"], capped["amounts"]["excess_guarantor"]) == ("150000.00", "270000.00")


def test_two_contributors_each_liable_up_to_what_it_holds(capsys):
    install(capsys, "demo-two-contributors")
    result = story(capsys, "demo-two-contributors", "--keep")
    assert result["expectation_mismatches"] == []
    claim = result["loans"]["B1"]["claim"]
    assert claim["contributors"]["approved"] == {"province": "1050000.00", "county": "424000.00"}
    assert (claim["fund_payable"], claim["unfunded"]) == ("1474000.00", "26000.00")
    position = result["funds"]["dm-tech-pool"]["contributors"]
    assert position["province"]["held"] == "6212360.00" and position["county"]["held"] == "88440.00"
    refused = {r["event"]: r["refused"] for r in result["refusals"]}
    assert "LOAN_RATE [第九条]" in refused[5] and "3.6%" in refused[5] and "2025-02-20" in refused[5]
    assert "FACT_MISSING [第九条] interest_rate is needed" in refused[6]
    # the kept story: the books (the fund's and each contributor's) balance and add up; the position shows them
    assert main(["books", "check", "--fund", "dm-tech-pool"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["report", "position", "--fund", "dm-tech-pool", "--on", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "6,212,360.00" in out and "88,440.00" in out and "province" in out


def test_two_contributors_questions(capsys):
    over = question(capsys, "demo-two-contributors-file-above-lpr")
    assert over["outcome"] == "refused"
    assert [r["article"] for r in over["reasons"] if r["code"] == "LOAN_RATE"] == ["第九条"]
    short = question(capsys, "demo-two-contributors-claim-county-short")
    assert short["details"]["contributors"] == {"province": "1050000.00", "county": "424000.00"}


def test_a_capital_injection_must_name_a_known_contributor(capsys, tmp_path):
    install(capsys, "demo-two-contributors")
    text = (COUNTIES / "stories" / "demo-two-contributors-story.yaml").read_text(encoding="utf-8")
    for bad, expected in (("contributor: county, ", "names the contributor that makes it"),
                          ("contributor: county", "no contributor 'city'")):
        changed = text.replace(bad, "" if bad.endswith(", ") else "contributor: city", 1)
        path = tmp_path / "story.yaml"
        path.write_text(changed, encoding="utf-8")
        assert main(["scenario", "run", str(path)]) == 2
        err = capsys.readouterr().err
        assert "event 2 (inject_capital" in err and expected in err and "第三条" in err, err


@pytest.mark.parametrize("window,status", [("calendar_year", "suspended"), ("program_to_date", "active")])
def test_a_compensation_ratio_threshold_counts_over_its_window(capsys, tmp_path, window, status):
    """A lender threshold over a declared window: on 2027-03-03 dm-bank has been paid 200,000 this year against no
    loan issued this year (a breach), but 450,000 since the program began against 11,000,000 issued (4.09 % < 5 %)."""
    text = (COUNTIES / "demo-tenor-guarantee.yaml").read_text(encoding="utf-8") + (
        "\nsanctions:\n  lender_compensation_ratio:\n    article: 第十五条\n"
        f"    value: {{limit: 0.05, strict: true, action: suspend, window: {window}}}\n")
    path = tmp_path / "demo-tenor-guarantee.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["programs", "install", str(path)]) == 0
    capsys.readouterr()
    result = story(capsys, "demo-tenor-guarantee")
    lender = result["lenders"]["dm-bank"]["demo-tenor-guarantee"]
    assert lender["status"] == status
    assert lender["compensation_ratio"] == ("4.09%" if window == "program_to_date" else "0.00%")


def test_a_declared_fact_filed_with_the_loan_picks_the_claims_tier(capsys, tmp_path):
    """A categorical fact the program declares (here whether the loan is secured) is stated at filing, stored with
    the loan and read by its claim; a filing without it is refused as incomplete, naming the fact."""
    policy = (COUNTIES / "demo-tenor-guarantee.yaml").read_text(encoding="utf-8")
    policy = policy.replace("sharing:\n", "facts:\n  collateral: {type: category, values: [secured, unsecured], "
                            "article: 第九条, description: 有无抵质押}\nsharing:\n", 1)
    policy = policy.replace("    value: term_months\n", "    value: collateral\n", 1)
    policy = policy.replace(
        "      - {above: 0,  up_to: 12, fund: 0.30, lender: 0.20, guarantor: 0.50}\n"
        "      - {above: 12, up_to: 36, fund: 0.35, lender: 0.20, guarantor: 0.45}\n"
        "      - {above: 36,            fund: 0.40, lender: 0.20, guarantor: 0.40}\n",
        "      - {values: [secured], fund: 0.30, lender: 0.20, guarantor: 0.50}\n"
        "      - {values: [unsecured], fund: 0.40, lender: 0.20, guarantor: 0.40}\n")
    (tmp_path / "demo-tenor-guarantee.yaml").write_text(policy, encoding="utf-8")
    assert main(["programs", "install", str(tmp_path / "demo-tenor-guarantee.yaml")]) == 0
    text = (COUNTIES / "stories" / "demo-tenor-guarantee-story.yaml").read_text(encoding="utf-8").split("\nexpect:")[0]
    text = text.replace("amount: 1000000, term_months: 12}", "amount: 1000000, term_months: 12, facts: {collateral: secured}}", 1)
    text = text.replace("amount: 2000000, term_months: 24}", "amount: 2000000, term_months: 24, facts: {collateral: unsecured}}", 1)
    text = text.replace("term_months: 48}", "term_months: 48, facts: {collateral: secured}}", 1)
    text = text.replace("term_months: 6}", "term_months: 6, facts: {collateral: secured}}", 2)
    text = text.replace("amount: 1000000, term_months: 12, expect_refusal: \"GUARANTOR_REQUIRED [第四条]\"}",
                        "amount: 1000000, term_months: 12, guarantor: dm-guarantee, expect_refusal: "
                        "\"FACT_MISSING [第九条] `collateral` is needed\"}")
    (tmp_path / "story.yaml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "run", str(tmp_path / "story.yaml")]) == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["loans"]["A1"]["claim"]["fund_share"] == "300000.00"  # secured: 30 %
    assert result["loans"]["A2"]["claim"]["fund_share"] == "600000.00"  # unsecured: 40 % of 1,500,000


def test_a_guarantor_threshold_suspends_the_guarantor_at_the_payment(capsys, tmp_path):
    """sanctions.guarantor_compensation_ratio (a 2 % yearly limit, 第十五条): after A2 is paid on 2026-11-04,
    dm-guarantee's 2026 ratio is 250,000 / 9,000,000 = 2.78 %: its agreement is suspended at once, and a loan it
    would guarantee is refused citing the article; dm-guarantee-2 still guarantees."""
    text = (COUNTIES / "demo-tenor-guarantee.yaml").read_text(encoding="utf-8") + (
        "\nsanctions:\n  guarantor_compensation_ratio:\n    article: 第十五条\n"
        "    value: {limit: 0.02, strict: true, action: suspend, window: calendar_year}\n")
    (tmp_path / "demo-tenor-guarantee.yaml").write_text(text, encoding="utf-8")
    assert main(["programs", "install", str(tmp_path / "demo-tenor-guarantee.yaml")]) == 0
    story_text = (COUNTIES / "stories" / "demo-tenor-guarantee-story.yaml").read_text(encoding="utf-8")
    story_text = story_text.replace(
        "  - {on: 2026-12-15, do: repay, loan: A3, principal: 1000000}\n",
        "  - {on: 2026-11-10, do: file_loan, loan: A8, program: demo-tenor-guarantee, lender: dm-bank, guarantor: "
        "dm-guarantee, borrower: 91320583MA1K00030E, amount: 500000, term_months: 12, expect_refusal: "
        "\"GUARANTOR_STATUS [第十五条]\"}\n"
        "  - {on: 2026-11-10, do: file_loan, loan: A9, program: demo-tenor-guarantee, lender: dm-bank, guarantor: "
        "dm-guarantee-2, borrower: 91320583MA1K00030E, amount: 500000, term_months: 12}\n"
        "  - {on: 2026-12-15, do: repay, loan: A3, principal: 1000000}\n")
    (tmp_path / "story.yaml").write_text(story_text, encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "run", str(tmp_path / "story.yaml")]) == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert [r["event"] for r in result["refusals"] if "GUARANTOR_STATUS" in r["refused"]] == [18]
    assert "A9" in result["loans"] and "A8" not in result["loans"]
