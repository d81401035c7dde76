"""The opening position (开账): a county that adopts riskpool mid-way imports its existing book — loans
outstanding, past financing, released guarantees, compensation and recoveries per lender and year, the fund's
balances — as one audited command (:class:`~riskpool.opening.commands.OpenPosition`), after which every rule
counts it. File format and what the entry writes: docs/opening.md."""
