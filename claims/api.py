"""REST API for topics, speakers, claims, quotes and rebuttals: serializers and viewsets."""

import copy
from collections import defaultdict
from itertools import islice

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import mark_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.utils.urls import replace_query_param

from claims import anchoring
from claims.filters import ClaimFilterSet, FilterForm, is_ranked, ranked_unless_too_many
from claims.jsonld import claim_jsonld, quote_annotation
from claims.models import (
    Claim,
    ClaimType,
    Quote,
    QuoteMode,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
    Topic,
)
from sources.dates import iso_with_precision
from sources.models import Article
from tiktok_claims.api import (
    CSV_CHUNK_ROWS,
    FORMAT_PARAMETER,
    ID_PATTERN,
    ApiViewMixin,
    JSONLDRenderer,
    KeysetPagination,
    Links,
    WebUrlField,
    error_messages,
    expand_parameter,
    parse_expand,
    web_url,
)

LINK_LIST = {"type": "array", "items": {"type": "string", "format": "uri"}}


def link(serializer, view_name, key):
    return api_reverse(f"api:{view_name}-detail", args=[key], request=serializer.context.get("request"))


class ModelCleanMixin:
    """Validate writes like the admin: the model's clean() and full_clean() on the would-be row."""

    def validate(self, attrs):
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        many_to_many = {field.name for field in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        not_editable = [field.name for field in model._meta.fields if not field.editable]
        try:
            instance.clean()
            instance.full_clean(exclude=not_editable)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error_messages(error)) from error
        for field in model._meta.concrete_fields:
            if field.name in attrs or field.name in self.fields and field.name not in not_editable:
                attrs[field.name] = getattr(instance, field.name)
        return attrs


class IdChoiceField(forms.ModelChoiceField):
    """A row by numeric id; refuses text and ids too big for the database before querying."""

    def to_python(self, value):
        if value not in self.empty_values and not forms.RegexField(ID_PATTERN).regex.fullmatch(str(value)):
            raise forms.ValidationError("Enter a numeric id.", code="invalid_choice")
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


class RepeatableTextInput(forms.TextInput):
    """A text box per value given, and an empty one to add another; read like a multiple select.

    Empty boxes are left out, so submitting the form with some unfilled sends no bad value.
    """

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]

    def value_omitted_from_data(self, data, files, name):
        return False  # as a multiple select's: no value is an empty list

    def render(self, name, value, attrs=None, renderer=None):
        boxes = []
        for item in [*(value or []), ""]:
            boxes.append(super().render(name, item, attrs, renderer))
            attrs = {key: text for key, text in (attrs or {}).items() if key != "id"}  # one id, for the label
        return mark_safe("\n".join(boxes))


