"""The API's viewsets: lists, items, CSV and writes of topics, speakers, claims, quotes and rebuttals."""

from django.db.models import Prefetch
from django.http import Http404
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from claims.api.citations import CitationFormatsMixin
from claims.api.claims_csv import claim_csv_rows
from claims.api.filters import (
    ClaimApiFilterSet,
    QuoteFilterSet,
    RebuttalFilterSet,
    SpeakerFilterSet,
    TopicFilterSet,
)
from claims.api.reanchoring import AnchorCandidatesMixin
from claims.api.representation import CLAIM_EXPANDABLE, CLAIM_FIELDS, ClaimRepresentation
from claims.api.serializers import (
    ClaimSerializer,
    QuoteSerializer,
    RebuttalSerializer,
    SpeakerSerializer,
    TopicSerializer,
)
from claims.filters import is_ranked
from claims.jsonld import claim_jsonld, quote_annotation
from claims.listing import ClaimListing
from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from tiktok_claims.api.concurrency import version_etag
from tiktok_claims.api.csv_export import CSV_CHUNK_ROWS
from tiktok_claims.api.expansion import expand_parameter, parse_expand
from tiktok_claims.api.links import Links
from tiktok_claims.api.negotiation import FORMAT_PARAMETER
from tiktok_claims.api.pagination import KeysetPagination
from tiktok_claims.api.renderers import JSONLDRenderer
from tiktok_claims.api.views import ApiViewMixin
from tiktok_claims.paging import ID_PATTERN

# JSON-LD by default; the same document as plain JSON with ?format=json.
JSONLD_RESPONSES = {
    (200, "application/ld+json"): OpenApiTypes.OBJECT,
    (200, "application/json"): OpenApiTypes.OBJECT,
}


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class TopicViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Topics claims are filed under."""

    queryset = Topic.objects.order_by("name")
    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
    lookup_field = "slug"
    csv_columns = [
        ("slug", lambda topic: topic.slug),
        ("name", lambda topic: topic.name),
        ("description", lambda topic: topic.description),
    ]


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class SpeakerViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """People and bodies who made claims."""

    queryset = Speaker.objects.select_related("affiliation").order_by("name", "pk")
    serializer_class = SpeakerSerializer
    filterset_class = SpeakerFilterSet
    lookup_field = "slug"
    csv_columns = [
        ("slug", lambda speaker: speaker.slug),
        ("name", lambda speaker: speaker.name),
        ("kind", lambda speaker: speaker.get_kind_display()),
        ("role", lambda speaker: speaker.role),
        ("affiliation", lambda speaker: speaker.affiliation.name if speaker.affiliation else ""),
        ("side", lambda speaker: speaker.get_side_display()),
        ("wikidata_id", lambda speaker: speaker.wikidata_id),
        ("affiliation_slug", lambda speaker: speaker.affiliation.slug if speaker.affiliation else ""),
        ("web_url", lambda speaker: speaker.get_absolute_url()),
    ]


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER, expand_parameter(CLAIM_EXPANDABLE)]),
    retrieve=extend_schema(parameters=[expand_parameter(CLAIM_EXPANDABLE)]),
)
class ClaimViewSet(CitationFormatsMixin, ApiViewMixin, viewsets.ModelViewSet):
    """Claims: who said what, when; filters as on the /claims/ page."""

    queryset = Claim.objects.select_related("speaker__affiliation").chronological()
    serializer_class = ClaimSerializer
    filterset_class = ClaimApiFilterSet
    pagination_class = KeysetPagination
    lookup_value_regex = ID_PATTERN
    expandable = CLAIM_EXPANDABLE
    csv_headers = [
        "id",
        "key",
        "said",
        "speaker",
        "side",
        "claim_type",
        "summary",
        "venue",
        "topics",
        "articles",
        "outlets",
        "rebuts",
        "rebutted_by",
        "web_url",
        # Appended, so the columns above keep their places: identifiers beside the names.
        "said_on_precision",
        "speaker_slug",
        "topic_slugs",
        "article_slugs",
        "outlet_slugs",
    ]

    def filter_queryset(self, queryset):
        # Building and validating the FilterSet's form costs more than the rest of page 1 (~2.5 ms):
        # without a filter parameter it would change nothing.
        if not any(name in self.request.query_params for name in self.filterset_class.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().list(request, *args, **kwargs)
        if self.wants_citations(request):
            return self.citation_list(request, self.filter_queryset(Claim.objects.chronological()))
        representation = ClaimRepresentation(request, self.format_kwarg)
        listing = ClaimListing(request.query_params, self.filterset_class)
        if not listing.valid:
            raise translate_validation(listing.errors)  # as the filter backend answers: 400 per parameter
        rows = listing.last_row(request.query_params.get("page", 1), self.paginator.get_page_size(request))
        claims, count, _ = listing.ordered(listing.claims.values(*CLAIM_FIELDS), rows=rows)
        if count is None:
            count = listing.tallied_count()
        page = self.paginator.paginate_queryset(claims, request, view=self, count=count)
        self.paginator.ordering = (
            "rank" if is_ranked(claims) else request.query_params.get("ordering") or "said_on"
        )
        return self.get_paginated_response(representation.claims(page))

    def retrieve(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().retrieve(request, *args, **kwargs)
        if self.wants_citations(request):
            return self.citation_item(
                request, self.filter_queryset(Claim.objects.filter(pk=self.kwargs["pk"]))
            )
        representation = ClaimRepresentation(request, self.format_kwarg)
        # As get_object() (filters apply to an item too), without building the instance; the
        # permissions have no per-object rule to check.
        claims = list(
            self.filter_queryset(Claim.objects.all()).filter(pk=self.kwargs["pk"]).values(*CLAIM_FIELDS)
        )
        if not claims:
            raise Http404("No Claim matches the given query.")
        self.etag = version_etag(claims[0]["version"])
        return Response(representation.claims(claims)[0])

    def csv_rows(self, queryset):
        """The claims' cells from one SQL query, streamed CSV_CHUNK_ROWS rows at a time."""
        return claim_csv_rows(queryset, Links(self.request).page("claims:claim-detail"), CSV_CHUNK_ROWS)

    def get_queryset(self):
        quotes = Quote.objects.select_related("article__outlet")
        if "quotes" not in parse_expand(self.request, self.expandable):
            # An article's text is large and only an embedded quote's status needs it.
            quotes = quotes.defer("article__text")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch("quotes", queryset=quotes),
                "topics",
                Prefetch("rebuttals_made", queryset=Rebuttal.objects.select_related("rebutted_claim")),
                Prefetch("rebuttals_received", queryset=Rebuttal.objects.select_related("rebutting_claim")),
            )
        )

    @extend_schema(responses=JSONLD_RESPONSES)
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, JSONRenderer, BrowsableAPIRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def jsonld(self, request, pk=None):
        """This claim as schema.org Claim JSON-LD."""
        return Response(claim_jsonld(self.get_object(), request))


