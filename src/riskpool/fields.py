"""Field types of commands (riskpool.commands.base) and of the files that carry commands' values (the opening
position, riskpool.opening.schema): the one strict parser (riskpool.inputs) applied to every value whoever
gives it — a page, the API, the CLI, a story or a file. Unlike the file schemas' types in ``inputs``, a Decimal
given by code is checked too (range, whole fen), before any arithmetic or database write.

Django-free, so that a file can be checked before any database is set up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator

from riskpool import inputs

Money = Annotated[Decimal, BeforeValidator(lambda v: inputs.amount(v, ""))]
Rate = Annotated[Decimal, BeforeValidator(lambda v: inputs.rate(v, ""))]
Day = Annotated[dt.date, BeforeValidator(lambda v: inputs.date(v, ""))]
Months = Annotated[int, BeforeValidator(lambda v: inputs.count(v, "", 1, 600))]
Year = Annotated[int, BeforeValidator(lambda v: inputs.year(v, ""))]
Slug = inputs.Code(60, slug=True)  # fund, institution, program codes
LoanCode = inputs.Code(60)
ClaimCode = inputs.Code(80)
BorrowerCode = inputs.Code(40)
Name = inputs.Text(200)
Reason = inputs.Text(300, min_len=0, multiline=True)
Article = inputs.Text(60, min_len=0)
StepCode = inputs.Code(60)
