"""The dashboard (首页): one per role (to be built out)."""

from django.shortcuts import render
from django.urls import path

from riskpool.web.views.common import principal_required


@principal_required
def dashboard(request):
    return render(request, "web/dashboard.html", {})


urlpatterns = [path("", dashboard, name="dashboard")]
