"""`riskpool api token create|revoke|list` (riskpool.api.cli), driven through its own parser."""

from __future__ import annotations

import argparse

import pytest

from riskpool import inputs
from riskpool.api import cli
from riskpool.api.models import ApiToken
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db


def run(argv, monkeypatch):
    monkeypatch.setattr(cli, "_setup", lambda: None)  # the test database is set up already
    parser = argparse.ArgumentParser(prog="riskpool")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_create_list_and_revoke_a_token(monkeypatch, capsys):
    registry.register_institution("cli-bank", "命令行银行", "lender")
    assert run(["api", "token", "create", "cli-bank", "core system"], monkeypatch) == 0
    secret = capsys.readouterr().out.splitlines()[0]
    assert len(secret) == 43 and ApiToken.objects.get(prefix=secret[:8]).name == "core system"
    assert run(["api", "token", "list", "--institution", "cli-bank"], monkeypatch) == 0
    listing = capsys.readouterr().out
    assert secret[:8] in listing and secret not in listing
    assert run(["api", "token", "revoke", secret[:8]], monkeypatch) == 0
    assert "revoked" in capsys.readouterr().out and ApiToken.objects.get(prefix=secret[:8]).revoked_at
    with pytest.raises(inputs.InputError):
        run(["api", "token", "create", "no-such-bank", "x"], monkeypatch)
