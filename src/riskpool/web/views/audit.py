"""Pages: audit (to be built)."""

urlpatterns: list = []
