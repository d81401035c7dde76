import argparse
import sys
from pathlib import Path

import pytest

from riskpool.sim.cli import add_parser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulate"


def run_cli(argv, capsys):
    """`riskpool simulate …` through the subcommand exactly as riskpool.cli wires it."""
    parser = argparse.ArgumentParser(prog="riskpool")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["simulate", *argv])
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def cli(capsys):
    return lambda *argv: run_cli([str(a) for a in argv], capsys)


@pytest.fixture
def examples():
    return EXAMPLES
