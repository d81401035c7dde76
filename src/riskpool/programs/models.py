"""A program (管理办法 / 实施细则) as stored, and its immutable versions.

Each installed policy file is a :class:`ProgramVersion` — its exact text, content hash, effective date, who
installed it and when — and is never edited: a changed file is a new version. Every loan and claim records
the version it was decided under and is re-decided only under it. :class:`Program` names the program and
mirrors its newest version (what a new filing is decided under).
"""

from __future__ import annotations

import functools

from django.db import models
from django.utils import timezone

from riskpool.policy import Program as Policy
from riskpool.policy import load_text


class Program(models.Model):
    code = models.SlugField(max_length=60, unique=True, help_text="the policy file's id")
    name = models.CharField(max_length=200)
    policy_text = models.TextField(help_text="the newest version's text (see versions)")
    policy_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code

    @property
    def policy(self) -> Policy:
        """The newest version's policy: what a new filing is decided under."""
        return _parse(self.policy_text, self.code)

    @property
    def current_version(self) -> "ProgramVersion":
        return self.versions.order_by("-number").first()


class ProgramVersion(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    policy_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    effective_from = models.DateField(help_text="the policy file's effective.start")
    installed_by = models.CharField(max_length=120)
    installed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=300, blank=True, help_text="the file it was installed from")

    class Meta:
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_version_number"),
            models.UniqueConstraint(fields=["program", "sha256"], name="program_version_content"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"program version {self} is immutable: install a new version instead")
        super().save(*args, **kwargs)

    @property
    def policy(self) -> Policy:
        return _parse(self.policy_text, f"program #{self.program_id} v{self.number}")


@functools.lru_cache(maxsize=64)
def _parse(text: str, code: str) -> Policy:
    return load_text(text, f"program {code}")
