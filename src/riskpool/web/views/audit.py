"""Pages: the audit trail (审计记录).

* ``audit`` — every command's audit row (who, when, the action, the subject), filtered by action, actor and
  business date; the finance bureau and the fund manager only (others: 403).
* ``audit_record`` (``<kind>/<code>/``, kind ∈ loan, claim, fund, borrower, whitelist) — one record's trail: each
  command on it with who, when, the action, the request, the result and every changed row before and after
  (``AuditEvent.changes``), and the typed business events (``HistoryEvent``). A lender (or guarantor) reads the
  trail of its own loans and claims only (``scope.audit_subjects``), and of those only the rows about its own
  business; anything else is 404, as if it did not exist. A whitelist entry's code is ``PROGRAM:BORROWER``.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from riskpool.web import scope
from riskpool.web.views.common import principal_required, roles
from riskpool.web.views.dashboard import BadDay, parse_day

OVERSEERS = ("finance_bureau", "fund_manager")
KINDS = ("loan", "claim", "fund", "borrower", "whitelist")
PAGE_SIZE = 50


# ============================================================================ showing JSON

def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def pairs(data: Any) -> list[tuple[str, str]]:
    """A request or result as (key, text) rows."""
    if isinstance(data, dict):
        return [(str(k), _text(v)) for k, v in data.items()]
    if data in (None, {}, []):
        return []
    return [("", _text(data))]


def _same(a: Any, b: Any) -> bool:
    """Equal, amounts compared as numbers ("45000" is "45000.00")."""
    if a == b:
        return True
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return False


def change_rows(change: dict[str, Any]) -> dict[str, Any]:
    """One changed row: each field before and after, the changed ones marked."""
    before, after = change.get("before"), change.get("after")
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    fields = []
    for k in keys:
        b = (before or {}).get(k) if before is not None else None
        a = (after or {}).get(k) if after is not None else None
        fields.append({"field": k, "before": _text(b) if before is not None else "",
                       "after": _text(a) if after is not None else "", "changed": not _same(b, a)})
    return {"row": change.get("row", ""), "created": before is None, "deleted": after is None, "fields": fields}


def event_view(e, visible=lambda change: True) -> dict[str, Any]:
    changes = [c for c in (e.changes or []) if visible(c)]
    return {"id": e.pk, "on": e.on, "created_at": e.created_at, "actor": e.actor, "action": e.action,
            "subject": e.subject, "subject_link": subject_link(e.subject), "request": pairs(e.detail),
            "result": pairs(e.result), "changes": [change_rows(c) for c in changes],
            "hidden": len(e.changes or []) - len(changes)}


def subject_link(subject: str) -> tuple[str, str] | None:
    """(kind, code) of an audit subject that has a record page."""
    kind, _sep, code = subject.partition(":")
    return (kind, code) if kind in KINDS and code else None


# ============================================================================ the list

@roles(*OVERSEERS)
def audit_list(request):
    from riskpool.audit.models import AuditEvent

    qs = AuditEvent.objects.order_by("-on", "-id")
    q = {k: (request.GET.get(k) or "").strip() for k in ("action", "actor", "subject", "from", "to")}
    errors = {}
    if q["action"]:
        qs = qs.filter(action=q["action"])
    if q["actor"]:
        qs = qs.filter(actor__icontains=q["actor"])
    if q["subject"]:
        qs = qs.filter(subject__icontains=q["subject"])
    for key, lookup in (("from", "on__gte"), ("to", "on__lte")):
        if q[key]:
            try:
                qs = qs.filter(**{lookup: parse_day(q[key], key)})
            except BadDay:
                errors[key] = _("日期格式应为 YYYY-MM-DD。") + f" ({q[key]})"
    actions = list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
    if errors:
        return render(request, "web/audit/list.html", {"q": q, "errors": errors, "actions": actions,
                                                       "events": [], "page": None}, status=400)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    events = [{"id": e.pk, "on": e.on, "created_at": e.created_at, "actor": e.actor, "action": e.action,
               "subject": e.subject, "subject_link": subject_link(e.subject), "rows": len(e.changes or []),
               "history": e.history.count()} for e in page.object_list]
    return render(request, "web/audit/list.html", {"q": q, "errors": {}, "actions": actions, "events": events,
                                                   "page": page, "query": query.urlencode()})


# ============================================================================ one record

def _record(p, kind: str, code: str) -> dict[str, Any]:
    """What the record's trail is made of: its title, the audit subjects, the history filter and, for a
    principal who does not oversee, which changed rows are its own business. 404 outside the scope."""
    from riskpool.registry.models import Borrower

    if kind == "loan":
        loan = scope.get_or_404(scope.loans(p), code=code)
        claims = list(loan.claims.values_list("code", flat=True))
        return {"title": f"{_('贷款')} {loan.code}", "subjects": [f"loan:{code}"] + [f"claim:{c}" for c in claims],
                "history": Q(loan=code), "loan_codes": {code}, "claim_codes": set(claims),
                "borrower": loan.borrower.code}
    if kind == "claim":
        claim = scope.get_or_404(scope.claims(p), code=code)
        return {"title": f"{_('代偿申请')} {claim.code}", "subjects": [f"claim:{code}"], "history": Q(claim=code),
                "loan_codes": {claim.loan.code}, "claim_codes": {code}, "borrower": claim.loan.borrower.code}
    if not p.oversees:
        raise Http404("not found")
    if kind == "fund":
        fund = scope.get_or_404(scope.funds(p), code=code)
        from riskpool.audit.history import KINDS as EVENT_KINDS

        fund_kinds = [k for k, subject in EVENT_KINDS.items() if subject == "fund"]
        return {"title": f"{_('资金')} {fund.name} ({fund.code})", "subjects": [f"fund:{code}"],
                "history": Q(fund=code, kind__in=fund_kinds)}
    if kind == "borrower":
        borrower = scope.get_or_404(Borrower.objects.all(), code=code)
        return {"title": f"{_('借款主体')} {borrower.name} ({borrower.code})", "subjects": [f"borrower:{code}"],
                "history": Q(borrower=code, kind__startswith="borrower.")}
    if kind == "whitelist":
        program, _sep, borrower = code.partition(":")
        entry = scope.get_or_404(scope.whitelist(p), program__code=program, borrower__code=borrower)
        return {"title": f"{_('白名单')} {entry.program.code} · {entry.borrower.name} ({entry.borrower.code})",
                "subjects": [f"whitelist:{program}:{borrower}"],
                "history": Q(program=program, borrower=borrower, kind__startswith="whitelist.")}
    raise Http404("not found")  # pragma: no cover (kinds checked before)


def _own_rows(p, record: dict[str, Any]):
    """For a principal who does not oversee: which changed rows of its own commands it may read — its loan and
    claims, their notices and recoveries, its own agreements, the loan's borrower; nothing of anyone else."""
    from riskpool.registry.models import Agreement

    agreements = {str(pk) for pk in Agreement.objects.filter(institution_id=p.institution_id)
                  .values_list("pk", flat=True)}
    loans, claims, borrower = record.get("loan_codes", set()), record.get("claim_codes", set()), record.get("borrower")

    def visible(change: dict[str, Any]) -> bool:
        kind, _sep, rest = str(change.get("row", "")).partition(":")
        if kind == "loan":
            return rest in loans
        if kind == "claim":
            return rest in claims
        if kind in ("notice", "recovery"):
            return True  # written only by commands on the loan or claim itself
        if kind == "agreement":
            return rest in agreements
        if kind == "borrower":
            return rest == borrower
        if kind == "whitelist":
            return rest.rpartition(":")[2] == borrower
        return False
    return visible


