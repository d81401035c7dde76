"""A program (管理办法 / 实施细则) as stored: its policy file's text, so that a decision can always be
traced to the exact rules in force when it was made."""

from __future__ import annotations

import functools

from django.db import models

from riskpool.policy import Program as Policy
from riskpool.policy import load_text


class Program(models.Model):
    code = models.SlugField(max_length=60, unique=True, help_text="the policy file's id")
    name = models.CharField(max_length=200)
    policy_text = models.TextField()
    policy_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code

    @property
    def policy(self) -> Policy:
        return _parse(self.policy_text, self.code)


@functools.lru_cache(maxsize=64)
def _parse(text: str, code: str) -> Policy:
    return load_text(text, f"program {code}")
