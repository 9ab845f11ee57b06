from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims: speakers, claims, quotes and rebuttals"

    def ready(self):
        # The admin of sources' outlets and articles builds on claims' curated admin.
        from claims import admin_sources  # noqa: F401
        from claims.history import connect_history_signals

        connect_history_signals()
