"""YAML reading for policy, question and scenario files.

Dates stay text here so that the schema, not the YAML parser, rejects an impossible date such as
2026-02-30 — with the key path and the value — instead of a bare parser exception.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _PlainLoader(yaml.SafeLoader):
    pass


_PlainLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.1 reads `on`, `off`, `yes`, `no` as booleans; here only true/false are (YAML 1.2), so `on:` is a key.
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class YamlError(ValueError):
    pass


def load(text: str) -> Any:
    """Parse YAML (or JSON, a subset) with dates left as strings; YamlError names line and column."""
    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YamlError(f"{where}not valid YAML ({getattr(e, 'problem', None) or e})") from None
