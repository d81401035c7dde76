"""The error responses every operation declares (all of them problem details, ``application/problem+json``)."""

from riskpool.api.problems import Problem

READ = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 500: Problem}
WRITE = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 422: Problem,
         500: Problem}
