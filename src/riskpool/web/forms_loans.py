"""Forms of the loan pages (贷款) and the whitelist pages (白名单).

The forms only collect text: every value is parsed by the command's own strict parser (``Command.build``,
``riskpool.inputs``), the same one the CLI, the stories and the API use. A refused field (``InputError``) is
put back on the form field it names, so the page re-renders with a clear message and nothing is written.
Each form carries a hidden idempotency key, generated when the form is rendered, so that a double submit
acts once.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from riskpool import inputs

KEY_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# registered borrower kinds (registry.commands.NATURAL_PERSON_KINDS and the admission criteria's kinds)
BORROWER_KINDS = [
    ("enterprise", _("企业")),
    ("individual_business", _("个体工商户")),
    ("small_business_owner", _("小微企业主")),
    ("farmer", _("农户")),
    ("natural_person", _("自然人")),
    ("new_agricultural_operator", _("新型农业经营主体")),
    ("non_enterprise_organisation", _("非企业经济组织")),
]

PRODUCT_LABELS = {
    "loan": _("本外币贷款"), "letter_of_credit": _("本外币信用证"), "bank_acceptance": _("银行承兑汇票"),
    "letter_of_guarantee": _("保函"), "trade_finance": _("进出口贸易融资"), "financial_leasing": _("融资租赁"),
    "micro_loan": _("小额贷款"), "factoring": _("保理"),
}


def new_key() -> str:
    return str(uuid.uuid4())


def today():
    return timezone.localdate()


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommandForm(forms.Form):
    """A form that becomes one command: a hidden idempotency key and the date of the act (办理日期)."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=36)
    on = forms.CharField(label=_("办理日期"), max_length=10, widget=date_input())

    KIND = "form"  # part of the idempotency key: one key space per kind of form
    FIELD_OF: dict[str, str] = {}  # command field → form field, where their names differ

    def __init__(self, *args: Any, **kwargs: Any):
        initial = dict(kwargs.pop("initial", None) or {})
        initial.setdefault("key", new_key())
        initial.setdefault("on", today().isoformat())
        kwargs.setdefault("auto_id", f"id_{self.KIND}_%s")  # several forms on one page: distinct ids
        super().__init__(*args, initial=initial, **kwargs)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not KEY_PATTERN.fullmatch(key):
            raise forms.ValidationError(gettext("表单已失效，请重新打开此页面后再提交。"))
        return key

    @property
    def idempotency_key(self) -> str:
        return f"web:{self.KIND}:{self.cleaned_data['key']}"

    def put_input_error(self, error: inputs.InputError) -> None:
        """The strict parser's refusal on the field it names (``loans.file_loan.amount`` → ``amount``)."""
        parts = (error.path or "").split(".")
        name = None
        for i, part in enumerate(parts):
            candidate = self.FIELD_OF.get(part, part)
            if part == "form" and i + 1 < len(parts) and f"form__{parts[i + 1]}" in self.fields:
                name = f"form__{parts[i + 1]}"
                break
            if i >= 2 and candidate in self.fields:  # parts[:2] is the command's action (loans.file_loan)
                name = candidate
                break
        message = gettext("格式不正确：%(expected)s（填写的是 %(value)s）") % {
            "expected": error.expected, "value": inputs.shown(error.value)}
        if name is None:
            self.add_error(None, f"{error.path}: {message}")
        else:
            self.add_error(name, message)


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# ----------------------------------------------------------------------------- filing a loan

