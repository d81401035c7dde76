"""Pages: loans (to be built)."""

urlpatterns: list = []
