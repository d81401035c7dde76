"""Programs: install policy files as immutable versions (``riskpool programs install``)."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from riskpool.commands import Command, Context, dispatch
from riskpool.policy import PolicyError, bundled_ids, load_file, load_text
from riskpool.programs.models import Program, ProgramVersion

SYSTEM = "system"


class InstallProgram(Command):
    """Install a policy file's text as a program version; the same text again changes nothing."""

    action: ClassVar[str] = "programs.install"
    text: str
    source: str

    def subject(self) -> str:
        return f"program-file:{self.source}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        policy = load_text(self.text, self.source)
        sha = hashlib.sha256(self.text.encode()).hexdigest()
        program, created = Program.objects.get_or_create(
            code=policy.id, defaults={"name": policy.name, "policy_text": self.text, "policy_sha256": sha})
        same = program.versions.filter(sha256=sha).first()
        if same is not None:
            return {"program": program.code, "version": same.number, "new": False}
        number = (program.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = ProgramVersion.objects.create(program=program, number=number, policy_text=self.text, sha256=sha,
                                                effective_from=policy.effective.start, installed_by=ctx.actor,
                                                source=self.source[:300])
        if not created:
            before = {"name": program.name, "sha256": program.policy_sha256}
            program.name, program.policy_text, program.policy_sha256 = policy.name, self.text, sha
            program.save()
            ctx.change(f"program:{program.code}", before, {"name": program.name, "sha256": sha})
        ctx.event("program.installed", program=program.code, data={"version": number, "sha256": sha})
        return {"program": program.code, "version": version.number, "new": True}


def _store(text: str, source: str, actor: str = SYSTEM) -> Program:
    load_text(text, source)  # a bad file: PolicyError before anything is written
    result = dispatch(InstallProgram.build(on=_today(), text=text, source=source), actor=actor)
    return Program.objects.get(code=result["program"])


def _today():
    import datetime as dt

    return dt.date.today()


def install(path: str | Path, *, actor: str = SYSTEM) -> tuple[Program, ProgramVersion]:
    """Install a county's own policy file; a changed file becomes a new version."""
    load_file(path)  # validates, including id == file name
    text = Path(path).read_text(encoding="utf-8")
    result = dispatch(InstallProgram.build(on=_today(), text=text, source=str(path)), actor=actor)
    program = Program.objects.get(code=result["program"])
    return program, program.versions.get(number=result["version"])


def load_bundled(program_id: str) -> Program:
    if program_id not in bundled_ids():
        raise PolicyError(program_id, [f"unknown program; known programs: {', '.join(bundled_ids())}"])
    f = resources.files("riskpool.policy") / "programs" / f"{program_id}.yaml"
    return _store(f.read_text(encoding="utf-8"), f"policy/programs/{program_id}.yaml")


def load_policy_file(path: str | Path) -> Program:
    return install(path)[0]


def get(code: str) -> Program:
    """A stored program, installing a bundled one on first use."""
    found = Program.objects.filter(code=code).first()
    return found if found is not None else load_bundled(code)


def current_version(program: Program) -> ProgramVersion:
    version = program.versions.order_by("-number").first()
    if version is None:  # a program stored before versions existed
        raise LookupError(f"program {program.code} has no installed version")
    return version


def history(code: str) -> list[ProgramVersion]:
    return list(ProgramVersion.objects.filter(program__code=code).order_by("number"))