class LoanFileForm(CommandForm):
    """入池备案: a lender files a loan into one of the programs it has an agreement in."""

    code = forms.CharField(label=_("贷款合同编号"), max_length=60)
    program = forms.ChoiceField(label=_("风险补偿项目"))
    borrower = forms.CharField(label=_("借款主体统一社会信用代码（或身份证号码）"), max_length=40)
    amount = forms.CharField(label=_("贷款金额（元）"), max_length=40)
    issue_date = forms.CharField(label=_("放款日期"), max_length=10, widget=date_input())
    term_months = forms.CharField(label=_("贷款期限（月）"), max_length=40)
    interest_rate = forms.CharField(label=_("贷款年利率（如 0.0435）"), max_length=20, required=False)
    guarantor = forms.ChoiceField(label=_("担保/保险机构"), required=False)
    guarantee_fee_rate = forms.CharField(label=_("担保/保险费率（如 0.008）"), max_length=20, initial="0")
    guarantee_letter_date = forms.CharField(label=_("担保函出具日期"), max_length=10, required=False,
                                            widget=date_input())
    product_type = forms.ChoiceField(label=_("业务品种"), initial="loan")
    all_in_cost_rate = forms.CharField(label=_("综合融资成本率（如 0.06）"), max_length=20, required=False)
    other_fees = forms.CharField(label=_("其他收费（元）"), max_length=40, required=False)
    exposure = forms.CharField(label=_("该企业在本机构的授信敞口（元，留空则自动计算）"), max_length=40, required=False)

    KIND = "loan_file"

    def __init__(self, *args: Any, programs: list[Any], guarantors: list[tuple[Any, list[str]]],
                 **kwargs: Any):
        """``programs``: the lender's programs (Program rows); ``guarantors``: (Institution, program codes of its
        guarantor agreements)."""
        super().__init__(*args, **kwargs)
        self.programs = {p.code: p for p in programs}
        self.guarantor_programs = {g.code: set(codes) for g, codes in guarantors}
        self.fields["program"].choices = [(p.code, f"{p.name}（{p.code}）") for p in programs]
        self.fields["guarantor"].choices = [("", gettext("（无担保）"))] + [
            (g.code, f"{g.name}（{'、'.join(sorted(codes))}）") for g, codes in guarantors]
        products: list[str] = ["loan"]
        self.fact_fields: dict[str, dict[str, str]] = {}  # program code → fact name → form field name
        for p in programs:
            policy = p.policy
            if policy.filing.product_types is not None:
                for param_value in (policy.filing.product_types.values or {None: policy.filing.product_types.value}).values():
                    for code in param_value or []:
                        if code not in products:
                            products.append(code)
            for name, spec in policy.facts.items():
                field_name = f"fact__{p.code}__{name}"
                label = f"{p.name} · {spec.description}（{name}，{spec.article}）"
                if spec.type == "category":
                    self.fields[field_name] = forms.ChoiceField(
                        label=label, required=False, choices=[("", "—")] + [(v, v) for v in spec.values or []])
                else:
                    self.fields[field_name] = forms.CharField(label=label, required=False, max_length=40)
                self.fact_fields.setdefault(p.code, {})[name] = field_name
        self.fields["product_type"].choices = [(c, f"{PRODUCT_LABELS.get(c, c)}（{c}）") for c in products]

    def clean_amount(self) -> str:
        value = self.cleaned_data["amount"]
        try:
            if inputs.amount(value, "amount") <= 0:
                raise forms.ValidationError(gettext("贷款金额须大于零。"))
        except inputs.InputError as e:
            raise forms.ValidationError(gettext("格式不正确：%(expected)s（填写的是 %(value)s）") % {
                "expected": e.expected, "value": inputs.shown(e.value)}) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        program, guarantor = data.get("program"), data.get("guarantor")
        if program and guarantor and program not in self.guarantor_programs.get(guarantor, set()):
            self.add_error("guarantor", gettext("该担保/保险机构在所选项目中没有合作协议。"))
        if program:
            for name, field_name in self.fact_fields.get(program, {}).items():
                value = _blank(data.get(field_name))
                spec = self.programs[program].policy.facts[name]
                if value is not None and spec.type == "number":
                    try:
                        inputs.number(value, name)
                    except inputs.InputError as e:
                        self.add_error(field_name, gettext("格式不正确：%(expected)s（填写的是 %(value)s）") % {
                            "expected": e.expected, "value": inputs.shown(e.value)})
        return data

    def command_fields(self, lender: str) -> dict[str, Any]:
        """The FileLoan fields, as text; the command parses them."""
        d = self.cleaned_data
        program = d["program"]
        facts = {}
        for name, field_name in self.fact_fields.get(program, {}).items():
            value = _blank(d.get(field_name))
            if value is not None:
                facts[name] = value
        return {
            "on": d["on"], "code": d["code"].strip(), "program": program, "lender": lender,
            "borrower": d["borrower"].strip(), "amount": d["amount"].strip(), "issue_date": d["issue_date"],
            "term_months": d["term_months"].strip(), "guarantor": _blank(d.get("guarantor")),
            "guarantee_fee_rate": _blank(d.get("guarantee_fee_rate")) or "0",
            "product_type": d.get("product_type") or "loan",
            "all_in_cost_rate": _blank(d.get("all_in_cost_rate")), "exposure": _blank(d.get("exposure")),
            "guarantee_letter_date": _blank(d.get("guarantee_letter_date")),
            "other_fees": _blank(d.get("other_fees")) or "0",
            "interest_rate": _blank(d.get("interest_rate")), "facts": facts,
        }


# ----------------------------------------------------------------------------- acts on a filed loan

class RepayForm(CommandForm):
    KIND = "repay"
    principal = forms.CharField(label=_("归还本金（元）"), max_length=40, initial="0")
    interest = forms.CharField(label=_("归还利息（元）"), max_length=40, initial="0")

    def command_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"on": d["on"], "principal": d["principal"].strip(), "interest": d["interest"].strip()}


