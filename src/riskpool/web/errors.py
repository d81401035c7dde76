"""Error pages in Chinese and English; none says anything about another institution's records."""

from django.shortcuts import render

_TEXT = {
    400: ("请求有误", "Bad request", "请检查填写的内容。Check what was entered."),
    403: ("无权进行此操作", "Not allowed", "您的机构或角色不能进行此操作。Your institution or role may not do this."),
    404: ("未找到", "Not found", "没有这个页面或记录。No such page or record."),
    500: ("系统错误", "Server error", "请稍后再试，或联系管理员。Try again later, or tell the administrator."),
}


def _page(request, status: int, detail: str = ""):
    title, title_en, default = _TEXT[status]
    return render(request, "web/error.html", {"status": status, "title": title, "title_en": title_en,
                                              "detail": detail or default}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400)


def forbidden(request, exception=None):
    # the dispatcher's refusals name the role or the four-eyes rule, never another institution's records
    # (those are 404s); Django's own PermissionDenied carries no message
    return _page(request, 403, str(exception) if exception else "")


def not_found(request, exception=None):
    return _page(request, 404)


def server_error(request):
    return _page(request, 500)
