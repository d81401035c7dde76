"""The API (接口): ``api`` is the NinjaAPI mounted at ``/api/`` (``path("api/", api.urls)``, namespace ``api``).

OpenAPI at ``/api/openapi.json``; the interactive docs at ``/api/docs`` where django-ninja's own static files are
served (``"ninja"`` in INSTALLED_APPS: nothing is loaded from a CDN), else none. See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI

from riskpool.api import claims, imports, loans, problems, reports
from riskpool.api.common import BearerToken
from riskpool.api.schemas import LoanBatchIn

DESCRIPTION = """\
风险补偿资金平台接口：合作银行、担保机构、资金管理人和财政局以机构令牌访问。每项变更与页面和命令行执行同一条指令，
由同一调度器授权并记入审计链；读取只限本机构可见的记录（其他机构的记录一律404）。错误以 RFC 9457 problem details
（application/problem+json）返回，含规则代码和条款。

The risk-compensation fund platform's API for lenders, guarantors, the fund manager and the finance bureau,
with an institution's bearer token (`Authorization: Bearer <token>`). Every change runs the same command as the
pages and the CLI, authorised by the one dispatcher and recorded in the audit chain; reads see only the records
the institution may see (another institution's record is a 404). Errors are RFC 9457 problem details
(`application/problem+json`) with the rule's code and article. Changes accept an `Idempotency-Key` header.
"""


class RiskpoolAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document gives every 4xx/5xx response as ``application/problem+json`` and carries
    the batch body's schema (the batch endpoint reads its body itself, beyond Django's in-memory limit)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in (operation.get("responses") or {}).items():
                    content = response.get("content") or {}
                    if str(status)[:1] in ("4", "5") and "application/json" in content:
                        content[problems.MEDIA_TYPE] = content.pop("application/json")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        batch = LoanBatchIn.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in batch.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("LoanBatchIn", batch)
        return schema


api = RiskpoolAPI(
    title="riskpool 风险补偿资金平台接口 / risk-compensation fund API",
    version="1.0",
    description=DESCRIPTION,
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)
problems.install(api)
api.add_router("/loans", loans.router)
api.add_router("/claims", claims.router)
api.add_router("/imports", imports.router)
api.add_router("", reports.router)
