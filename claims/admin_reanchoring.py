"""The admin's re-anchoring by proposal: each non-exact quote's candidate places, accepted one click each."""

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from claims import reanchoring
from claims.anchoring import AnchorStatus
from claims.models import Quote

# An article page lists candidates for at most this many non-exact quotes, within this many seconds.
ARTICLE_PAGE_MAX_QUOTES = 20
ARTICLE_PAGE_SECONDS = 2.0


def proposals(quotes):
    """(quote, status, candidates) for each quote that is not exact, bounded in number and time."""
    rows = []
    deadline = time.monotonic() + ARTICLE_PAGE_SECONDS
    for quote in quotes:
        status = AnchorStatus(quote.verify())
        if status == AnchorStatus.EXACT:
            continue
        if len(rows) >= ARTICLE_PAGE_MAX_QUOTES or time.monotonic() > deadline:
            rows.append((quote, status, None))  # None: not computed here; the quote's own page has them.
            continue
        rows.append((quote, status, reanchoring.quote_candidates(quote)))
    return rows


class AnchorCandidatesMixin:
    """For QuoteAdmin: the candidates on the change page and the view that accepts one."""

    def get_urls(self):
        accept = path(
            "<path:object_id>/anchor/",
            self.admin_site.admin_view(self.accept_anchor_view),
            name="claims_quote_anchor",
        )
        return [accept, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        quote = self.get_object(request, object_id) if request.method == "GET" else None
        if quote is not None:
            extra_context = {
                **(extra_context or {}),
                "anchor_proposals": proposals([quote]),
                "can_reanchor": self.has_change_permission(request, quote),
                "anchor_next": request.get_full_path(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def accept_anchor_view(self, request, object_id):
        """Re-anchor one quote at the candidate the curator chose; a stale page is refused."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        quote = get_object_or_404(Quote.objects.select_related("article"), pk=object_id)
        if not self.has_change_permission(request, quote):
            raise PermissionDenied
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("admin:claims_quote_change", args=[quote.pk])
        try:
            start, end, seen_version = (int(request.POST[name]) for name in ("start", "end", "seen_version"))
        except (KeyError, ValueError):
            self.message_user(request, "The re-anchoring form was incomplete: nothing moved.", messages.ERROR)
            return HttpResponseRedirect(next_url)
        old = (quote.start, quote.end)
        try:
            quote = reanchoring.accept(quote, start, end, seen_version, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(next_url)
        self.message_user(
            request,
            f"Re-anchored the quote from {old[0]}–{old[1]} to {start}–{end}: “{quote.text[:80]}”. "
            "Its history records the old place.",
        )
        return HttpResponseRedirect(next_url)
