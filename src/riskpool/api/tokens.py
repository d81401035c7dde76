"""API tokens (接口令牌): made, revoked and checked here; stored only as a SHA-256 digest.

``create_token(institution_code, name) -> secret`` makes a token for an institution and returns its secret —
the one time it can be seen. ``revoke_token(prefix)`` revokes it (the first 8 characters of the secret are its
prefix, shown by ``list_tokens``). ``principal_of(secret)`` is what the API's bearer authentication calls: the
:class:`~riskpool.accounts.principal.Principal` the token acts as (its institution, in that institution's role),
or None for an unknown, malformed or revoked token.

The secret is 43 URL-safe characters from ``secrets.token_urlsafe(32)`` (256 random bits), so a plain SHA-256
is a sufficient digest (no password stretching is needed for a random key); the stored digest is compared in
constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from riskpool import inputs

PREFIX_LENGTH = 8
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{8}", re.ASCII)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def create_token(institution_code: str, name: str) -> str:
    """A new token for the institution ``institution_code``, named ``name``; returns the secret (shown once).

    Raises :class:`riskpool.inputs.InputError` for an unknown institution or a bad name."""
    from django.db import IntegrityError, transaction

    from riskpool.api.models import ApiToken
    from riskpool.registry.models import Institution

    code = inputs.code(institution_code, 60, "institution", slug=True)
    name = inputs.text(name, max_len=100, what="name")
    institution = Institution.objects.filter(code=code).first()
    if institution is None:
        raise inputs.InputError("institution", institution_code, "the code of a registered institution")
    for _attempt in range(10):
        secret = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                ApiToken.objects.create(institution=institution, name=name, prefix=secret[:PREFIX_LENGTH],
                                        digest=digest(secret), created_at=_now())
            return secret
        except IntegrityError:  # the prefix is taken (about 1 in 2^48 per token): draw again
            continue
    raise RuntimeError("could not draw a free token prefix")  # pragma: no cover


def revoke_token(prefix: str) -> bool:
    """Revoke the token with this prefix (its secret's first 8 characters). Returns True if it was active,
    False if it was already revoked; raises :class:`riskpool.inputs.InputError` for an unknown prefix."""
    from riskpool.api.models import ApiToken

    if not isinstance(prefix, str) or not PREFIX_PATTERN.fullmatch(prefix):
        raise inputs.InputError("prefix", prefix, "a token prefix: the first 8 characters of the token")
    token = ApiToken.objects.filter(prefix=prefix).first()
    if token is None:
        raise inputs.InputError("prefix", prefix, "the prefix of an existing token")
    if token.revoked_at is not None:
        return False
    return ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=_now()) == 1


def list_tokens(institution_code: str | None = None) -> list[dict[str, Any]]:
    """The tokens (never their secrets): prefix, institution, role, name, created, last used, revoked."""
    from riskpool.api.models import ApiToken

    qs = ApiToken.objects.select_related("institution")
    if institution_code:
        qs = qs.filter(institution__code=institution_code)
    iso = lambda t: t.isoformat(timespec="seconds") if t else None  # noqa: E731
    return [{"prefix": t.prefix, "institution": t.institution.code, "role": t.institution.kind, "name": t.name,
             "created_at": iso(t.created_at), "last_used_at": iso(t.last_used_at), "revoked_at": iso(t.revoked_at)}
            for t in qs.order_by("institution__code", "id")]


def username(institution_code: str, prefix: str) -> str:
    """The actor a token's commands are recorded under (audit trail, four eyes)."""
    return f"api:{institution_code}:{prefix}"


def principal_of(secret: Any):
    """The principal a bearer token acts as, or None (unknown, malformed or revoked)."""
    from riskpool.accounts.principal import Principal
    from riskpool.api.models import ApiToken

    if not isinstance(secret, str) or not TOKEN_PATTERN.fullmatch(secret):
        return None
    token = ApiToken.objects.select_related("institution").filter(prefix=secret[:PREFIX_LENGTH]).first()
    if token is None or not hmac.compare_digest(token.digest, digest(secret)) or token.revoked_at is not None:
        return None
    now = _now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    inst = token.institution
    return Principal(username(inst.code, token.prefix), inst.pk, inst.code, inst.kind)
