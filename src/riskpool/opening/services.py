"""Reading an opening-position file and running its one command (``OpenPosition``) through the dispatcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from riskpool import yamlio
from riskpool.opening.schema import OpeningBody, OpeningFile


class OpeningFileError(ValueError):
    """A file that cannot be read or parsed: names the file, the key path, the value and what was expected."""


def _describe(e: ValidationError) -> str:
    from riskpool.policy.loader import describe_validation_error

    return "; ".join(describe_validation_error(e, unknown="not part of an opening-position file; see docs/opening.md"))


def parse(data: Any, source: str, *, body_only: bool = False) -> OpeningFile | OpeningBody:
    """The opening position in ``data`` (a mapping read from YAML), or an OpeningFileError naming ``source``."""
    if not isinstance(data, dict):
        raise OpeningFileError(f"{source}: (top level): expected a mapping with fund, as_of, balances, loans, history")
    try:
        return (OpeningBody if body_only else OpeningFile).model_validate(data)
    except ValidationError as e:
        raise OpeningFileError(f"{source}: {_describe(e)}") from None


def load(path: str | Path) -> OpeningFile:
    """Read and check an opening-position file (nothing is written)."""
    path = Path(path)
    try:
        data = yamlio.load(yamlio.read(path))
    except (OSError, UnicodeDecodeError) as e:
        raise OpeningFileError(f"{path}: cannot read the file ({getattr(e, 'strerror', None) or e})") from None
    except yamlio.YamlError as e:
        raise OpeningFileError(f"{path}: {e}") from None
    result = parse(data, str(path))
    assert isinstance(result, OpeningFile)
    return result


def key_for(fund: str) -> str:
    """The idempotency key of a fund's opening: the same file twice is answered from the first run."""
    return f"opening:{fund}"


def open_position(fund: str, body: OpeningBody, *, actor: str, key: str | None = None) -> dict[str, Any]:
    """Dispatch the fund's ``OpenPosition``; returns its result (the first one, on a retry with the same key)."""
    from riskpool.commands import dispatch
    from riskpool.opening.commands import OpenPosition

    return dispatch(OpenPosition.of(fund, body), actor=actor, key=key or key_for(fund))


def opened(fund: str):
    """The fund's opening position, or None."""
    from riskpool.figures.models import OpeningPosition

    return OpeningPosition.objects.filter(fund__code=fund).first()
