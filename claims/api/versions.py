"""/api/claims/<id>/versions/: a claim's versions as data, as its versions page has them."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.views import APIView

from claims.models import Claim
from claims.versions import claim_versions
from tiktok_claims.api.links import web_url
from tiktok_claims.api.renderers import JSONRenderer


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The claim's field, as the claim's API representation names it.")
    label = serializers.CharField(help_text="The field as the versions page names it.")
    old = serializers.CharField(help_text="The value before, as a reader sees it (related rows by name).")
    new = serializers.CharField(help_text="The value after.")


class VersionStateSerializer(serializers.Serializer):
    summary = serializers.CharField()
    speaker = serializers.CharField(help_text="The speaker's name.")
    speaker_slug = serializers.CharField(allow_null=True)
    claim_type = serializers.CharField(help_text="The type's label.")
    said_on = serializers.DateField()
    said_on_precision = serializers.CharField()
    said = serializers.CharField(help_text="The date as the page shows it, e.g. August 2020.")
    dating_note = serializers.CharField(allow_blank=True)
    venue = serializers.CharField(allow_blank=True)
    topics = serializers.CharField(allow_blank=True, help_text="Topic names, comma-separated.")
    note = serializers.CharField(allow_blank=True)
    key = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        allow_null=True, help_text="The claim's version number; null for the deletion entry."
    )
    date = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    role = serializers.ChoiceField(
        choices=["curator", "editor", "system"],
        help_text="Who made it, by role (editor: a superuser; system: a data load); never a name.",
    )
    correction_note = serializers.CharField(
        allow_null=True, help_text="The public note when this edit corrected an error; null for a plain edit."
    )
    web_url = serializers.URLField(allow_null=True, help_text="This version's citable page.")
    changes = FieldChangeSerializer(
        many=True, help_text="What changed since the version before, field by field."
    )
    state = VersionStateSerializer(help_text="The claim as this version left it.")


class VersionListSerializer(serializers.Serializer):
    claim = serializers.URLField(allow_null=True, help_text="The claim in the API; null once it is deleted.")
    web_url = serializers.URLField(help_text="The versions page.")
    results = VersionSerializer(many=True, help_text="Oldest first.")


def version_json(version, request):
    return {
        "version": version.number,
        "date": serializers.DateTimeField().to_representation(version.date),
        "action": version.action,
        "role": version.role,
        "correction_note": version.correction.note if version.correction else None,
        "web_url": web_url(request, version.web_path) if version.web_path else None,
        "changes": [
            {"field": change.field, "label": change.label, "old": change.old, "new": change.new}
            for change in version.changes
        ],
        "state": version.state,
    }


class ClaimVersionsView(APIView):
    """Every version of a claim, oldest first: date, role of the editor, changes old -> new, correction note.

    Example: `GET /api/claims/12/versions/`. Each version also has a citable page,
    `/claims/12/versions/3/`. A deleted claim's versions stay here, the last entry saying
    `"action": "deleted"`.
    """

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    permission_classes = [AllowAny]  # read-only: GET is its only method

    @extend_schema(
        responses=VersionListSerializer,
        examples=[
            OpenApiExample(
                "A corrected claim",
                value={
                    "claim": "http://127.0.0.1:8000/api/claims/12/",
                    "web_url": "http://127.0.0.1:8000/claims/12/versions/",
                    "results": [
                        {
                            "version": 2,
                            "date": "2026-11-30T20:41:07.123456Z",
                            "action": "changed",
                            "role": "curator",
                            "correction_note": "The quote says “could be”, not “includes”.",
                            "web_url": "http://127.0.0.1:8000/claims/12/versions/2/",
                            "changes": [
                                {
                                    "field": "summary",
                                    "label": "Summary",
                                    "old": "The data includes facial patterns",
                                    "new": "The data could include facial patterns",
                                }
                            ],
                            "state": {
                                "summary": "The data could include facial patterns",
                                "speaker": "Mike Pompeo",
                                "speaker_slug": "mike-pompeo",
                                "claim_type": "Allegation",
                                "said_on": "2020-07-13",
                                "said_on_precision": "day",
                                "said": "13 July 2020",
                                "dating_note": "",
                                "venue": "Fox News",
                                "topics": "Data access",
                                "note": "",
                                "key": "pompeo-fox-facial-recognition",
                            },
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request, pk):
        versions = claim_versions(pk)
        exists = Claim.objects.filter(pk=pk).exists()
        if not versions and not exists:
            raise Http404("No claim has this id.")
        return Response(
            {
                "claim": api_reverse("api:claim-detail", args=[pk], request=request) if exists else None,
                "web_url": web_url(request, reverse("claims:claim-versions", args=[pk])),
                "results": [version_json(version, request) for version in versions],
            }
        )
