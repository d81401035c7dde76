"""Policy files are data checked by one schema (riskpool.policy.schema).

`riskpool programs validate FILE` accepts the bundled files and rejects broken ones with exit 2 and
one line per problem naming the file, the key path and the problem, never a traceback. A dated
parameter picks the value in force on the asked date. A fourth county is added as data only: a new
policy file, no code, answered by `riskpool evaluate`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Callable

import pytest
import yaml

from riskpool import yamlio
from riskpool.cli import main
from riskpool.policy import bundled_ids, load_file, load_text
from riskpool.policy.schema import ParameterNotInForce

BUNDLED = ("kezhou-industry", "kunshan-kunyurong", "pingluo-puhui-yidai")


def bundled_text(program_id: str) -> str:
    return (resources.files("riskpool.policy") / "programs" / f"{program_id}.yaml").read_text(encoding="utf-8")


def bundled_path(program_id: str) -> Path:
    return Path(str(resources.files("riskpool.policy") / "programs" / f"{program_id}.yaml"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def replaced(text: str, old: str, new: str, count: int = 1) -> str:
    """str.replace that fails loudly when the bundled file no longer holds ``old``."""
    assert old in text, f"the bundled file no longer contains {old!r}: update this test"
    return text.replace(old, new, count)


# ---------------------------------------------------------------- the bundled files validate


def test_bundled_programs_are_the_three_counties() -> None:
    assert bundled_ids() == sorted(BUNDLED)


def test_bundled_files_validate(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(bundled_path(pid)) for pid in BUNDLED]
    rc, out, err = run(capsys, "programs", "validate", *paths)
    assert rc == 0, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    for path, pid, line in zip(paths, BUNDLED, lines):
        assert line.startswith(f"OK {path}: {pid} ("), line


@pytest.mark.parametrize("program_id", BUNDLED)
def test_every_bundled_parameter_names_its_article(program_id: str) -> None:
    from riskpool.cli import _walk_params

    program = load_file(bundled_path(program_id))
    params = _walk_params(program)
    assert params, "a policy file has parameters"
    for path, param in params:
        assert param.article.startswith("第"), f"{program_id}: {path} cites {param.article!r}"


# ---------------------------------------------------------------- broken copies are rejected

Mutation = Callable[[str], str]


def _drop_leverage_article(text: str) -> str:
    return replaced(text, "  leverage:\n    article: 第二条\n", "  leverage:\n")


CASES: list[tuple[str, str, Mutation, str, str]] = [
    # (case, program id, mutation of the bundled text, key path, problem)
    ("unknown top-level key", "kezhou-industry",
     lambda t: replaced(t, "name_en:", "colour: red\nname_en:"),
     "colour", "unknown key"),
    ("unknown nested key", "kezhou-industry",
     lambda t: replaced(t, "  ratios:\n", "  ratioz:\n"),
     "sharing.ratioz", "unknown key"),
    ("parameter without article", "kezhou-industry", _drop_leverage_article,
     "filing.leverage.article", "required key is missing"),
    ("both value and values", "kezhou-industry",
     lambda t: replaced(t, "    value: 10\n", "    value: 10\n    values: {2025-03-15: 10}\n"),
     "filing.leverage", "give exactly one of `value` or `values`"),
    ("tiers with a gap", "kunshan-kunyurong",
     lambda t: replaced(t, "{above: 5000000, up_to: 10000000", "{above: 5000001, up_to: 10000000"),
     "sharing.ratios", "gap between tier 1 (up to 5000000) and tier 2 (above 5000001)"),
    ("tiers that overlap", "kunshan-kunyurong",
     lambda t: replaced(t, "{above: 5000000, up_to: 10000000", "{above: 4000000, up_to: 10000000"),
     "sharing.ratios", "overlap between tier 1 (up to 5000000) and tier 2 (above 4000000)"),
    ("ratios summing to 99%", "kezhou-industry",
     lambda t: replaced(t, "{above: 0, fund: 0.50,", "{above: 0, fund: 0.49,"),
     "sharing.ratios.value[0]", "expected 100%"),
    ("ratio above 1", "kezhou-industry",
     lambda t: replaced(t, "{above: 0, fund: 0.50, guarantor: 0.30, lender: 0.20}",
                        "{above: 0, fund: 1.10, guarantor: 0, lender: 0}"),
     "sharing.ratios.value[0].fund", "less than or equal to 1"),
    ("fee rate above 1", "kezhou-industry",
     lambda t: replaced(t, "    value: 0.01\n", "    value: 1.5\n"),
     "filing.guarantee_fee_rate_max.value", "less than or equal to 1"),
    ("negative leverage", "kezhou-industry",
     lambda t: replaced(t, "    value: 10\n", "    value: -10\n"),
     "filing.leverage.value", "greater than 0"),
    ("window ending before it starts", "kezhou-industry",
     lambda t: replaced(t, "value: {start: 2025-03-15, end: 2030-03-15,", "value: {start: 2025-03-15, end: 2024-03-15,"),
     "filing.loan_window.value", "end 2024-03-15 is not after start 2025-03-15"),
    ("impossible date key in values", "kezhou-industry",
     lambda t: replaced(t, "    value: 10\n", "    values: {2026-02-30: 10}\n"),
     "filing.leverage.values.2026-02-30", "day value is outside expected range"),
    ("non-numeric amount", "pingluo-puhui-yidai",
     lambda t: replaced(t, "    value: 5000000\n", "    value: abc\n"),
     "filing.single_loan_max.value", "expected a decimal number, got 'abc'"),
    ("text in a boolean parameter", "kezhou-industry",
     lambda t: replaced(t, "  guarantor_required:\n    article: 第二条\n    description: 合作机构发放担保贷款；承保担保公司出具担保函（第十条）\n    value: true",
                        "  guarantor_required:\n    article: 第二条\n    value: sometimes"),
     "filing.guarantor_required.value", "valid boolean"),
    ("unknown criterion kind", "kezhou-industry",
     lambda t: replaced(t, "    - check: registered_for\n", "    - check: registered_since\n"),
     "admission.criteria[1]", "registered_for"),
    ("first tier not above 0", "kunshan-kunyurong",
     lambda t: replaced(t, "{above: 0, up_to: 5000000", "{above: 100, up_to: 5000000"),
     "sharing.ratios", "the first tier must start above 0"),
    ("a required section missing", "pingluo-puhui-yidai",
     lambda t: replaced(t, "sharing:\n  loss_base:", "sharing_:\n  loss_base:"),
     "sharing", "required key is missing"),
]


@pytest.mark.parametrize(("program_id", "mutate", "key_path", "problem"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_copy_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str], program_id: str,
                                 mutate: Mutation, key_path: str, problem: str) -> None:
    path = tmp_path / f"{program_id}.yaml"  # the file name must equal the id
    path.write_text(mutate(bundled_text(program_id)), encoding="utf-8")
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2
    assert out == ""
    assert "Traceback" not in out + err
    assert err.startswith(f"INVALID {path}:"), err
    # the key path, then ':' (or a deeper part of the path such as pydantic's `.[key]`)
    lines = [line for line in err.splitlines() if re.search(rf"{re.escape(key_path)}[:.\[]", line)]
    assert lines, f"no line names the key path {key_path!r}:\n{err}"
    assert any(problem in line for line in lines), f"no line on {key_path!r} says {problem!r}:\n{err}"


def test_unknown_nested_key_also_reports_the_missing_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kezhou-industry.yaml"
    path.write_text(replaced(bundled_text("kezhou-industry"), "  ratios:\n", "  ratioz:\n"), encoding="utf-8")
    rc, _, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2
    assert "sharing.ratioz: unknown key" in err
    assert "sharing.ratios: required key is missing" in err


def test_broken_tiers_in_dated_values_name_the_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replaced(bundled_text("kezhou-industry"),
                    "    value:\n      - {above: 0, fund: 0.50, guarantor: 0.30, lender: 0.20}\n",
                    "    values:\n"
                    "      2025-03-15:\n        - {above: 0, fund: 0.50, guarantor: 0.30, lender: 0.20}\n"
                    "      2027-01-01:\n        - {above: 0, up_to: 100, fund: 0.50, guarantor: 0.30, lender: 0.20}\n"
                    "        - {above: 200, fund: 0.50, guarantor: 0.30, lender: 0.20}\n")
    path = tmp_path / "kezhou-industry.yaml"
    path.write_text(text, encoding="utf-8")
    rc, _, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2
    assert "sharing.ratios: gap between tier 1 (up to 100) and tier 2 (above 200) (values from 2027-01-01)" in err


def test_file_that_is_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kezhou-industry.yaml"
    path.write_text("id: kezhou-industry\nname: [unclosed\nregion: x\n", encoding="utf-8")
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2 and out == ""
    assert "Traceback" not in err
    assert err.startswith(f"INVALID {path}:")
    assert "not valid YAML" in err
    assert "line 3, column" in err  # where the parser gave up


def test_file_that_is_a_yaml_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kezhou-industry.yaml"
    path.write_text("- id: kezhou-industry\n- name: x\n", encoding="utf-8")
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2 and out == ""
    assert "Traceback" not in err
    assert f"INVALID {path}: (top level): expected a mapping of keys, got list" in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no-such-county.yaml"
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2 and out == ""
    assert "Traceback" not in err
    assert f"INVALID {path}: cannot read the file" in err


def test_id_differing_from_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kezhou.yaml"
    path.write_text(bundled_text("kezhou-industry"), encoding="utf-8")
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 2 and out == ""
    assert "Traceback" not in err
    assert f"INVALID {path}: id: 'kezhou-industry' differs from the file name 'kezhou'" in err


def test_one_bad_file_among_good_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "kezhou-industry.yaml"
    bad.write_text(replaced(bundled_text("kezhou-industry"), "    value: 10\n", "    value: -10\n"), encoding="utf-8")
    good = bundled_path("pingluo-puhui-yidai")
    rc, out, err = run(capsys, "programs", "validate", str(bad), str(good))
    assert rc == 2
    assert out.startswith(f"OK {good}: pingluo-puhui-yidai")
    assert f"INVALID {bad}: filing.leverage.value:" in err


def test_safe_dump_round_trip_still_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file rewritten by a YAML tool (dates as text, keys reordered) is the same program."""
    data = yamlio.load(bundled_text("kunshan-kunyurong"))
    path = tmp_path / "kunshan-kunyurong.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    rc, out, err = run(capsys, "programs", "validate", str(path))
    assert rc == 0, err
    assert load_file(path) == load_file(bundled_path("kunshan-kunyurong"))


