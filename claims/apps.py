from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims: speakers, claims, quotes and rebuttals"

    def ready(self):
        from claims.history import connect_history_signals

        connect_history_signals()
