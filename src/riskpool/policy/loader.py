"""Load and validate policy files; errors name the file, the key path, the value and what was expected."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from riskpool import inputs, yamlio

from riskpool.policy.schema import Program


class PolicyError(ValueError):
    """A policy file that cannot be used. ``problems`` lists one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems) if len(problems) == 1
                         else f"{source}:\n" + "\n".join(f"  - {p}" for p in problems))


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item) == "[key]" or str(item).startswith(("function-", "Param[")):
            continue  # pydantic's internal markers and validator names: not a key the user wrote
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _shown(value: Any) -> str:
    return inputs.shown(value)


def describe_validation_error(err: ValidationError, unknown: str = "not part of the policy schema") -> list[str]:
    """One readable line per pydantic error: key path, problem, offending value."""
    lines = []
    for e in err.errors(include_url=False):
        path = _key_path(tuple(e["loc"]))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown key ({unknown})"
        elif e["type"] == "missing":
            msg = "required key is missing"
        value = e.get("input")
        quiet = e["type"] == "missing" or isinstance(value, dict) or _shown(value) in msg
        lines.append(f"{path}: {msg}" + ("" if quiet else f" (got {_shown(value)})"))
    return lines


def load_text(text: str, source: str) -> Program:
    try:
        data = yamlio.load(text)
    except yamlio.YamlError as e:
        raise PolicyError(source, [str(e)]) from None
    if not isinstance(data, dict):
        raise PolicyError(source, ["(top level): expected a mapping of keys, got " + type(data).__name__])
    try:
        return Program.model_validate(data)
    except ValidationError as e:
        raise PolicyError(source, describe_validation_error(e)) from None


def load_file(path: str | Path) -> Program:
    path = Path(path)
    try:
        text = yamlio.read(path)
    except OSError as e:
        raise PolicyError(str(path), [f"cannot read the file ({e.strerror})"]) from None
    except UnicodeDecodeError:
        raise PolicyError(str(path), ["the file is not UTF-8 text"]) from None
    except yamlio.YamlError as e:
        raise PolicyError(str(path), [str(e)]) from None
    program = load_text(text, str(path))
    if program.id != path.stem:
        raise PolicyError(str(path), [f"id: {program.id!r} differs from the file name {path.stem!r}"])
    return program


def _programs_dir() -> resources.abc.Traversable:
    return resources.files("riskpool.policy") / "programs"


def bundled_ids() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in _programs_dir().iterdir() if p.name.endswith(".yaml"))


@functools.cache
def load_program(program_id: str) -> Program:
    """A bundled program by id (e.g. ``kunshan-kunyurong``)."""
    if program_id not in bundled_ids():
        raise PolicyError(program_id, [f"unknown program; known programs: {', '.join(bundled_ids())}"])
    f = _programs_dir() / f"{program_id}.yaml"
    return load_text(f.read_text(encoding="utf-8"), f"policy/programs/{program_id}.yaml")
