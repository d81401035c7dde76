"""Programs: load policy files into the database."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from riskpool.policy import PolicyError, bundled_ids, load_file, load_text
from riskpool.programs.models import Program


def _store(text: str, source: str) -> Program:
    policy = load_text(text, source)
    program, _ = Program.objects.update_or_create(
        code=policy.id, defaults={"name": policy.name, "policy_text": text,
                                  "policy_sha256": hashlib.sha256(text.encode()).hexdigest()})
    return program


def load_bundled(program_id: str) -> Program:
    if program_id not in bundled_ids():
        raise PolicyError(program_id, [f"unknown program; known programs: {', '.join(bundled_ids())}"])
    f = resources.files("riskpool.policy") / "programs" / f"{program_id}.yaml"
    return _store(f.read_text(encoding="utf-8"), f"policy/programs/{program_id}.yaml")


def load_policy_file(path: str | Path) -> Program:
    load_file(path)  # validates, including id == file name
    return _store(Path(path).read_text(encoding="utf-8"), str(path))


def get(code: str) -> Program:
    """A stored program, loading a bundled one on first use."""
    found = Program.objects.filter(code=code).first()
    return found if found is not None else load_bundled(code)