class ApiFilterForm(FilterForm):
    """The browsable API's filter form: a row is typed as its slug or id, never picked from every row.

    A select of every speaker, article or claim made the form megabytes at 100,000 claims. The
    parameters mean what they meant, but an empty one is ignored, as an unfilled box sends it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.label == "[invalid name]":  # django-filter's label for a method filter's name
                field.label = name.replace("_", " ").capitalize()
            if isinstance(field, forms.ModelChoiceField):
                multiple = isinstance(field, forms.ModelMultipleChoiceField)
                field.widget = (RepeatableTextInput if multiple else forms.TextInput)(
                    attrs={"placeholder": field.to_field_name or "id"}
                )


class TopicSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:topic-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = ["url", "web_url", "slug", "name", "description"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, topic):
        return web_url(self.context.get("request"), f"{reverse('claims:claim-list')}?topic={topic.slug}")


class SpeakerSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:speaker-detail", lookup_field="slug")
    web_url = WebUrlField()
    affiliation = serializers.HyperlinkedRelatedField(
        view_name="api:speaker-detail",
        lookup_field="slug",
        queryset=Speaker.objects.all(),
        allow_null=True,
        required=False,
    )
    affiliation_name = serializers.CharField(
        source="affiliation.name", read_only=True, allow_null=True, default=None
    )
    claims = serializers.SerializerMethodField(help_text="The API list of this speaker's claims.")

    class Meta:
        model = Speaker
        fields = [
            "url",
            "web_url",
            "slug",
            "name",
            "kind",
            "role",
            "affiliation",
            "affiliation_name",
            "is_anonymous",
            "side",
            "wikidata_id",
            "claims",
        ]
        validators = []

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims(self, speaker):
        url = api_reverse("api:claim-list", request=self.context.get("request"))
        return replace_query_param(url, "speaker", speaker.slug)


class QuoteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:quote-detail")
    web_url = WebUrlField(help_text="The quote highlighted on its article's page.")
    annotation = serializers.HyperlinkedIdentityField(
        view_name="api:quote-annotation", help_text="This quote as a W3C Web Annotation."
    )
    claim = serializers.HyperlinkedRelatedField(view_name="api:claim-detail", queryset=Claim.objects.all())
    article = serializers.HyperlinkedRelatedField(
        view_name="api:article-detail", lookup_field="slug", queryset=Article.objects.all()
    )
    start = serializers.IntegerField(
        min_value=0, required=False, help_text="Offset in the article text; computed when omitted."
    )
    end = serializers.IntegerField(min_value=1, required=False, help_text="Offset just past the quote.")
    status = serializers.SerializerMethodField(help_text="exact, moved or orphaned.")

    class Meta:
        model = Quote
        fields = [
            "url",
            "web_url",
            "annotation",
            "claim",
            "article",
            "text",
            "start",
            "end",
            "mode",
            "attribution",
            "note",
            "status",
        ]
        validators = []

    def get_status(self, quote) -> str:
        return str(quote.verify())

    def get_fields(self):
        fields = super().get_fields()
        if "article" in self.context.get("expand", ()):
            from sources.api import ArticleSerializer

            fields["article"] = ArticleSerializer(read_only=True)
        return fields


class ClaimSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:claim-detail")
    web_url = WebUrlField()
    jsonld = serializers.HyperlinkedIdentityField(
        view_name="api:claim-jsonld", help_text="This claim as schema.org Claim JSON-LD."
    )
    speaker = serializers.HyperlinkedRelatedField(
        view_name="api:speaker-detail", lookup_field="slug", queryset=Speaker.objects.all()
    )
    speaker_name = serializers.CharField(source="speaker.name", read_only=True)
    said = serializers.CharField(
        source="said_on_iso",
        read_only=True,
        help_text="ISO 8601 to the known precision: 2020-08-12, 2020-08 or 2020.",
    )
    topics = serializers.HyperlinkedRelatedField(
        view_name="api:topic-detail",
        lookup_field="slug",
        queryset=Topic.objects.all(),
        many=True,
        required=False,
    )
    quotes = serializers.SerializerMethodField()
    articles = serializers.SerializerMethodField(help_text="The articles that report this claim.")
    rebuts = serializers.SerializerMethodField(help_text="The claims this claim rebuts.")
    rebutted_by = serializers.SerializerMethodField(help_text="The claims that rebut this claim.")

    class Meta:
        model = Claim
        fields = [
            "url",
            "web_url",
            "jsonld",
            "key",
            "speaker",
            "speaker_name",
            "summary",
            "claim_type",
            "said_on",
            "said_on_precision",
            "said",
            "dating_note",
            "venue",
            "topics",
            "note",
            "quotes",
            "articles",
            "rebuts",
            "rebutted_by",
        ]
        validators = []

    @extend_schema_field(LINK_LIST)
    def get_quotes(self, claim):
        return [link(self, "quote", quote.pk) for quote in claim.quotes.all()]

    @extend_schema_field(LINK_LIST)
    def get_articles(self, claim):
        slugs = dict.fromkeys(quote.article.slug for quote in claim.quotes.all())
        return [link(self, "article", slug) for slug in slugs]

    @extend_schema_field(LINK_LIST)
    def get_rebuts(self, claim):
        return [link(self, "claim", rebuttal.rebutted_claim_id) for rebuttal in claim.rebuttals_made.all()]

    @extend_schema_field(LINK_LIST)
    def get_rebutted_by(self, claim):
        return [
            link(self, "claim", rebuttal.rebutting_claim_id) for rebuttal in claim.rebuttals_received.all()
        ]

    def get_fields(self):
        # Built once per response (a list shares one child serializer), so no cost per row.
        fields = super().get_fields()
        expand = self.context.get("expand", ())
        if "speaker" in expand:
            fields["speaker"] = SpeakerSerializer(read_only=True)
        if "quotes" in expand:
            fields["quotes"] = QuoteSerializer(many=True, read_only=True)
        if "topics" in expand:
            fields["topics"] = TopicSerializer(many=True, read_only=True)
        return fields


class RebuttalSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:rebuttal-detail")
    web_url = serializers.SerializerMethodField(
        help_text="The rebutted claim's page, where the rebuttal shows."
    )
    rebutting_claim = serializers.HyperlinkedRelatedField(
        view_name="api:claim-detail", queryset=Claim.objects.all()
    )
    rebutted_claim = serializers.HyperlinkedRelatedField(
        view_name="api:claim-detail", queryset=Claim.objects.all()
    )

    class Meta:
        model = Rebuttal
        fields = ["url", "web_url", "rebutting_claim", "relation", "rebutted_claim", "note"]
        validators = []

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, rebuttal):
        return web_url(
            self.context.get("request"), reverse("claims:claim-detail", args=[rebuttal.rebutted_claim_id])
        )


class TopicFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Topic
        fields = []
        form = FilterForm


class SpeakerFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=SpeakerKind.choices)
    side = django_filters.MultipleChoiceFilter(choices=Side.choices)
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["name", "slug", "kind", "side"])

    class Meta:
        model = Speaker
        fields = []
        form = FilterForm


class ClaimApiFilterSet(ClaimFilterSet):
    """The /claims/ page's filters, plus `search` (the same as q)."""

    search = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)

    class Meta(ClaimFilterSet.Meta):
        form = ApiFilterForm

    def filter_queryset(self, queryset):
        # search is declared after ordering, so its rank order (PostgreSQL) replaced an explicit
        # ordering; the order asked for is applied last, as it is with q.
        for name, value in self.form.cleaned_data.items():
            if name != "ordering":
                queryset = self.filters[name].filter(queryset, value)
        return self.filters["ordering"].filter(queryset, self.form.cleaned_data.get("ordering"))


