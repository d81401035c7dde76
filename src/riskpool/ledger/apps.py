from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "riskpool.ledger"
    label = "ledger"
    verbose_name = "资金专账 (fund's books)"

    def ready(self) -> None:
        # Tell the chain how to read a transaction's sealed content back (verify), and which book's stream
        # an unsealed row belongs to.
        from riskpool.integrity import chain
        from riskpool.ledger import chained
        from riskpool.ledger.models import LedgerTransaction

        chain.register(chained.TABLE, LedgerTransaction, chained.content_of, stream_of=chained.stream_of,
                       prefetch=("postings",))
