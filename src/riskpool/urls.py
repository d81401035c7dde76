"""URLs: the platform's pages (riskpool.web), the language switch, and the back-office admin."""

from django.contrib import admin
from django.urls import include, path

from riskpool.api.main import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("riskpool.web.urls")),
]

handler400 = "riskpool.web.errors.bad_request"
handler403 = "riskpool.web.errors.forbidden"
handler404 = "riskpool.web.errors.not_found"
handler500 = "riskpool.web.errors.server_error"
