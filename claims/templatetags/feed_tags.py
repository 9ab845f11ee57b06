"""The Atom feed a claim list links to (claims/feeds.py)."""

from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


@register.simple_tag
def claim_feed_url(query=None, **filters):
    """/claims/feed/ with the page's filters (a page number is not a filter), or with the given ones."""
    query = query.copy() if query is not None else QueryDict(mutable=True)
    for name in ("page", "after", "before"):
        query.pop(name, None)
    for name, value in filters.items():
        query[name] = value
    encoded = query.urlencode()
    return reverse("claims:claim-feed") + (f"?{encoded}" if encoded else "")