# Slugs, which the schema generator cannot guess from the filters' methods.
for name in ("speaker", "outlet", "article", "topic"):
    extend_schema_field(OpenApiTypes.STR)(ClaimApiFilterSet.base_filters[name])


class QuoteFilterSet(django_filters.FilterSet):
    article = django_filters.ModelChoiceFilter(to_field_name="slug", queryset=Article.objects.all())
    claim = IdChoiceFilter(queryset=Claim.objects.all())
    mode = django_filters.ChoiceFilter(choices=QuoteMode.choices)
    search = django_filters.CharFilter(field_name="text", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["start", "id"])

    class Meta:
        model = Quote
        fields = []
        form = ApiFilterForm


class RebuttalFilterSet(django_filters.FilterSet):
    relation = django_filters.MultipleChoiceFilter(choices=RebuttalRelation.choices)
    claim = extend_schema_field(OpenApiTypes.INT)(
        IdChoiceFilter(queryset=Claim.objects.all(), method="filter_claim", label="Either claim (id)")
    )
    rebutting_claim = IdChoiceFilter(queryset=Claim.objects.all())
    rebutted_claim = IdChoiceFilter(queryset=Claim.objects.all())
    ordering = django_filters.OrderingFilter(fields=["id", "relation"])

    class Meta:
        model = Rebuttal
        fields = []
        form = ApiFilterForm

    def filter_claim(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rebutting_claim=value) | queryset.filter(rebutted_claim=value)