class ArrearsForm(CommandForm):
    KIND = "arrears"
    overdue_since = forms.CharField(label=_("逾期起始日（首个逾期日）"), max_length=10, widget=date_input())
    unpaid_interest = forms.CharField(label=_("欠息金额（元）"), max_length=40, initial="0")

    def command_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"on": d["on"], "overdue_since": d["overdue_since"], "unpaid_interest": d["unpaid_interest"].strip()}


class ExtendForm(CommandForm):
    KIND = "extend"
    months = forms.CharField(label=_("展期月数"), max_length=40)

    def command_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"on": d["on"], "months": d["months"].strip()}


class CureForm(CommandForm):
    KIND = "cure"

    def command_fields(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"]}


class NoticeDoneForm(CommandForm):
    KIND = "notice_done"
    kind = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def command_fields(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"], "kind": self.cleaned_data["kind"]}


# ----------------------------------------------------------------------------- the whitelist

def add_recommendation_fields(form: forms.Form, fields: list[Any], initial: dict[str, Any] | None = None) -> None:
    """The program's recommendation form (推荐表, policy ``whitelist.form``) as form fields ``form__<code>``."""
    initial = initial or {}
    for f in fields:
        name = f"form__{f.code}"
        value = initial.get(f.code)
        if f.type == "bool":
            form.fields[name] = forms.ChoiceField(
                label=f.label, required=f.required,
                choices=[("", "—"), ("yes", gettext("是")), ("no", gettext("否"))],
                initial={True: "yes", False: "no"}.get(value, ""))
        elif f.type == "text":
            form.fields[name] = forms.CharField(label=f.label, required=f.required, max_length=500,
                                                initial=value, widget=forms.Textarea(attrs={"rows": 2})
                                                if f.code == "reasons" else None)
        else:
            form.fields[name] = forms.CharField(label=f.label, required=f.required, max_length=40,
                                                initial=None if value is None else str(value))


def recommendation_values(form: forms.Form, fields: list[Any]) -> dict[str, Any]:
    """The filled-in recommendation form, each value checked by its type: amounts exact to the fen, numbers,
    yes/no; empty optional fields left out. Errors go onto the form's fields."""
    out: dict[str, Any] = {}
    for f in fields:
        name = f"form__{f.code}"
        raw = form.cleaned_data.get(name)
        value = (raw or "").strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            continue
        try:
            if f.type == "bool":
                out[f.code] = value == "yes"
            elif f.type == "amount":
                out[f.code] = str(inputs.amount(value, f.code))
            elif f.type == "number":
                out[f.code] = str(inputs.number(value, f.code))
            else:
                out[f.code] = inputs.text(value, max_len=500, what=f.code, multiline=True)
        except inputs.InputError as e:
            form.add_error(name, gettext("格式不正确：%(expected)s（填写的是 %(value)s）") % {
                "expected": e.expected, "value": inputs.shown(e.value)})
    return out


class WhitelistStepForm(CommandForm):
    """One step of the whitelist workflow: approve or reject, with a note."""

    KIND = "whitelist_step"
    step = forms.CharField(widget=forms.HiddenInput, max_length=60)
    note = forms.CharField(label=_("意见"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, recommendation: list[Any] | None = None,
                 recommendation_initial: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation or []
        add_recommendation_fields(self, self.recommendation, recommendation_initial)

    @staticmethod
    def approved(data: Any) -> bool:
        """The button pressed (``decision``): ``reject`` rejects; anything else approves."""
        return data.get("decision") != "reject"


class RecommendForm(CommandForm):
    """The first step for a firm (推荐 / 申请): its registration if it is not yet known, then the step."""

    KIND = "whitelist_new"
    FIELD_OF = {"code": "borrower"}  # RegisterBorrower.code
    program = forms.CharField(widget=forms.HiddenInput, max_length=60)
    borrower = forms.CharField(label=_("借款主体统一社会信用代码（或身份证号码）"), max_length=40)
    name = forms.CharField(label=_("借款主体名称（尚未登记时必填）"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("主体类型"), choices=BORROWER_KINDS, initial="enterprise")
    facts = forms.CharField(
        label=_("准入事实（JSON 对象，尚未登记时填写，例如 {\"registered_region\": \"昆山市\"}）"), required=False,
        widget=forms.Textarea(attrs={"rows": 5}), initial="{}")
    note = forms.CharField(label=_("意见"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, recommendation: list[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation or []
        add_recommendation_fields(self, self.recommendation)

    def clean_facts(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("facts") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise forms.ValidationError(gettext("准入事实不是有效的 JSON：第 %(line)s 行第 %(col)s 列，%(msg)s") % {
                "line": e.lineno, "col": e.colno, "msg": e.msg}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(gettext("准入事实须是一个 JSON 对象（以 { 开头、以 } 结尾）。"))
        return value
