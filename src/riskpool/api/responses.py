"""The error responses every operation declares (all of them problem details, ``application/problem+json``)."""

from riskpool.api.problems import Problem

READ = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 500: Problem}  # 400: a NUL (web/nul.py)
WRITE = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem,
         500: Problem}
