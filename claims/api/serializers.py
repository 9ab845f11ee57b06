"""The API's serializers: every write, each item's representation, and the schema's."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse as api_reverse
from rest_framework.utils.urls import replace_query_param

from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from claims.versions import last_modified, record_correction
from sources.models import Article
from tiktok_claims.api.links import WebUrlField, web_url
from tiktok_claims.api.validation import ModelCleanMixin

LINK_LIST = {"type": "array", "items": {"type": "string", "format": "uri"}}


def link(serializer, view_name, key):
    return api_reverse(f"api:{view_name}-detail", args=[key], request=serializer.context.get("request"))


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
        help_text="The date in Library of Congress EDTF, to the known precision: 2020-08-12, 2020-08, "
        "2020, or a range: ../2020-08-13 (on or before), 2020-07-01/2020-08-13 (between).",
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
    version = serializers.IntegerField(
        read_only=True, help_text="Counts every save; its versions are at /api/claims/<id>/versions/."
    )
    modified = serializers.SerializerMethodField(
        help_text="When the claim last changed; null for a claim loaded from the corpus and never edited."
    )
    correction_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="On a change: a public note that this edit corrects an error (shown on the claim's page "
        "and /corrections/, stored with the version this write makes). Leave it out for a plain fix.",
    )

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
            "said_earliest",
            "said",
            "dating_note",
            "venue",
            "topics",
            "note",
            "quotes",
            "articles",
            "rebuts",
            "rebutted_by",
            "version",
            "modified",
            "correction_note",
        ]
        validators = []

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_modified(self, claim):
        modified = last_modified([claim.pk]).get(claim.pk)
        return serializers.DateTimeField().to_representation(modified) if modified else None

    def validate_correction_note(self, value):
        if value.strip() and self.instance is None:
            raise serializers.ValidationError(
                "A new claim has nothing to correct: leave correction_note out."
            )
        return value

    def create(self, validated_data):
        validated_data.pop("correction_note", None)
        return super().create(validated_data)

    def update(self, instance, validated_data):
        note = validated_data.pop("correction_note", "")
        claim = super().update(instance, validated_data)
        record_correction(claim, note)
        return claim

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
