"""Tamper evidence: an HMAC hash chain over append-only rows (docs/integrity.md). Public API: ``chain``."""