# ---------------------------------------------------------------- a dated parameter


def _kezhou_with_dated_leverage() -> str:
    return replaced(bundled_text("kezhou-industry"), "    value: 10\n",
                    "    values:\n      2025-01-01: 10\n      2026-01-01: 12\n")


def test_dated_parameter_picks_the_value_in_force() -> None:
    program = load_text(_kezhou_with_dated_leverage(), "kezhou-industry.yaml")
    leverage = program.filing.leverage
    assert leverage.values == {dt.date(2025, 1, 1): Decimal(10), dt.date(2026, 1, 1): Decimal(12)}
    assert program.param(leverage, dt.date(2025, 1, 1)) == 10
    assert program.param(leverage, dt.date(2025, 12, 31)) == 10
    assert program.param(leverage, dt.date(2026, 1, 1)) == 12
    assert program.param(leverage, dt.date(2029, 6, 30)) == 12
    with pytest.raises(ParameterNotInForce, match="no value in force on 2024-12-31; the first applies from 2025-01-01"):
        program.param(leverage, dt.date(2024, 12, 31))


def test_plain_value_applies_from_the_program_start() -> None:
    program = load_text(bundled_text("kezhou-industry"), "kezhou-industry.yaml")
    assert program.param(program.filing.leverage, program.effective.start) == 10
    with pytest.raises(ParameterNotInForce, match="the first applies from 2025-03-15"):
        program.param(program.filing.leverage, dt.date(2025, 3, 14))


