"""YAML reading for policy, question and scenario files — strictly.

Dates stay text here so that the schema, not the YAML parser, rejects an impossible date such as
2026-02-30 — with the key path and the value — instead of a bare parser exception.

Numbers: only plain decimals are read as numbers (``12``, ``-3``, ``0.625``); YAML 1.1's other forms
(``0x1F``, ``0o17``, ``017``, ``1_000``, ``1:30``, ``1.0e+5``, ``.inf``, ``.nan``) stay text, which the
schemas then refuse where a number is expected (riskpool.inputs). A decimal that a binary float would not
give back exactly stays text too, so riskpool.money reads it exactly.

Bounds, checked before anything is built: a file of at most ``MAX_CHARS`` characters, nesting at most
``MAX_DEPTH`` levels, at most ``MAX_NODES`` values once every alias is expanded (a "billion laughs" file is
refused at once), no alias inside its own anchor, and every key of a mapping given once (YAML would let the
last one win silently: a leverage of 10 read as 1000).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_CHARS = 1_000_000
MAX_DEPTH = 50
MAX_NODES = 200_000

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,29})$")
_FLOAT = re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,29})\.[0-9]{1,30}$")


class _PlainLoader(yaml.SafeLoader):
    def construct_yaml_int(self, node: ScalarNode) -> Any:  # type: ignore[override]
        text = self.construct_scalar(node)
        return int(text) if isinstance(text, str) and _INT.match(text) else text

    def construct_yaml_float(self, node: ScalarNode) -> Any:  # type: ignore[override]
        text = self.construct_scalar(node)
        if not isinstance(text, str) or not _FLOAT.match(text):
            return text
        value = float(text)
        # a float that does not spell back the decimal written stays text: read exactly by riskpool.money
        return value if Decimal(repr(value)) == Decimal(text) else text


_NUMBER_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                "tag:yaml.org,2002:float"}
_PlainLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in _NUMBER_TAGS]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.1 reads `on`, `off`, `yes`, `no` as booleans; here only true/false are (YAML 1.2), so `on:` is a key.
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_PlainLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_PlainLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789"))
_PlainLoader.add_constructor("tag:yaml.org,2002:int", _PlainLoader.construct_yaml_int)
_PlainLoader.add_constructor("tag:yaml.org,2002:float", _PlainLoader.construct_yaml_float)


class YamlError(ValueError):
    pass


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _check_shape(text: str) -> None:
    """Nesting depth, expanded size and self-referencing aliases, from the event stream (no recursion)."""
    loader = _PlainLoader(text)
    try:
        depth, nodes = 0, 0
        sizes: dict[str, int] = {}
        open_: list[tuple[str | None, int]] = []
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in {a for a, _ in open_}:
                    raise YamlError(f"{_at(event.start_mark)}alias *{event.anchor} is inside its own anchor; "
                                    "expected no recursive structure")
                nodes += sizes.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(f"{_at(event.start_mark)}nested {depth} levels deep; "
                                    f"expected at most {MAX_DEPTH} levels")
                open_.append((event.anchor, nodes))
                nodes += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
                anchor, start = open_.pop()
                if anchor:
                    sizes[anchor] = nodes - start
            if nodes > MAX_NODES:
                raise YamlError(f"{_at(event.start_mark)}more than {MAX_NODES:,} values once aliases are expanded; "
                                f"expected at most {MAX_NODES:,} (are aliases (*name) nested inside each other?)")
    finally:
        loader.dispose()


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else "(a complex key)"


def _shown(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return repr(node.value) if len(node.value) <= 60 else repr(node.value[:40]) + "…"
    return "a mapping" if isinstance(node, MappingNode) else "a list"


def _check_keys(root: Node) -> None:
    """Every key of a mapping once; the message names the key path and both values."""
    seen_nodes: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, SequenceNode):
            stack += [(child, f"{path}[{i}]") for i, child in enumerate(node.value)]
        elif isinstance(node, MappingNode):
            first: dict[tuple[str, str], tuple[Node, Node]] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    here = f"{path}.{key.value}" if path else str(key.value)
                    if (key.tag, key.value) in first:
                        k0, v0 = first[(key.tag, key.value)]
                        raise YamlError(f"{_at(key.start_mark)}{here}: duplicate key {_key_text(key)!r} "
                                        f"(given {_shown(v0)} at line {k0.start_mark.line + 1}, then {_shown(value)}); "
                                        "expected each key once")
                    first[(key.tag, key.value)] = (key, value)
                    stack.append((value, here))
                else:
                    stack.append((value, path))


def load(text: str) -> Any:
    """Parse YAML (or JSON, a subset) with dates left as strings; YamlError names line, column and key path."""
    if len(text) > MAX_CHARS:
        raise YamlError(f"the file has {len(text):,} characters; expected at most {MAX_CHARS:,}")
    try:
        _check_shape(text)
        loader = _PlainLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_keys(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise YamlError(f"{_at(mark)}not valid YAML ({getattr(e, 'problem', None) or e})") from None
    except RecursionError:  # a bound above was not enough: still one clear line, never a traceback
        raise YamlError(f"nested too deeply; expected at most {MAX_DEPTH} levels") from None


def read(path: str | Path) -> str:
    """A YAML file's text, refusing one larger than the bound before reading it (OSError, UnicodeDecodeError
    and YamlError are the caller's to report)."""
    path = Path(path)
    size = path.stat().st_size
    if size > 4 * MAX_CHARS:  # UTF-8: at most 4 bytes a character
        raise YamlError(f"the file has {size:,} bytes; expected at most {MAX_CHARS:,} characters")
    return path.read_text(encoding="utf-8")
