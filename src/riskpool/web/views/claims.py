"""Pages: claims (to be built)."""

urlpatterns: list = []
