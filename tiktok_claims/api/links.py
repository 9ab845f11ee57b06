"""Links to the API and to the site's pages: absolute, many rows from one reverse()."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse as api_reverse
from rest_framework.utils.urls import replace_query_param


class Links:
    """URLs for many rows from one reverse() per kind of link: the row's key between a prefix and a suffix.

    They equal DRF's hyperlinked fields' (absolute, with ?format= kept) and the pages' URLs.
    """

    PLACEHOLDER = "7654321"  # fits every lookup pattern: ids and slugs

    def __init__(self, request, format=None):
        self.request, self.format = request, format

    def api(self, view_name, lookup="pk"):
        url = api_reverse(
            view_name, kwargs={lookup: self.PLACEHOLDER}, request=self.request, format=self.format
        )
        return self._template(url)

    def page(self, view_name):
        return self._template(web_url(self.request, reverse(view_name, args=[self.PLACEHOLDER])))

    def api_list_filtered(self, view_name, parameter):
        """A related list's API URL: the list filtered to one item, as the serializers link it."""
        url = api_reverse(view_name, request=self.request)
        return self._template(replace_query_param(url, parameter, self.PLACEHOLDER))

    def page_list_filtered(self, view_name, parameter):
        return self._template(web_url(self.request, f"{reverse(view_name)}?{parameter}={self.PLACEHOLDER}"))

    def _template(self, url):
        prefix, _, suffix = url.rpartition(self.PLACEHOLDER)
        return lambda key: f"{prefix}{key}{suffix}"


def web_url(request, path):
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.URI)
class WebUrlField(serializers.Field):
    """The item's page on the site, from get_absolute_url()."""

    def __init__(self, **kwargs):
        kwargs["source"] = kwargs.get("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return web_url(self.context.get("request"), value.get_absolute_url())
