"""The platform's URLs: each area's module keeps its own ``urlpatterns`` (names in the ``web`` namespace)."""

from django.urls import include, path

from riskpool.web.views import audit, auth, claims, dashboard, documents, jobs, loans, reports, whitelist

app_name = "web"
urlpatterns = [
    *auth.urlpatterns,
    *dashboard.urlpatterns,
    path("whitelist/", include(whitelist.urlpatterns)),
    path("loans/", include(loans.urlpatterns)),
    path("claims/", include(claims.urlpatterns)),
    path("reports/", include(reports.urlpatterns)),
    path("audit/", include(audit.urlpatterns)),
    path("documents/", include(documents.urlpatterns)),
    path("jobs/", include(jobs.urlpatterns)),
]
