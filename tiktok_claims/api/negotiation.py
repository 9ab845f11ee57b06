"""Content negotiation: ?format= or Accept; an unknown format is a 400 naming `format`."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.settings import api_settings

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="json (default) or csv: csv is the whole filtered list."
)


class NegotiationMixin:
    """DRF's negotiation, with a bad format a 400 like any bad parameter."""

    def perform_content_negotiation(self, request, force=False):
        """DRF's, but an unknown ?format= is a 400 naming `format`, not a 404."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:
            value = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE) or self.format_kwarg or ""
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise exceptions.ValidationError(
                {"format": [f"Unknown format {value[:20]!r}: use one of {formats}."]}
            ) from error