QUOTE_EXPANDABLE = ("article",)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER, expand_parameter(QUOTE_EXPANDABLE)]),
    retrieve=extend_schema(parameters=[expand_parameter(QUOTE_EXPANDABLE)]),
)
class QuoteViewSet(AnchorCandidatesMixin, ApiViewMixin, viewsets.ModelViewSet):
    """Quotes: a claim's exact words in an article, with their offsets."""

    queryset = Quote.objects.select_related("article__outlet", "claim__speaker").order_by(
        "article", "start", "pk"
    )
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilterSet
    lookup_value_regex = ID_PATTERN
    expandable = QUOTE_EXPANDABLE
    csv_columns = [
        ("id", lambda quote: quote.pk),
        ("claim", lambda quote: quote.claim.summary),
        ("speaker", lambda quote: quote.claim.speaker.name),
        ("article", lambda quote: quote.article.headline),
        ("outlet", lambda quote: quote.article.outlet.name),
        ("text", lambda quote: quote.text),
        ("start", lambda quote: quote.start),
        ("end", lambda quote: quote.end),
        ("mode", lambda quote: quote.get_mode_display()),
        ("attribution", lambda quote: quote.attribution),
        ("status", lambda quote: quote.verify()),
        ("web_url", lambda quote: quote.get_absolute_url()),
        ("claim_id", lambda quote: quote.claim_id),
        ("speaker_slug", lambda quote: quote.claim.speaker.slug),
        ("article_slug", lambda quote: quote.article.slug),
        ("outlet_slug", lambda quote: quote.article.outlet.slug),
    ]

    @extend_schema(responses=JSONLD_RESPONSES)
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, JSONRenderer, BrowsableAPIRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def annotation(self, request, pk=None):
        """This quote as a W3C Web Annotation on the plain text of its article."""
        quote = self.get_object()
        created = quote.history.order_by("history_date").values_list("history_date", flat=True).first()
        return Response(quote_annotation(quote, request, created))


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class RebuttalViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Rebuttals: one claim denies, disputes, qualifies or contradicts another."""

    queryset = Rebuttal.objects.select_related(
        "rebutting_claim__speaker", "rebutted_claim__speaker"
    ).order_by("pk")
    serializer_class = RebuttalSerializer
    filterset_class = RebuttalFilterSet
    lookup_value_regex = ID_PATTERN
    csv_columns = [
        ("id", lambda rebuttal: rebuttal.pk),
        ("rebutting_speaker", lambda rebuttal: rebuttal.rebutting_claim.speaker.name),
        ("rebutting_claim", lambda rebuttal: rebuttal.rebutting_claim.summary),
        ("relation", lambda rebuttal: rebuttal.relation),
        ("rebutted_speaker", lambda rebuttal: rebuttal.rebutted_claim.speaker.name),
        ("rebutted_claim", lambda rebuttal: rebuttal.rebutted_claim.summary),
        ("note", lambda rebuttal: rebuttal.note),
        ("rebutting_claim_id", lambda rebuttal: rebuttal.rebutting_claim_id),
        ("rebutting_speaker_slug", lambda rebuttal: rebuttal.rebutting_claim.speaker.slug),
        ("rebutted_claim_id", lambda rebuttal: rebuttal.rebutted_claim_id),
        ("rebutted_speaker_slug", lambda rebuttal: rebuttal.rebutted_claim.speaker.slug),
    ]
