"""`riskpool evaluate FILE`: a question in YAML or JSON → a Decision as JSON.

The question names a program (bundled id, or a policy file path), a question kind, the decision
date and the facts; the format is documented in docs/questions.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from riskpool import inputs, yamlio
from riskpool.calendar import CalendarError
from riskpool.policy import PolicyError, Program, load_file, load_program
from riskpool.policy.loader import describe_validation_error
from riskpool.policy.schema import ParameterNotInForce
from riskpool.rules import admission, claims, deadlines, fees, filing, recovery, sanctions
from riskpool.rules.decision import APPROVED, Decision, Reason
from riskpool.rules.facts import Amount, ClaimFacts, Date, Facts, FilingFacts, Label, Months, Ratio, RecoveryFacts
from riskpool.rules.sharing import NoTierError


class QuestionError(ValueError):
    """A question file that cannot be answered; the message names file, key path, value, expectation."""


Days = inputs.Count(0, 36_500)
ProgramRef = inputs.Text(1000)
Note = inputs.Text(10_000, multiline=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeadlineFacts(Facts):
    name: Label
    event_date: Date


class LenderFacts(Facts):
    npl_outstanding: Amount = Decimal(0)
    total_outstanding: Amount = Decimal(0)
    annual_compensation: Amount = Decimal(0)
    annual_financing: Amount = Decimal(0)


class ProgramFacts(Facts):
    annual_compensation: Amount
    annual_financing: Amount


class RiskClassFacts(Facts):
    days_past_due: Days


class ManagementFeeFacts(Facts):
    annual_income: Amount
    audit_cost: Amount = Decimal(0)


class SubsidyFacts(Facts):
    guaranteed_amount: Amount
    fee_rate: Ratio
    term_months: Months
    borrower_already_subsidised: StrictBool = False


class AfterCompensationFacts(Facts):
    malicious_evasion: StrictBool = False


class Expectation(_Strict):
    """What a policy person expects (OpenFisca-style test case); checked by the tests and `riskpool demo`."""

    outcome: Literal["approved", "refused", "incomplete"]
    amounts: dict[Label, inputs.NumberText] = Field(default_factory=dict)
    codes: list[Label] = Field(default_factory=list, description="blocking reason codes, in any order")
    details: dict[str, Any] = Field(default_factory=dict)


class Question(_Strict):
    program: ProgramRef = Field(description="a bundled program id, or the path of a policy file")
    question: Literal["admit", "file", "claim", "recovery", "deadline", "lender-check", "program-check",
                      "risk-class", "management-fee", "guarantee-fee-subsidy", "after-compensation"]
    on: Date
    facts: dict[str, Any] = Field(default_factory=dict)
    note: Note | None = None
    expect: Expectation | None = None


def _deadline(p: Program, on: dt.date, f: DeadlineFacts) -> Decision:
    due = deadlines.due_date(p, f.name, f.event_date)
    unit = "working days" if due.unit == "working_days" else "days"
    message = f"{due.action}: {due.days} {unit} {due.direction} {f.event_date} → {due.date} ({due.actor})"
    return Decision(APPROVED, (Reason("DEADLINE", due.article, message, blocking=False),),
                    details={"due": due.date.isoformat(), "actor": due.actor,
                             "overdue_on_question_date": deadlines.is_overdue(due, None, on)})


def _risk_class(p: Program, on: dt.date, f: RiskClassFacts) -> Decision:
    c = sanctions.risk_class(f.days_past_due)
    return Decision(APPROVED, (Reason("RISK_CLASS", sanctions.RISK_CLASS_SOURCE,
                                      f"{f.days_past_due} days past due: at least {c.name} ({c.code})",
                                      blocking=False),),
                    details={"risk_class": c.code, "non_performing": c.non_performing})


# question kind → (facts model, rule call)
HANDLERS: dict[str, tuple[type[BaseModel] | None, Callable[[Program, dt.date, Any], Decision]]] = {
    "admit": (None, lambda p, on, f: admission.admit(p, on, f)),
    "file": (FilingFacts, filing.file_loan),
    "claim": (ClaimFacts, claims.assess_claim),
    "recovery": (RecoveryFacts, recovery.distribute_recovery),
    "deadline": (DeadlineFacts, _deadline),
    "lender-check": (LenderFacts, lambda p, on, f: sanctions.check_lender(p, on, **f.model_dump())),
    "program-check": (ProgramFacts, lambda p, on, f: sanctions.check_program(p, on, **f.model_dump())),
    "risk-class": (RiskClassFacts, _risk_class),
    "management-fee": (ManagementFeeFacts, lambda p, on, f: fees.management_fee(p, on, **f.model_dump())),
    "guarantee-fee-subsidy": (SubsidyFacts, lambda p, on, f: fees.guarantee_fee_subsidy(p, on, **f.model_dump())),
    "after-compensation": (AfterCompensationFacts,
                           lambda p, on, f: sanctions.after_compensation(p, on, **f.model_dump())),
}


def _problems(source: str, err: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> QuestionError:
    known = "not a fact this question takes; see docs/questions.md" if model else "not part of a question file"
    lines = [prefix + line for line in describe_validation_error(err, unknown=known)]
    return QuestionError(f"{source}: " + "; ".join(lines))


def resolve_program(ref: str, base: Path | None) -> Program:
    if ref.endswith((".yaml", ".yml")):
        path = Path(ref) if base is None or Path(ref).is_absolute() else base / ref
        return load_file(path)
    return load_program(ref)


def evaluate_data(data: Any, source: str, base: Path | None = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise QuestionError(f"{source}: (top level): expected a mapping with program, question, on, facts")
    try:
        q = Question.model_validate(data)
    except ValidationError as e:
        raise _problems(source, e) from None
    try:
        program = resolve_program(q.program, base)
    except PolicyError as e:
        raise QuestionError(f"{source}: program: {e}") from None
    model, handler = HANDLERS[q.question]
    try:
        facts = q.facts if model is None else model.model_validate(q.facts)
    except ValidationError as e:
        raise _problems(source, e, prefix="facts.", model=model) from None
    try:
        decision = handler(program, q.on, facts)
    except ParameterNotInForce as e:
        raise QuestionError(f"{source}: on: {e}") from None
    except CalendarError as e:
        where = "facts.event_date" if q.question == "deadline" else "on"
        raise QuestionError(f"{source}: {where}: {e}") from None
    except (admission.FactError, NoTierError, ValueError, KeyError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        raise QuestionError(f"{source}: facts: {message}") from None
    result = {"file": source, "program": program.id, "question": q.question, "on": q.on.isoformat(),
              **decision.as_dict()}
    if q.expect is not None:
        result["expectation_mismatches"] = mismatches(result, q.expect)
    return result


def mismatches(result: dict[str, Any], expect: Expectation) -> list[str]:
    """How a result differs from what the question file expects; empty when it matches."""
    problems = []
    if result["outcome"] != expect.outcome:
        problems.append(f"outcome {result['outcome']!r}, expected {expect.outcome!r}")
    for key, value in expect.amounts.items():
        got = result["amounts"].get(key)
        if got is None or Decimal(got) != Decimal(str(value)):
            problems.append(f"amounts.{key} {got}, expected {value}")
    blocking = sorted(r["code"] for r in result["reasons"] if r["blocking"])
    if sorted(expect.codes) != blocking and (expect.codes or blocking and expect.outcome != "approved"):
        problems.append(f"blocking codes {blocking}, expected {sorted(expect.codes)}")
    for key, value in expect.details.items():
        if result.get("details", {}).get(key) != value:
            problems.append(f"details.{key} {result.get('details', {}).get(key)!r}, expected {value!r}")
    return problems


def evaluate_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = yamlio.read(path)
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionError(f"{path}: cannot read the file ({getattr(e, 'strerror', None) or e})") from None
    except yamlio.YamlError as e:
        raise QuestionError(f"{path}: {e}") from None
    try:
        data = yamlio.load(text)
    except yamlio.YamlError as e:
        raise QuestionError(f"{path}: {e}") from None
    return evaluate_data(data, str(path), path.parent)
