"""Documents (文书): the notices and forms the regulations name, as PDF bytes.

``notices`` builds each document from plain data (its own dataclasses) and returns the PDF's bytes; the
CJK font (Noto Serif SC, SIL Open Font License 1.1) is embedded in every PDF (``fonts``). See
docs/documents.md for each document, the article it is issued under, and the font.

Importing this package is cheap; ReportLab and the font are loaded when a document is first built.
"""

from riskpool.documents.fonts import CJKFont, FontNotFoundError, cjk_font

__all__ = ["CJKFont", "FontNotFoundError", "cjk_font"]