@principal_required
def audit_record(request, kind: str, code: str):
    from riskpool.audit.models import AuditEvent, HistoryEvent

    if kind not in KINDS:
        raise Http404("not found")
    p = request.principal
    record = _record(p, kind, code)
    events = AuditEvent.objects.filter(subject__in=record["subjects"])
    history = HistoryEvent.objects.filter(record["history"])
    visible = (lambda change: True)
    if not p.oversees:
        allowed = scope.audit_subjects(p)
        if allowed is not None:
            events = events.filter(allowed)
        visible = _own_rows(p, record)
    else:
        # the commands that touched the record without being about it (the daily classification, a payment's
        # sanctions): their business events name it
        events = AuditEvent.objects.filter(Q(subject__in=record["subjects"]) | Q(pk__in=history.values("audit_id")))
    events = events.order_by("on", "id")
    return render(request, "web/audit/record.html", {
        "kind": kind, "code": code, "title": record["title"],
        "events": [event_view(e, visible) for e in events],
        "history": [{"on": h.on, "kind": h.kind, "loan": h.loan, "claim": h.claim, "amount": h.amount,
                     "amount_text": "" if h.amount is None else f"{h.amount:,.2f}", "article": h.article,
                     "data_text": _text(h.data) if h.data else "", "audit_id": h.audit_id}
                    for h in history.order_by("on", "id")],
    })


urlpatterns = [
    path("", audit_list, name="audit"),
    path("<slug:kind>/<path:code>/", audit_record, name="audit_record"),
]
