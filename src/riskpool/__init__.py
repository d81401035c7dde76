"""riskpool: loan risk-compensation funds (风险补偿资金) run as data.

Layers (see docs/ARCHITECTURE.md): policy files -> riskpool.policy (schema, loader)
-> riskpool.rules (pure functions returning a Decision) -> services -> CLI / pages / scenarios.
"""

__version__ = "0.1.0"
