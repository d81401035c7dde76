"""The fund's books (专账): ``core`` is the pure double-entry model, ``services`` the only way to write."""
