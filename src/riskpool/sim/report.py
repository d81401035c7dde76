"""The report: report.json (everything, machine-readable), charts (PNG and SVG), report.md (中文 and English)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _yi(x: float) -> str:
    """Yuan as 万元 with the yuan figure."""
    return f"{x / 10_000:,.1f} 万元"


def _pct(p: float) -> str:
    return f"{p * 100:.2f} %"


def charts(report: dict[str, Any], out: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []

    def save(fig, name):
        for ext in ("png", "svg"):
            fig.savefig(out / f"{name}.{ext}", dpi=120, bbox_inches="tight")
            made.append(f"{name}.{ext}")
        plt.close(fig)

    by_year = report["results"]["exhaustion"]["by_year"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([r["year"] for r in by_year], [r["probability"] * 100 for r in by_year], color="#b03a2e")
    ax.set_xticks([r["year"] for r in by_year])  # whole years only
    ax.set_ylim(bottom=0)  # a probability: never below zero, even when every year's is zero
    ax.set_xlabel("year")
    ax.set_ylabel("P(fund exhausted by year end), %")
    ax.set_title(f"{report['inputs']['program']}: probability the fund runs dry")
    save(fig, "exhaustion")

    pay = report["results"]["fund_payouts"]["horizon"]
    hist = report["histogram"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(hist["edges"][:-1], hist["probability"], width=[b - a for a, b in zip(hist["edges"], hist["edges"][1:])],
           align="edge", color="#2e86c1")
    for q, style in (("95", ":"), ("99", "--"), ("99.9", "-")):
        ax.axvline(pay[f"var_{q}"] / 1e4, color="k", linestyle=style, label=f"VaR {q}%")
    ax.set_xlabel("fund payouts over the horizon, 10,000 yuan")
    ax.set_ylabel("probability")
    ax.legend()
    save(fig, "payouts")

    b = report["results"]["bearers"]
    labels = ["fund", "lenders (shares)", "lenders (above cap)", "lenders (limited liability)", "guarantors"]
    lender_own = b["lenders"]["mean"] - b["lenders_forfeited_above_cap"]["mean"] - b[
        "lenders_unfunded_limited_liability"]["mean"]
    vals = [pay["mean"], lender_own, b["lenders_forfeited_above_cap"]["mean"],
            b["lenders_unfunded_limited_liability"]["mean"], b["guarantors"]["mean"]]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(labels, [v / 1e4 for v in vals], color=["#2e86c1", "#7d3c98", "#af7ac5", "#d2b4de", "#239b56"])
    ax.set_xlabel("mean loss borne over the horizon, 10,000 yuan")
    save(fig, "bearers")

    fr = report.get("frontier")
    if fr:
        pts = fr["points"]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([p["leverage"] for p in pts], [p["exhaustion_probability"] * 100 for p in pts], "o-")
        ax.axhline(fr["target"] * 100, color="#b03a2e", linestyle="--", label="target")
        if fr["frontier"] is not None:
            ax.axvline(fr["frontier"], color="k", linestyle=":", label=f"frontier {fr['frontier']}×")
        ax.set_xlabel("leverage (covered loans ÷ fund)")
        ax.set_ylabel("P(exhausted within horizon), %")
        ax.legend()
        save(fig, "frontier")

    sens = report.get("sensitivity")
    if sens:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for rho in dict.fromkeys(r["correlation"] for r in sens):
            rows = [r for r in sens if r["correlation"] == rho]
            ax.plot([r["pd_factor"] for r in rows], [r["exhaustion_probability"] * 100 for r in rows], "o-",
                    label="model ρ" if rho is None else f"ρ = {rho}")
        ax.set_xlabel("default probability × factor")
        ax.set_ylabel("P(exhausted within horizon), %")
        ax.legend()
        save(fig, "sensitivity")
    return made


def markdown(report: dict[str, Any]) -> str:
    i, r = report["inputs"], report["results"]
    ex = r["exhaustion"]
    pay = r["fund_payouts"]["horizon"]
    b = r["bearers"]
    fr = report.get("frontier")
    lines = [
        f"# {i['program_name']} — 资金压力测试 / fund stress test",
        "",
        f"方案 program `{i['program']}` · 资金规模 fund {_yi(i['fund_size'])} · 放大倍数 leverage {i['leverage']}× "
        f"(政策规定 policy {i['policy_leverage']}×) · 在保贷款 covered loans {i['loans']} 笔, {_yi(i['book_outstanding'])} · "
        f"期限 horizon {i['horizon']} 年 years · 情景 scenarios {i['scenarios']:,} · 随机种子 seed {i['seed']} · "
        f"模型 copula {i['copula']}" + (f" (ν = {i['dof']})" if i["copula"] == "t" else ""),
        "",
        "## 结论 / Answer",
        "",
        f"- **{i['horizon']} 年内资金耗尽的概率：{_pct(ex['within_horizon'])}**；"
        f"probability that the fund runs dry within {i['horizon']} years: **{_pct(ex['within_horizon'])}** "
        f"(± {_pct(ex['by_year'][-1]['se'])} sampling error).",
    ]
    if fr:
        if fr["frontier"] is not None and fr["first_unsafe_grid_point"] is None:
            lines.append(f"- 所试放大倍数（最高 {fr['frontier']}×）的耗尽概率均低于 {_pct(fr['target'])}；every leverage "
                         f"tried, up to {fr['frontier']}×, keeps the probability of exhaustion below {_pct(fr['target'])}.")
        elif fr["frontier"] is not None:
            lines.append(f"- **安全放大倍数上限：{fr['frontier']}×**（耗尽概率低于 {_pct(fr['target'])}）；"
                         f"the largest leverage at which the probability of exhaustion stays below "
                         f"{_pct(fr['target'])}: **{fr['frontier']}×**.")
        else:
            lines.append(f"- 在所试放大倍数中没有一个使耗尽概率低于 {_pct(fr['target'])}；no leverage tried keeps the "
                         f"probability below {_pct(fr['target'])}.")
    lines += [
        f"- 资金代偿支出（{i['horizon']} 年合计）均值 {_yi(pay['mean'])}，99% 分位 {_yi(pay['var_99'])}；"
        f"fund payouts over the horizon: mean {_yi(pay['mean'])}, 99 % VaR {_yi(pay['var_99'])}.",
        "",
        "## 各年耗尽概率 / Probability of exhaustion by year",
        "",
        "| 年 year | 累计耗尽概率 P(exhausted by year end) | 标准误 s.e. | 年末余额均值 mean balance | 年末余额1%分位 1 % worst balance |",
        "|---|---|---|---|---|",
    ]
    for e, y in zip(ex["by_year"], r["yearly"]):
        lines.append(f"| {e['year']} | {_pct(e['probability'])} | {_pct(e['se'])} | {_yi(y['balance_end_mean'])} | "
                     f"{_yi(y['balance_end_p01'])} |")
    lines += ["", "![exhaustion](exhaustion.png)", "",
              "## 代偿支出分布 / Distribution of the fund's payouts", "",
              "| | 均值 mean | VaR 95% | ES 95% | VaR 99% | ES 99% | VaR 99.9% | ES 99.9% |", "|---|---|---|---|---|---|---|---|"]
    for label, key in (("期内合计 horizon", "horizon"), ("第一年 year 1", "year_1")):
        d = r["fund_payouts"][key]
        lines.append(f"| {label} | " + " | ".join(_yi(d[k]) for k in (
            "mean", "var_95", "es_95", "var_99", "es_99", "var_99.9", "es_99.9")) + " |")
    lines += ["", "![payouts](payouts.png)", "",
              "## 谁承担损失 / Who bears the losses (mean over the horizon)", "",
              "| 承担方 party | 均值 mean | 99% 分位 VaR 99% |", "|---|---|---|",
              f"| 风险补偿资金 fund | {_yi(pay['mean'])} | {_yi(pay['var_99'])} |",
              f"| 合作机构 lenders (全部 total) | {_yi(b['lenders']['mean'])} | {_yi(b['lenders']['var_99'])} |",
              f"| 其中：超过代偿率上限放弃的 of which forfeited above the rate cap | "
              f"{_yi(b['lenders_forfeited_above_cap']['mean'])} | {_yi(b['lenders_forfeited_above_cap']['var_99'])} |",
              f"| 其中：有限责任转移的 of which shifted by limited liability | "
              f"{_yi(b['lenders_unfunded_limited_liability']['mean'])} | "
              f"{_yi(b['lenders_unfunded_limited_liability']['var_99'])} |",
              f"| 担保机构 guarantors | {_yi(b['guarantors']['mean'])} | {_yi(b['guarantors']['var_99'])} |",
              "", "| 合作机构 lender | 承担均值 bears (mean) | 99% | 放弃 forfeited | 有限责任 unfunded | 追偿所得 recovered |",
              "|---|---|---|---|---|---|"]
    for name, v in b["per_lender"].items():
        lines.append(f"| {name} | {_yi(v['bears_mean'])} | {_yi(v['bears_var_99'])} | "
                     f"{_yi(v['forfeited_above_cap_mean'])} | {_yi(v['unfunded_limited_liability_mean'])} | "
                     f"{_yi(v['recovered_mean'])} |")
    lines += ["", "![bearers](bearers.png)", "",
              "## 资金运行 / The fund year by year (means)", "",
              "| 年 year | 代偿 payouts | 代偿笔数 claims | 新增贷款 new lending | 追偿回款 recovered | 收益 income | 管理费 fee | 暂停/终止机构 lenders stopped |",
              "|---|---|---|---|---|---|---|---|"]
    for y in r["yearly"]:
        lines.append(f"| {y['year']} | {_yi(y['payout_mean'])} | {y['claims_mean']:.1f} | {_yi(y['new_lending_mean'])} | "
                     f"{_yi(y['recovered_to_fund_mean'])} | {_yi(y['income_mean'])} | {_yi(y['management_fee_mean'])} | "
                     f"{y['lenders_stopped_mean']:.2f} |")
    if fr:
        lines += ["", f"## 放大倍数边界 / Leverage frontier (target {_pct(fr['target'])})", "",
                  "| 放大倍数 leverage | 耗尽概率 P(exhausted) |", "|---|---|"]
        lines += [f"| {p['leverage']}× | {_pct(p['exhaustion_probability'])} |" for p in fr["points"]]
        lines += ["", "![frontier](frontier.png)"]
    sens = report.get("sensitivity")
    if sens:
        lines += ["", "## 敏感性 / Sensitivity to default probability and correlation", "",
                  "| 违约率倍数 PD × | 相关系数 ρ | 耗尽概率 P(exhausted) | 代偿均值 mean payouts | 99% 分位 VaR 99% |",
                  "|---|---|---|---|---|"]
        for s in sens:
            rho = "模型 model" if s["correlation"] is None else f"{s['correlation']}"
            lines.append(f"| {s['pd_factor']} | {rho} | {_pct(s['exhaustion_probability'])} | {_yi(s['payout_mean'])} | "
                         f"{_yi(s['payout_var_99'])} |")
        lines += ["", "![sensitivity](sensitivity.png)"]
    lines += ["", "## 信用模型 / Credit model", "",
              "| 细分 segment | 贷款 loans | 余额 outstanding | 年违约率 PD | 相关系数 ρ | LGD 均值 mean | LGD 标准差 sd | 追偿滞后 lag (年 years) |",
              "|---|---|---|---|---|---|---|---|"]
    for name, sg in i["segments"].items():
        lines.append(f"| {name} | {sg['loans']} | {_yi(sg['outstanding'])} | {sg['pd']:.2%} | {sg['correlation']} | "
                     f"{sg['lgd_mean']} | {sg['lgd_sd']} | {sg['recovery_lag_years']} |")
    lines += ["", "## 说明 / How to read this", "",
              "- 资金“耗尽”指某笔代偿不能足额支付（有限责任），或年末余额为零。"
              " The fund is *exhausted* when a claim cannot be paid in full (limited liability) or its balance ends a year at zero.",
              "- 每笔代偿均按该方案政策文件的规则计算（分档比例、本金口径、代偿率上限、有限责任、追偿分配），精确到分。"
              " Every claim is decided by the program's own rules, to the fen (docs/simulation.md).",
              "- 结果是模型估计，取决于上表的违约率与相关系数假设；请用本地数据校准。"
              " These are model estimates that depend on the assumptions above; calibrate them on local data.",
              ""]
    return "\n".join(lines)


def write(report: dict[str, Any], out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    files = charts(report, out)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    return ["report.json", "report.md"] + files