def test_dated_parameter_via_safe_dump_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yamlio.load(bundled_text("kezhou-industry"))
    data["filing"]["leverage"] = {"article": "第二条", "values": {"2025-01-01": 10, "2026-01-01": 12}}
    path = tmp_path / "kezhou-industry.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    program = load_file(path)
    assert program.param(program.filing.leverage, dt.date(2025, 12, 31)) == 10
    assert program.param(program.filing.leverage, dt.date(2026, 1, 1)) == 12

    rc, out, _ = run(capsys, "programs", "show", str(path), "--on", "2026-01-01")
    assert rc == 0
    assert 'filing.leverage = "12"  [第二条]' in out
    rc, out, _ = run(capsys, "programs", "show", str(path), "--on", "2025-12-31")
    assert rc == 0
    assert 'filing.leverage = "10"  [第二条]' in out


# ---------------------------------------------------------------- a fourth county, as data only

DEMO_COUNTY = textwrap.dedent("""\
    # 示范县小微企业贷款风险补偿资金管理办法 — a made-up county, to show a policy file from scratch.
    id: demo-county
    name: 示范县小微企业贷款风险补偿资金管理办法
    name_en: Demo county small-business loan risk-compensation fund
    issuer: 示范县财政局
    source: seeds/demo-county.txt
    region: 示范县
    effective:
      start: 2026-01-01
      end: 2029-01-01
      article: 第三十条

    admission:
      article: 第五条
      criteria:
        - check: member
          code: REGISTERED_IN_REGION
          fact: registered_region
          values: [示范县]
          article: 第五条（一）
          description: 在示范县依法登记注册
        - check: fact
          code: GOOD_CREDIT
          fact: good_credit
          article: 第五条（二）
          description: 信用记录良好

    whitelist:
      steps:
        article: 第五条
        value:
          - {code: lender_determination, actor: lender, article: 第五条, description: 合作银行认定白名单}

    filing:
      loan_window:
        article: 第二条
        description: 2026年1月1日至2028年12月31日发放的贷款
        value: {start: 2026-01-01, end: 2028-12-31, end_inclusive: true}
      leverage:
        article: 第七条
        description: 按风险补偿资金余额的8倍发放贷款
        value: 8
      leverage_base:
        article: 第七条
        value: fund_balance
      per_borrower_cap:
        article: 第八条
        description: 单户企业入池贷款余额不超过300万元
        value: {absolute: 3000000}
      guarantor_required:
        article: 第二条
        value: true
      whitelist_required:
        article: 第五条
        value: true
      lender_must_be_active:
        article: 第二十条
        value: true

    sharing:
      loss_base:
        article: 第十二条
        description: 损失为本金损失，不含利息
        value: {include_interest: false}
      tier_basis:
        article: 第十二条
        value: principal
      ratios:
        article: 第十二条
        description: 风险补偿资金、合作银行、担保机构按60%、20%、20%分担
        value:
          - {above: 0, fund: 0.60, lender: 0.20, guarantor: 0.20}
      absent_guarantor_share_to:
        article: 第十二条
        value: lender
      limited_to_fund_balance:
        article: 第十三条
        value: true

    claims:
      workflow:
        article: 第十四条
        value:
          - {code: submitted, actor: lender, article: 第十四条, description: 合作银行提出代偿申请}
          - {code: review, actor: fund_manager, article: 第十四条, description: 资金管理人审核}
          - {code: payment, actor: fund_manager, article: 第十四条, description: 资金管理人支付, deadline: payment}
      preconditions:
        article: 第十四条
        value:
          - code: COLLECTION_DONE
            fact: collection_done
            article: 第十四条（一）
            description: 逾期后已催收
      refusals:
        article: 第十五条
        value:
          - code: FRAUD
            fact: fraud
            article: 第十五条（一）
            description: 合作银行违规放贷或借款人骗贷
      documents:
        article: 第十四条
        value:
          - {code: application, name: 补偿申请, article: 第十四条}

    recovery:
      distribution:
        article: 第十六条
        value: by_shares

    sanctions: {}

    deadlines:
      payment:
        article: 第十七条
        value: {days: 10, event: previous_step, actor: fund_manager, action: 拨付补偿资金}

    fees: {}
    """)