def joined(values):
    return "; ".join(str(value) for value in values)


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
    ]


CLAIM_EXPANDABLE = ("speaker", "quotes", "topics")

CLAIM_FIELDS = [
    "id",
    "key",
    "speaker_id",
    "summary",
    "claim_type",
    "said_on",
    "said_on_precision",
    "dating_note",
    "venue",
    "note",
]


class ClaimRepresentation:
    """Claims as ClaimSerializer shows them, from .values() rows: a page costs one query per table.

    Each kind of link is reversed once per request (Links), not per row, and no serializer field
    runs per row: a 50-row page was ~340 reverse() calls and ~300 model instances through DRF.
    claims/tests/test_api.py checks it equals the serializer on the whole corpus.
    """

    def __init__(self, request, format=None):
        links = Links(request, format)
        self.expand = parse_expand(request, CLAIM_EXPANDABLE)
        self.claim_url = links.api("api:claim-detail")
        self.claim_page = links.page("claims:claim-detail")
        self.claim_jsonld = links.api("api:claim-jsonld")
        self.speaker_url = links.api("api:speaker-detail", "slug")
        self.speaker_page = links.page("claims:speaker-detail")
        self.speaker_claims = links.api_list_filtered("api:claim-list", "speaker")
        self.topic_url = links.api("api:topic-detail", "slug")
        self.topic_page = links.page_list_filtered("claims:claim-list", "topic")
        self.quote_url = links.api("api:quote-detail")
        self.quote_annotation = links.api("api:quote-annotation")
        self.article_url = links.api("api:article-detail", "slug")
        self.article_page = links.page("sources:article-detail")

    def claims(self, rows):
        """The representation of each row of Claim.objects.values(*CLAIM_FIELDS), in order."""
        rows = list(rows)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        speakers = self.speakers({row["speaker_id"] for row in rows})
        quotes, articles = self.quotes(ids)
        topics = self.topics(ids)
        made, received = rebuttals_of(ids)
        rebuts = {claim_id: [self.claim_url(other) for (other,) in rows] for claim_id, rows in made.items()}
        rebutted_by = {
            claim_id: [self.claim_url(other) for (other,) in rows] for claim_id, rows in received.items()
        }
        return [
            {
                "url": self.claim_url(row["id"]),
                "web_url": self.claim_page(row["id"]),
                "jsonld": self.claim_jsonld(row["id"]),
                "key": row["key"],
                "speaker": speakers[row["speaker_id"]]
                if "speaker" in self.expand
                else self.speaker_url(speakers[row["speaker_id"]]["slug"]),
                "speaker_name": speakers[row["speaker_id"]]["name"],
                "summary": row["summary"],
                "claim_type": row["claim_type"],
                "said_on": row["said_on"].isoformat(),
                "said_on_precision": row["said_on_precision"],
                "said": iso_with_precision(row["said_on"], row["said_on_precision"]),
                "dating_note": row["dating_note"],
                "venue": row["venue"],
                "topics": topics[row["id"]],
                "note": row["note"],
                "quotes": quotes[row["id"]],
                "articles": [self.article_url(slug) for slug in articles[row["id"]]],
                "rebuts": rebuts.get(row["id"], []),
                "rebutted_by": rebutted_by.get(row["id"], []),
            }
            for row in rows
        ]

    def speakers(self, ids):
        """Each speaker by id: its embedded representation, or just what a link needs."""
        if "speaker" not in self.expand:
            return {row["id"]: row for row in Speaker.objects.filter(pk__in=ids).values("id", "slug", "name")}
        fields = ["kind", "role", "is_anonymous", "side", "wikidata_id"]
        rows = Speaker.objects.filter(pk__in=ids).values(
            "id", "slug", "name", *fields, "affiliation__slug", "affiliation__name"
        )
        return {
            row["id"]: {
                "url": self.speaker_url(row["slug"]),
                "web_url": self.speaker_page(row["slug"]),
                "slug": row["slug"],
                "name": row["name"],
                "kind": row["kind"],
                "role": row["role"],
                "affiliation": self.speaker_url(row["affiliation__slug"])
                if row["affiliation__slug"]
                else None,
                "affiliation_name": row["affiliation__name"],
                "is_anonymous": row["is_anonymous"],
                "side": row["side"],
                "wikidata_id": row["wikidata_id"],
                "claims": self.speaker_claims(row["slug"]),
            }
            for row in rows
        }

    def quotes(self, claim_ids):
        """Each claim's quotes (links or embedded) and its articles' slugs, in the quotes' order."""
        quotes, articles = defaultdict(list), defaultdict(dict)
        expand = "quotes" in self.expand
        fields = ["text", "start", "end", "mode", "attribution", "note", "article_id"] if expand else []
        rows = list(
            Quote.objects.filter(claim__in=claim_ids).values("id", "claim_id", "article__slug", *fields)
        )
        texts = {}
        if expand:
            texts = dict(
                Article.objects.filter(pk__in={row["article_id"] for row in rows}).values_list("id", "text")
            )
        for row in rows:
            articles[row["claim_id"]][row["article__slug"]] = None
            if not expand:
                quotes[row["claim_id"]].append(self.quote_url(row["id"]))
                continue
            status = anchoring.status(texts[row["article_id"]], row["text"], row["start"], row["end"])
            quotes[row["claim_id"]].append(
                {
                    "url": self.quote_url(row["id"]),
                    "web_url": self.article_page(row["article__slug"]) + f"#quote-{row['id']}",
                    "annotation": self.quote_annotation(row["id"]),
                    "claim": self.claim_url(row["claim_id"]),
                    "article": self.article_url(row["article__slug"]),
                    "text": row["text"],
                    "start": row["start"],
                    "end": row["end"],
                    "mode": row["mode"],
                    "attribution": row["attribution"],
                    "note": row["note"],
                    "status": str(status),
                }
            )
        return quotes, articles

    def topics(self, claim_ids):
        """Each claim's topics, by name as Topic's default order has them."""
        topics = defaultdict(list)
        expand = "topics" in self.expand
        fields = ["topic__name", "topic__description"] if expand else []
        rows = (
            Claim.topics.through.objects.filter(claim__in=claim_ids)
            .order_by("topic__name")
            .values_list("claim_id", "topic__slug", *fields)
        )
        for claim_id, slug, *details in rows:
            if not expand:
                topics[claim_id].append(self.topic_url(slug))
                continue
            name, description = details
            topics[claim_id].append(
                {
                    "url": self.topic_url(slug),
                    "web_url": self.topic_page(slug),
                    "slug": slug,
                    "name": name,
                    "description": description,
                }
            )
        return topics


