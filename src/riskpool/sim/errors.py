"""Bad input to the simulator: one line naming the file, the key and what was expected."""

from __future__ import annotations


class SimInputError(ValueError):
    """``source: key: expected …, got …`` — printed on one line by the CLI, which then exits 2."""

    def __init__(self, source: str, key: str, expected: str, got: object = None):
        self.source = source
        self.key = key
        self.expected = expected
        self.got = got
        shown = "" if got is None else f", got {got!r}"
        super().__init__(f"{source}: {key}: expected {expected}{shown}")
