"""Atom feeds: claims as they change, with every /claims/ filter, and corrections (docs/versions.md)."""

import datetime
import re

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.filters import ClaimFilterSet
from claims.models import Claim, Correction
from claims.versions import claim_summaries

FEED_ENTRIES = 50
# Characters XML 1.0 cannot carry at all (a curated text may hold one): dropped from feeds.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text):
    return NOT_XML.sub("", text)


# History records read at a time while looking for the most recently changed distinct claims.
HISTORY_CHUNK = 500


def recently_changed(claims, limit=FEED_ENTRIES, filtered=True):
    """The claims of a queryset that changed last, newest change first, with `modified` set.

    Read from the history table's date index, not by sorting every claim by its last change; the
    rest of the page is filled with the latest-dated claims when fewer changed (rows loaded from
    the corpus without a history record).
    """
    modified = {}
    records = Claim.history.filter(history_type__in=["+", "~"])
    if filtered:
        # Unfiltered, the date index alone serves; a claim deleted since drops out below.
        records = records.filter(id__in=claims.order_by().values("pk"))
    records = records.order_by("-history_date", "-history_id").values_list("id", "history_date")
    offset = 0
    while len(modified) < limit:
        chunk = list(records[offset : offset + HISTORY_CHUNK])
        for claim_id, date in chunk:
            modified.setdefault(claim_id, date)
            if len(modified) == limit:
                break
        if len(chunk) < HISTORY_CHUNK:
            break
        offset += HISTORY_CHUNK
    found = list(Claim.objects.filter(pk__in=modified).select_related("speaker"))
    if len(found) < limit:
        found += list(
            claims.exclude(pk__in=modified)
            .select_related("speaker")
            .order_by("-said_on", "-pk")[: limit - len(found)]
        )
    for claim in found:
        claim.modified = modified.get(claim.pk) or datetime.datetime.combine(
            claim.said_on, datetime.time(), tzinfo=datetime.UTC
        )
    return sorted(found, key=lambda claim: (claim.modified, claim.pk), reverse=True)


class FilteredClaims:
    """What a claim feed is about: the filtered claims and the query string that chose them."""

    def __init__(self, filterset, query):
        self.filterset = filterset
        self.query = query

    def suffix(self):
        return f"?{self.query}" if self.query else ""


class ClaimFeed(Feed):
    """/claims/feed/: the claims a /claims/ query selects, the latest changed first."""

    feed_type = Atom1Feed
    author_name = "TikTok claims database"

    def __call__(self, request, *args, **kwargs):
        filterset = ClaimFilterSet(request.GET, queryset=Claim.objects.all())
        if not filterset.is_valid():
            message = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            return HttpResponseBadRequest(
                f"Bad filter: {message}\n", content_type="text/plain; charset=utf-8"
            )
        request.feed_claims = FilteredClaims(filterset, request.GET.urlencode())
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request.feed_claims

    def title(self, obj):
        return "Claims" + (f" ({obj.query})" if obj.query else "") + ": TikTok claims database"

    def subtitle(self, obj):
        return "New and changed claims, the latest first; each entry is a claim at its current version."

    def link(self, obj):
        return reverse("claims:claim-list") + obj.suffix()

    def feed_url(self, obj):
        return reverse("claims:claim-feed") + obj.suffix()

    def items(self, obj):
        filtered = any(obj.filterset.form.cleaned_data.get(name) for name in obj.filterset.filters)
        return recently_changed(obj.filterset.qs, filtered=filtered)

    def item_title(self, claim):
        return xml_text(claim.summary)

    def item_description(self, claim):
        return xml_text(f"{claim.speaker.name}, {claim.said_on_display}. Version {claim.version}.")

    def item_link(self, claim):
        return claim.get_absolute_url()

    def item_updateddate(self, claim):
        return claim.modified

    def item_author_name(self, claim):
        return xml_text(claim.speaker.name)


class CorrectionFeed(Feed):
    """/corrections/feed/: every correction, newest first."""

    feed_type = Atom1Feed
    title = "Corrections: TikTok claims database"
    subtitle = "Edits the editors marked as correcting an error, newest first."
    author_name = "TikTok claims database"

    def link(self):
        return reverse("claims:corrections")

    def feed_url(self):
        return reverse("claims:correction-feed")

    def items(self):
        corrections = list(Correction.objects.all()[:FEED_ENTRIES])
        summaries = claim_summaries([correction.claim_id for correction in corrections])
        for correction in corrections:
            correction.summary = summaries.get(correction.claim_id, f"claim {correction.claim_id}")
        return corrections

    def item_title(self, correction):
        return xml_text(f"Corrected: {correction.summary}")

    def item_description(self, correction):
        return xml_text(
            f"Corrected on {correction.created.day} {correction.created:%B %Y}: {correction.note}"
        )

    def item_link(self, correction):
        return correction.get_absolute_url()

    def item_updateddate(self, correction):
        return correction.created

    def item_pubdate(self, correction):
        return correction.created
