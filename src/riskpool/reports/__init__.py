"""Reports (报表): read-only queries over the registry, loans, claims and the fund's books.

Every report is "as at" a date or over a period, so that any date's picture can be produced again
(docs/reports.md). ``services`` holds the reports (it needs Django set up); ``export`` writes them as CSV,
XLSX or a text table; ``commands`` adds ``riskpool report ...`` to the command line.

This module stays importable without Django: the CLI catches :class:`ReportError` before Django is set up.
"""


class ReportError(ValueError):
    """Bad input to a report: an unknown fund, program or lender, a bad date or period, a bad output format."""


__all__ = ["ReportError"]
