"""Pages: whitelist (to be built)."""

urlpatterns: list = []
