"""A test-only urlconf: the project's URLs with the API mounted at /api/ (as riskpool.urls is to mount it:
``path("api/", api.urls)``); once riskpool.urls mounts it, this is the project's urlconf unchanged."""

from django.urls import path

from riskpool.api.main import api
from riskpool.urls import urlpatterns as project

_mounted = any(str(getattr(p, "pattern", "")) == "api/" for p in project)
urlpatterns = list(project) if _mounted else [path("api/", api.urls), *project]