def rebuttals_of(claim_ids, *fields):
    """The rebuttals each claim makes and receives: ({claim: [(other claim, *fields)]}, {...}).

    In Rebuttal's default order (by the rebutted, then the rebutting claim's date), as the
    serializer's prefetch has them; one query for both directions.
    """
    made, received = defaultdict(list), defaultdict(list)
    for rebutting, rebutted, *values in Rebuttal.objects.filter(
        Q(rebutting_claim__in=claim_ids) | Q(rebutted_claim__in=claim_ids)
    ).values_list("rebutting_claim_id", "rebutted_claim_id", *fields):
        made[rebutting].append((rebutted, *values))
        received[rebutted].append((rebutting, *values))
    return made, received


CLAIM_TYPE_LABELS = dict(ClaimType.choices)
SIDE_LABELS = dict(Side.choices)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER, expand_parameter(CLAIM_EXPANDABLE)]),
    retrieve=extend_schema(parameters=[expand_parameter(CLAIM_EXPANDABLE)]),
)
class ClaimViewSet(ApiViewMixin, viewsets.ModelViewSet):
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
        representation = ClaimRepresentation(request, self.format_kwarg)
        claims = self.filter_queryset(Claim.objects.chronological()).values(*CLAIM_FIELDS)
        claims, count, _ = ranked_unless_too_many(claims)
        page = self.paginator.paginate_queryset(claims, request, view=self, count=count)
        self.paginator.ordering = (
            "rank" if is_ranked(claims) else request.query_params.get("ordering") or "said_on"
        )
        return self.get_paginated_response(representation.claims(page))

    def retrieve(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().retrieve(request, *args, **kwargs)
        representation = ClaimRepresentation(request, self.format_kwarg)
        # As get_object() (filters apply to an item too), without building the instance; the
        # permissions have no per-object rule to check.
        claims = self.filter_queryset(Claim.objects.all()).filter(pk=self.kwargs["pk"]).values(*CLAIM_FIELDS)
        rows = representation.claims(claims)
        if not rows:
            raise Http404("No Claim matches the given query.")
        return Response(rows[0])

    def csv_rows(self, queryset):
        """The claims' cells from .values() rows; related names fetched per chunk of rows."""
        fields = ["id", "key", "said_on", "said_on_precision", "speaker__name", "speaker__side"]
        claims = queryset.prefetch_related(None).values(*fields, "claim_type", "summary", "venue")
        claim_page = Links(None).page("claims:claim-detail")
        rows = claims.iterator(chunk_size=CSV_CHUNK_ROWS)
        while chunk := list(islice(rows, CSV_CHUNK_ROWS)):
            ids = [row["id"] for row in chunk]
            topics, articles, outlets = defaultdict(list), defaultdict(dict), defaultdict(dict)
            for claim_id, name in (
                Claim.topics.through.objects.filter(claim__in=ids)
                .order_by("topic__name")
                .values_list("claim_id", "topic__name")
            ):
                topics[claim_id].append(name)
            for claim_id, headline, outlet in Quote.objects.filter(claim__in=ids).values_list(
                "claim_id", "article__headline", "article__outlet__name"
            ):
                articles[claim_id][headline] = None
                outlets[claim_id][outlet] = None
            made, received = rebuttals_of(ids, "rebutting_claim__key", "rebutted_claim__key")
            for row in chunk:
                claim_id = row["id"]
                yield [
                    claim_id,
                    row["key"],
                    iso_with_precision(row["said_on"], row["said_on_precision"]),
                    row["speaker__name"],
                    SIDE_LABELS.get(row["speaker__side"], row["speaker__side"]),
                    CLAIM_TYPE_LABELS.get(row["claim_type"], row["claim_type"]),
                    row["summary"],
                    row["venue"],
                    joined(topics[claim_id]),
                    joined(articles[claim_id]),
                    joined(outlets[claim_id]),
                    joined(rebutted_key for _, _, rebutted_key in made.get(claim_id, [])),
                    joined(rebutting_key for _, rebutting_key, _ in received.get(claim_id, [])),
                    claim_page(claim_id),
                ]

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

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def jsonld(self, request, pk=None):
        """This claim as schema.org Claim JSON-LD."""
        return Response(claim_jsonld(self.get_object(), request), content_type="application/ld+json")


QUOTE_EXPANDABLE = ("article",)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAMETER, expand_parameter(QUOTE_EXPANDABLE)]),
    retrieve=extend_schema(parameters=[expand_parameter(QUOTE_EXPANDABLE)]),
)
class QuoteViewSet(ApiViewMixin, viewsets.ModelViewSet):
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
    ]

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def annotation(self, request, pk=None):
        """This quote as a W3C Web Annotation on its article."""
        return Response(quote_annotation(self.get_object(), request), content_type="application/ld+json")


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
    ]
