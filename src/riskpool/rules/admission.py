"""Borrower admission (准入): evaluate a program's admission criteria against a borrower's facts.

The criteria are data in the policy file (kezhou-industry 第六条, kunshan-kunyurong 第四条,
pingluo-puhui-yidai 第三条/第十一条); this module knows only the kinds of check. Identity numbers,
when given, are checked too (GB 32100-2015, GB 11643-1999).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from riskpool.identity import (
    RESIDENT_ID_STANDARD,
    USCC_STANDARD,
    IdentityError,
    age_on,
    birth_date_from_resident_id,
    check_uscc,
)
from riskpool.money import MoneyError, to_decimal
from riskpool.policy.schema import (
    Age,
    AllOf,
    AnyOf,
    Compare,
    EnterpriseSize,
    FactIs,
    MemberOf,
    Program,
    Qualification,
    RegisteredFor,
    _add_years,
)
from riskpool.rules.decision import Decision, Reason, decide
from riskpool.rules.enterprise_size import SizeError, classify_enterprise_size

# Result of one criterion: True (holds), False (fails), None (a needed fact is missing).
Outcome = bool | None


class FactError(ValueError):
    """A fact of the wrong type (e.g. text where a number is expected): bad input, not a refusal."""


def _missing(c: Any, fact: str) -> tuple[Outcome, list[Reason]]:
    return None, [Reason("FACT_MISSING", c.article, f"{c.code}: fact `{fact}` is needed ({c.description})")]


def _fail(c: Any, detail: str = "") -> tuple[Outcome, list[Reason]]:
    return False, [Reason(c.code, c.article, c.description + (f" — {detail}" if detail else ""))]


def _ok(c: Any, detail: str = "") -> tuple[Outcome, list[Reason]]:
    return True, [Reason(c.code, c.article, c.description + (f" — {detail}" if detail else ""), blocking=False)]


def _date(value: Any, fact: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FactError(f"{fact}: expected a date YYYY-MM-DD, got {value!r}") from None


def _evaluate(c: Any, facts: Mapping[str, Any], on: dt.date, maturity: dt.date | None) -> tuple[Outcome, list[Reason]]:
    if isinstance(c, FactIs):
        if c.fact not in facts:
            return _missing(c, c.fact)
        value = facts[c.fact]
        if not isinstance(value, bool):
            raise FactError(f"{c.fact}: expected true or false, got {value!r}")
        return _ok(c) if value == c.expected else _fail(c, f"{c.fact} = {str(value).lower()}")

    if isinstance(c, Compare):
        if c.fact not in facts:
            return _missing(c, c.fact)
        try:
            value = to_decimal(facts[c.fact], what=c.fact)
        except MoneyError as e:
            raise FactError(str(e)) from None
        holds = {">=": value >= c.limit, ">": value > c.limit, "<=": value <= c.limit, "<": value < c.limit}[c.op]
        detail = f"{c.fact} = {value}, required {c.op} {c.limit}"
        return _ok(c, detail) if holds else _fail(c, detail)

    if isinstance(c, MemberOf):
        if c.fact not in facts:
            return _missing(c, c.fact)
        value = facts[c.fact]
        items = set(value) if isinstance(value, (list, tuple, set)) else {value}
        hit = sorted(str(i) for i in items if i in c.values)
        if c.negate:
            return _fail(c, f"{c.fact} includes {', '.join(hit)}") if hit else _ok(c)
        return _ok(c, ", ".join(hit)) if hit else _fail(c, f"{c.fact} = {value!r}")

    if isinstance(c, RegisteredFor):
        if c.fact not in facts:
            return _missing(c, c.fact)
        registered = _date(facts[c.fact], c.fact)
        anniversary = _add_years(registered, c.min_years)
        detail = f"registered {registered}, {c.min_years} year(s) reached on {anniversary}"
        return _ok(c, detail) if anniversary <= on else _fail(c, detail)

    if isinstance(c, Qualification):
        if "qualifications" not in facts:
            return _missing(c, "qualifications")
        for q in facts["qualifications"] or []:
            if not isinstance(q, Mapping) or "kind" not in q:
                raise FactError(f"qualifications: each item needs a `kind`, got {q!r}")
            if q["kind"] not in c.kinds:
                continue
            start = _date(q["valid_from"], "valid_from") if q.get("valid_from") else None
            end = _date(q["valid_to"], "valid_to") if q.get("valid_to") else None
            if start and start > on or end and end < on:
                continue
            if c.same_year and (start is None or start.year != on.year):
                continue
            return _ok(c, q["kind"])
        return _fail(c, f"no valid {'/'.join(c.kinds)} on {on}")

    if isinstance(c, EnterpriseSize):
        size = facts.get("size")
        if not isinstance(size, Mapping):
            return _missing(c, "size")
        try:
            result = classify_enterprise_size(
                size.get("industry", ""),
                employees=size.get("employees"),
                revenue=None if size.get("revenue") is None else to_decimal(size["revenue"], what="size.revenue"),
                total_assets=None if size.get("total_assets") is None
                else to_decimal(size["total_assets"], what="size.total_assets"),
            )
        except (SizeError, MoneyError) as e:
            raise FactError(f"size: {e}") from None
        detail = f"{result.basis} ({result.article})"
        return _ok(c, detail) if result.size in c.sizes else _fail(c, detail)

    if isinstance(c, Age):
        if "birth_date" in facts:
            birth = _date(facts["birth_date"], "birth_date")
        elif "resident_id" in facts:
            try:
                birth = birth_date_from_resident_id(str(facts["resident_id"]))
            except IdentityError as e:
                return False, [Reason("RESIDENT_ID_INVALID", RESIDENT_ID_STANDARD, str(e))]
        else:
            return _missing(c, "birth_date or resident_id")
        if maturity is None:
            return _missing(c, "maturity_date")
        now, then = age_on(birth, on), age_on(birth, maturity)
        detail = f"age {now} on {on}, {then} at maturity {maturity}"
        return _ok(c, detail) if now >= c.min_age and then <= c.max_age_at_maturity else _fail(c, detail)

    if isinstance(c, (AnyOf, AllOf)):
        results = [_evaluate(sub, facts, on, maturity) for sub in c.criteria]
        outcomes = [r[0] for r in results]
        subreasons = [reason for r in results for reason in r[1]]
        if isinstance(c, AnyOf):
            if any(o is True for o in outcomes):
                return True, [Reason(c.code, c.article, c.description, blocking=False)]
            if any(o is None for o in outcomes):
                return None, [r for r in subreasons if r.code == "FACT_MISSING"]
            return False, [Reason(c.code, c.article, c.description + " — none of: "
                                  + "; ".join(r.message for r in subreasons))]
        if all(o is True for o in outcomes):
            return True, subreasons
        if False in outcomes:  # one failed condition decides, whatever else is unknown
            return False, [r for r in subreasons if r.blocking and r.code != "FACT_MISSING"]
        return None, [r for r in subreasons if r.blocking]

    raise TypeError(f"unknown criterion {c!r}")  # the schema admits no other kind


def admit(program: Program, on: dt.date, facts: Mapping[str, Any], maturity: dt.date | None = None) -> Decision:
    """May this borrower be admitted (whitelisted / lent to) under the program on ``on``?

    ``maturity`` is the planned loan's maturity date, needed where an age limit applies at maturity
    (pingluo-puhui-yidai 第十一条4); ``facts["maturity_date"]`` is used when it is not given.
    """
    if maturity is None and facts.get("maturity_date"):
        maturity = _date(facts["maturity_date"], "maturity_date")
    reasons: list[Reason] = []
    if facts.get("uscc"):
        try:
            check_uscc(str(facts["uscc"]))
        except IdentityError as e:
            reasons.append(Reason("USCC_INVALID", USCC_STANDARD, str(e)))
    if program.admission is None:  # the text sets no admission criteria: only the identity checks above
        return decide(reasons)
    return decide(reasons + check_criteria(program.admission.criteria, on, facts, maturity))


def check_criteria(criteria: list[Any], on: dt.date, facts: Mapping[str, Any],
                   maturity: dt.date | None = None) -> list[Reason]:
    """Every reason from a list of criteria (all must hold); used for borrowers and for institutions."""
    return [reason for criterion in criteria for reason in _evaluate(criterion, facts, on, maturity)[1]]


def eligible_institution(program: Program, role: str, on: dt.date, facts: Mapping[str, Any]) -> Decision:
    """May this institution cooperate in this role (kezhou 第八条, kunshan 第二条/第八条, pingluo 第五条/第六条)?"""
    param = getattr(program.institutions, role, None) if program.institutions else None
    if param is None:
        return decide([])
    on = max(on, program.effective.start)  # an agreement may be signed before the measures take effect
    return decide(check_criteria(program.param(param, on), on, facts))
