"""Accounts (用户与机构): who logs in, for which institution, in which role; what each may read and do."""
