"""Lender performance — ``lender_performance(program, on)``: per lender the NPL ratio (kezhou 第二十五条（二）),
this year's compensation ÷ financing (kunshan 第二十三条), the compensation rate (担保代偿率, pingluo 第十五条),
the agreement status and the rule's verdict; then the program-wide line (kunshan 第二十三条).

The figures are ``riskpool.figures.lenders.lenders_figures`` — the same the sanctions and the stories read;
this report rounds the ratios to six places for display, and the rules decide on the exact figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from riskpool.figures.lenders import lenders_figures
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry.models import Agreement, Institution
from riskpool.reports.common import agreement_status_on, covered_loans, lenders_of, ratio, run_rule
from riskpool.rules.decision import Decision
from riskpool.rules.sanctions import check_lender, check_program


@dataclass(frozen=True)
class LenderLine:
    lender: str
    lender_name: str
    agreement_status: str
    loans: int
    outstanding: Decimal
    npl_outstanding: Decimal
    npl_ratio: Decimal | None
    year_compensation: Decimal
    year_financing: Decimal
    year_compensation_ratio: Decimal | None
    cumulative_compensation: Decimal
    cumulative_released: Decimal
    compensation_rate: Decimal | None  # 担保代偿率: cumulative compensation ÷ cumulative released guarantees
    verdict: Decision  # rules.sanctions.check_lender


@dataclass(frozen=True)
class LenderPerformance:
    """Per lender on a date: NPL ratio (kezhou 第二十五条（二）), this year's compensation ratio (kunshan
    第二十三条), compensation rate (pingluo 第十五条), agreement status and the rule's verdict."""

    program: str
    on: dt.date
    year_start: dt.date
    lenders: tuple[LenderLine, ...]
    year_compensation: Decimal
    year_financing: Decimal
    year_compensation_ratio: Decimal | None
    program_verdict: Decision  # rules.sanctions.check_program


def lender_performance(program: Program, on: dt.date) -> LenderPerformance:
    policy = program.policy
    year_start = dt.date(on.year, 1, 1)
    lenders = lenders_of(program)
    figures = lenders_figures(program, on)
    from riskpool.figures import lenders as lender_figures
    from riskpool.figures import totals

    if lender_figures.use_totals(lender_figures.AUTO, on, lender_figures.latest_date(program)):
        counts = {lender.pk: totals.count(totals.lender_count(program.pk, lender.pk)) for lender in lenders}
    else:  # a date before the latest event: counted from the loans covered at that date
        counts = dict(covered_loans(on, program=program).order_by().values("lender_id").annotate(n=Count("pk"))
                      .values_list("lender_id", "n"))
    agreements = {a.institution_id: a for a in Agreement.objects.filter(program=program, role=Institution.LENDER)}
    lines = []
    for lender in lenders:
        f = figures[lender.pk]
        verdict = run_rule(lambda: check_lender(
            policy, on, npl_outstanding=f.npl_outstanding, total_outstanding=f.outstanding,
            annual_compensation=f.compensation_this_year, annual_financing=f.financing_this_year))
        lines.append(LenderLine(
            lender=lender.code, lender_name=lender.name,
            agreement_status=agreement_status_on(agreements.get(lender.pk), on), loans=counts.get(lender.pk, 0),
            outstanding=f.outstanding, npl_outstanding=f.npl_outstanding, npl_ratio=ratio(f.npl_outstanding,
                                                                                           f.outstanding),
            year_compensation=f.compensation_this_year, year_financing=f.financing_this_year,
            year_compensation_ratio=ratio(f.compensation_this_year, f.financing_this_year),
            cumulative_compensation=f.compensated_total, cumulative_released=f.released_total,
            compensation_rate=ratio(f.compensated_total, f.released_total), verdict=verdict))
    year_comp = sum((f.compensation_this_year for f in figures.values()), ZERO)
    year_fin = sum((f.financing_this_year for f in figures.values()), ZERO)
    return LenderPerformance(
        program=program.code, on=on, year_start=year_start, lenders=tuple(lines), year_compensation=year_comp,
        year_financing=year_fin, year_compensation_ratio=ratio(year_comp, year_fin),
        program_verdict=run_rule(lambda: check_program(policy, on, annual_compensation=year_comp,
                                                       annual_financing=year_fin)))
