from django.apps import AppConfig


class TiktokClaimsConfig(AppConfig):
    name = "tiktok_claims"
    verbose_name = "Site: the corpus version behind the read cache"

    def ready(self):
        from tiktok_claims.readcache import connect_write_signals

        connect_write_signals()
