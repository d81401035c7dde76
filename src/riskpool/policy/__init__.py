"""Policy files: schema and loader. Knows nothing of rules, services or Django."""

from riskpool.policy.loader import PolicyError, bundled_ids, load_file, load_program, load_text
from riskpool.policy.schema import Program

__all__ = ["PolicyError", "Program", "bundled_ids", "load_file", "load_program", "load_text"]
