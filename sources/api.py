"""REST API for outlets and articles: serializers and viewsets."""

import django_filters
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.reverse import reverse as api_reverse
from rest_framework.utils.urls import replace_query_param

from sources.dates import DatePrecision, iso_with_precision
from sources.models import Article, Outlet
from tiktok_claims.api.links import WebUrlField, web_url
from tiktok_claims.api.negotiation import FORMAT_PARAMETER
from tiktok_claims.api.validation import ModelCleanMixin
from tiktok_claims.api.views import ApiViewMixin
from tiktok_claims.filter_forms import FilterForm, FilterSet


class OutletSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:outlet-detail", lookup_field="slug")
    web_url = serializers.SerializerMethodField(help_text="The claims page filtered to this outlet.")
    articles = serializers.SerializerMethodField(help_text="The API list of this outlet's articles.")

    class Meta:
        model = Outlet
        fields = ["url", "web_url", "slug", "name", "homepage", "articles"]
        validators = []

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, outlet):
        return web_url(self.context.get("request"), f"{reverse('claims:claim-list')}?outlet={outlet.slug}")

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles(self, outlet):
        url = api_reverse("api:article-list", request=self.context.get("request"))
        return replace_query_param(url, "outlet", outlet.slug)


class ArticleSerializer(ModelCleanMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail", lookup_field="slug")
    web_url = WebUrlField(help_text="The article's page here, with every quote highlighted.")
    outlet = serializers.HyperlinkedRelatedField(
        view_name="api:outlet-detail", lookup_field="slug", queryset=Outlet.objects.all()
    )
    outlet_name = serializers.CharField(source="outlet.name", read_only=True)
    source_url = serializers.URLField(
        source="url",
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="The original article online.",
    )
    published = serializers.SerializerMethodField(help_text="ISO 8601 to the known precision.")
    quotes = serializers.SerializerMethodField(help_text="The API list of the quotes in this article.")

    class Meta:
        model = Article
        fields = [
            "url",
            "web_url",
            "slug",
            "outlet",
            "outlet_name",
            "headline",
            "source_url",
            "published_on",
            "published_on_precision",
            "published",
            "byline",
            "text",
            "text_sha256",
            "dating_note",
            "quotes",
        ]
        read_only_fields = ["text_sha256"]
        validators = []

    def get_published(self, article) -> str:
        return iso_with_precision(article.published_on, article.published_on_precision or DatePrecision.DAY)

    @extend_schema_field(OpenApiTypes.URI)
    def get_quotes(self, article):
        url = api_reverse("api:quote-list", request=self.context.get("request"))
        return replace_query_param(url, "article", article.slug)


class OutletFilterSet(FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Outlet
        fields = []
        form = FilterForm


class ArticleFilterSet(FilterSet):
    outlet = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name="outlet__slug",
            to_field_name="slug",
            queryset=Outlet.objects.all(),
            label="Outlet (slug)",
        )
    )
    published_from = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_to = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    search = django_filters.CharFilter(field_name="headline", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["published_on", "headline", "slug"])

    class Meta:
        model = Article
        fields = []
        form = FilterForm


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class OutletViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """News outlets that published the articles."""

    queryset = Outlet.objects.order_by("name")
    serializer_class = OutletSerializer
    filterset_class = OutletFilterSet
    lookup_field = "slug"
    csv_columns = [
        ("slug", lambda outlet: outlet.slug),
        ("name", lambda outlet: outlet.name),
        ("homepage", lambda outlet: outlet.homepage),
    ]


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class ArticleViewSet(ApiViewMixin, viewsets.ModelViewSet):
    """Articles, with their verbatim text that quotes point into."""

    queryset = Article.objects.select_related("outlet").order_by("published_on", "headline", "pk")
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilterSet
    lookup_field = "slug"
    csv_columns = [
        ("slug", lambda article: article.slug),
        ("outlet", lambda article: article.outlet.name),
        ("headline", lambda article: article.headline),
        (
            "published",
            lambda article: iso_with_precision(article.published_on, article.published_on_precision),
        ),
        ("byline", lambda article: article.byline),
        ("source_url", lambda article: article.url),
        ("web_url", lambda article: article.get_absolute_url()),
        ("outlet_slug", lambda article: article.outlet.slug),
        ("published_on_precision", lambda article: article.published_on_precision),
        ("text_url", lambda article: article.get_text_url()),
    ]
