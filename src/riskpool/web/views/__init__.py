"""Thin views: read through ``riskpool.web.scope``, change through ``run`` (the dispatcher, with the
logged-in principal). One module per area, each with its own ``urlpatterns``."""
