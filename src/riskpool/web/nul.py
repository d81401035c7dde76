"""A NUL character (0x00) in a URL, a query, a form or a JSON body is refused with 400 before any view runs:
PostgreSQL cannot store or compare it (SQLite can), so without this the same request would be a 400 on one
database and a 500 on the other."""

from django.conf import settings
from django.http import HttpResponse


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                from riskpool.api.problems import problem

                return problem(400, "NUL", "请求含有非法字符（NUL） / the request holds a NUL character")
            return HttpResponse("请求含有非法字符（NUL）。The request holds a NUL character.", status=400,
                                content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False  # left to the view that reads a large body itself (the API's batch checks it there)
        if request.method in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            # the raw body, not request.POST: parsing the form here would fix the upload handlers before a view
            # that installs its own (the claim page) could; multipart forms are left to their views
            return b"%00" in request.body or b"\x00" in request.body
        return False
