"""`riskpool api token create|revoke|list`: the API's bearer tokens (接口令牌) from the command line.

Wiring (riskpool/cli.py): ``from riskpool.api.cli import add_parser as add_api_parser`` and call
``add_api_parser(subparsers)``. The commands set Django up (``riskpool.cli.setup_django``) and return 0; bad
input (an unknown institution or prefix) raises :class:`riskpool.inputs.InputError`, which cli.main prints as
one line before exiting 2.

    riskpool api token create kz-bank "core banking system"   # prints the secret, once
    riskpool api token list [--institution kz-bank]            # prefixes, never secrets
    riskpool api token revoke AbCdEf12                         # the prefix: the secret's first 8 characters
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def _setup() -> None:
    from riskpool.cli import setup_django

    setup_django()


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup()
    from riskpool.api.tokens import create_token

    secret = create_token(args.institution, args.name)
    print(secret)
    print(f"token {secret[:8]}… for {args.institution}: keep the line above secret; it is not stored and cannot "
          "be shown again (Authorization: Bearer <token>)", flush=True)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    _setup()
    from riskpool.api.tokens import revoke_token

    print(f"token {args.prefix} " + ("revoked" if revoke_token(args.prefix) else "was already revoked"))
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    _setup()
    from riskpool.api.tokens import list_tokens

    print(json.dumps(list_tokens(args.institution), ensure_ascii=False, indent=2))
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("api", help="the JSON API: bearer tokens for institutions",
                              description="The JSON API (/api/, docs/api.md): its bearer tokens.")
    sub = p.add_subparsers(dest="action", required=True)
    token = sub.add_parser("token", help="create, revoke or list API tokens").add_subparsers(dest="token_action",
                                                                                             required=True)
    create = token.add_parser("create", help="a new token for an institution (its role is the institution's kind)")
    create.add_argument("institution", help="the institution's code")
    create.add_argument("name", help="what the token is for, e.g. the lender's core system")
    create.set_defaults(func=cmd_token_create)
    revoke = token.add_parser("revoke", help="revoke a token by its prefix (the first 8 characters)")
    revoke.add_argument("prefix")
    revoke.set_defaults(func=cmd_token_revoke)
    listing = token.add_parser("list", help="the tokens (prefixes, never secrets)")
    listing.add_argument("--institution", help="one institution's tokens only")
    listing.set_defaults(func=cmd_token_list)
    return p
