"""Pages: documents (to be built)."""

urlpatterns: list = []