@pytest.fixture
def demo_county(tmp_path: Path) -> Path:
    path = tmp_path / "demo-county.yaml"
    path.write_text(DEMO_COUNTY, encoding="utf-8")
    return path


def write_question(folder: Path, name: str, question: dict) -> Path:
    # JSON is a subset of YAML and `riskpool evaluate` reads both.
    path = folder / name
    path.write_text(json.dumps(question, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def evaluate(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    rc, out, err = run(capsys, "evaluate", str(path))
    assert rc == 0, err
    assert err == ""
    return json.loads(out)


DOCS = Path(__file__).resolve().parents[1] / "docs" / "policy-files.md"


def test_the_guide_shows_this_very_file() -> None:
    """docs/policy-files.md's worked example is the file tested here."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    example = [b for b in blocks if b.startswith("# 示范县")]
    assert len(example) == 1
    assert load_text(example[0], "docs/policy-files.md") == load_text(DEMO_COUNTY, "demo-county.yaml")


def test_fourth_county_validates(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "demo-county" not in bundled_ids()  # data only: nothing was added to the package
    rc, out, err = run(capsys, "programs", "validate", str(demo_county))
    assert rc == 0, err
    assert out.strip() == f"OK {demo_county}: demo-county (19 parameters, 2 admission criteria)"


CLAIM_FACTS = {"approved_principal": 1000000, "repaid_principal": 200000, "fund_balance": 5000000,
               "conditions": {"collection_done": True, "fraud": False}, "documents": ["application"]}


def test_fourth_county_claim(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = write_question(demo_county.parent, "claim.json", {
        "program": "demo-county.yaml", "question": "claim", "on": "2026-09-01", "facts": CLAIM_FACTS})
    result = evaluate(capsys, q)
    assert result["program"] == "demo-county"
    assert result["outcome"] == "approved"
    assert result["amounts"] == {
        "principal_loss": "800000.00", "interest_loss": "0.00", "loss_base": "800000.00",
        "fund_share": "480000.00", "lender_share": "160000.00", "guarantor_share": "160000.00",
        "fund_payable": "480000.00", "forfeited": "0.00", "unfunded": "0.00"}
    ratios = {r["code"]: r["article"] for r in result["reasons"]}
    assert ratios["SHARING_RATIOS"] == "第十二条"
    assert ratios["COLLECTION_DONE"] == "第十四条（一）"


def test_fourth_county_claim_without_guarantor_and_limited_fund(demo_county: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    facts = dict(CLAIM_FACTS, has_guarantor=False, fund_balance=300000)
    q = write_question(demo_county.parent, "claim.json", {
        "program": str(demo_county), "question": "claim", "on": "2026-09-01", "facts": facts})
    result = evaluate(capsys, q)
    assert result["outcome"] == "approved"
    assert result["amounts"]["fund_share"] == "480000.00"
    assert result["amounts"]["lender_share"] == "320000.00"  # 20 % + the absent guarantor's 20 %
    assert result["amounts"]["guarantor_share"] == "0.00"
    assert result["amounts"]["fund_payable"] == "300000.00"  # 第十三条: no more than the fund holds
    assert result["amounts"]["unfunded"] == "180000.00"


def test_fourth_county_claim_refused(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = dict(CLAIM_FACTS, conditions={"collection_done": True, "fraud": True})
    q = write_question(demo_county.parent, "claim.json", {
        "program": "demo-county.yaml", "question": "claim", "on": "2026-09-01", "facts": facts})
    result = evaluate(capsys, q)
    assert result["outcome"] == "refused"
    assert "FRAUD" in [r["code"] for r in result["reasons"] if r["blocking"]]
    assert result["amounts"]["fund_payable"] == "0.00"


def _filing(borrower_outstanding: int) -> dict:
    return {"program": "demo-county.yaml", "question": "file", "on": "2026-03-02",
            "facts": {"loan": {"amount": 2000000, "issue_date": "2026-03-02", "term_months": 12},
                      "borrower_whitelisted": True, "borrower_outstanding": borrower_outstanding,
                      "fund_balance": 1000000}}


def test_fourth_county_filing(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = evaluate(capsys, write_question(demo_county.parent, "file.json", _filing(500000)))
    assert result["program"] == "demo-county"
    assert result["outcome"] == "approved"
    assert result["amounts"] == {"capacity": "8000000.00", "covered_outstanding_after": "2000000.00"}
    cap = next(r for r in result["reasons"] if r["code"] == "PER_BORROWER_CAP")
    assert cap == {"code": "PER_BORROWER_CAP", "article": "第八条", "blocking": False,
                   "message": "borrower's covered outstanding after filing 2500000.00 vs cap 3000000.00"}


def test_fourth_county_filing_over_the_borrower_cap(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = evaluate(capsys, write_question(demo_county.parent, "file.json", _filing(1000001)))
    assert result["outcome"] == "refused"
    blocking = [r for r in result["reasons"] if r["blocking"]]
    assert [(r["code"], r["article"]) for r in blocking] == [("PER_BORROWER_CAP", "第八条")]
    assert "3000001.00 vs cap 3000000.00" in blocking[0]["message"]


def test_fourth_county_admission(demo_county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"program": "demo-county.yaml", "question": "admit", "on": "2026-03-02",
         "facts": {"registered_region": "示范县", "good_credit": True}}
    assert evaluate(capsys, write_question(demo_county.parent, "admit.json", q))["outcome"] == "approved"
    q["facts"]["registered_region"] = "别县"
    result = evaluate(capsys, write_question(demo_county.parent, "admit.json", q))
    assert result["outcome"] == "refused"
    assert [r["code"] for r in result["reasons"] if r["blocking"]] == ["REGISTERED_IN_REGION"]
