"""Pages: reports (to be built)."""

urlpatterns: list = []
