"""What every view shares: the principal of the request, running a command for it, and error pages."""

from __future__ import annotations

import functools
from typing import Any, Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from riskpool.accounts.authorize import NotAllowed, NotFound
from riskpool.accounts.principal import Principal, of_user
from riskpool.commands import dispatch


def principal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and a member of an institution; the principal is ``request.principal``."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        p = of_user(request.user)
        if p is None:
            raise PermissionDenied("this login belongs to no institution")
        request.principal = p  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def roles(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page only some roles see (others: 403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @principal_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.principal.role not in allowed:  # type: ignore[attr-defined]
                raise PermissionDenied("not for this role")
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


def run(request: HttpRequest, command: Any, key: str | None = None) -> dict[str, Any]:
    """Run ``command`` for the logged-in principal through the one dispatcher. ``NotFound`` becomes 404 and
    ``NotAllowed`` 403; the domain's refusals (LoanError, ClaimError, RegistryError, InputError) are the
    caller's to show on its form."""
    p: Principal = request.principal  # type: ignore[attr-defined]
    try:
        return dispatch(command, principal=p, key=key)
    except NotFound:
        raise Http404("not found") from None
    except NotAllowed as e:
        raise PermissionDenied(str(e)) from None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/error.html", {"status": 403, "title": "请求已过期或无效（CSRF）",
                                              "title_en": "The form expired or was forged (CSRF)",
                                              "detail": "请刷新页面后重新提交。Reload the page and submit again."},
                  status=403)
