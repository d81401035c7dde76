"""Bulk import (批量导入) of loans, repayments and arrears from CSV or XLSX: streamed, every row checked by the
same commands as a single filing, all or nothing (docs/import.md).

``import_file`` (riskpool.imports.importer) needs Django set up; the reader and the kinds do not, so this
package imports its parts on first use."""

from __future__ import annotations

from typing import Any

_WHERE = {"BadRow": "importer", "ImportResult": "importer", "import_file": "importer", "KINDS": "kinds",
          "MAX_ROWS": "reader", "ImportFileError": "reader"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'riskpool.imports' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"riskpool.imports.{_WHERE[name]}"), name)
