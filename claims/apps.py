from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _recount_tallies_of_an_empty_corpus(sender, using, **kwargs):
    """An empty corpus has empty summary tables: counted again after `flush` (which sends post_migrate).

    flush empties every table in an order of its own; on SQLite the claims' delete triggers then
    subtract them from summary tables already emptied, leaving negative counts for the next load.
    """
    from claims import tallies
    from claims.models import Claim

    connection = connections[using]
    if not {Claim._meta.db_table, *tallies.TABLES} <= set(connection.introspection.table_names()):
        return  # (migrated to a state before the summary tables)
    if not Claim.objects.using(using).exists():
        tallies.rebuild(connection)


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims: speakers, claims, quotes and rebuttals"

    def ready(self):
        # The admin of sources' outlets and articles builds on claims' curated admin.
        from claims import admin_sources  # noqa: F401
        from claims.history import connect_history_signals

        connect_history_signals()
        post_migrate.connect(_recount_tallies_of_an_empty_corpus, sender=self)
