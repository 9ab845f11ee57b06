"""The anonymous throttle, counted per client address in the shared cache."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from tiktok_claims.middleware import client_ip_address


class AnonThrottle(AnonRateThrottle):
    """Anonymous rate from the current settings, so tests can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        """The client's address as the login lockout reads it (X-Forwarded-For only from our proxy)."""
        return client_ip_address(request)
