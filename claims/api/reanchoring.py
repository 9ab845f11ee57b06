"""The API's re-anchoring by proposal: a quote's candidate places, and the write that accepts one."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import reanchoring
from tiktok_claims.api.concurrency import version_etag


class CanChangeQuotes(permissions.BasePermission):
    """Re-anchoring changes a quote: it needs the change permission, whatever the HTTP method."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(
            request.user and request.user.is_authenticated and request.user.has_perm("claims.change_quote")
        )


class CandidateSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="1 for the same words; below 1, the similarity of the passage.")
    prefix = serializers.CharField(help_text="The article's words just before.")
    suffix = serializers.CharField(help_text="The article's words just after.")
    kind = serializers.ChoiceField(choices=["moved", "similar"])


class AnchorSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)
    text = serializers.CharField(
        required=False, trim_whitespace=False, help_text="If sent, must be the article's words at start–end."
    )


class AnchorCandidatesMixin:
    """For QuoteViewSet: GET anchor-candidates/ and POST anchor/."""

    @extend_schema(
        responses=inline_serializer(
            "AnchorCandidates",
            {"status": serializers.CharField(), "candidates": CandidateSerializer(many=True)},
        )
    )
    @action(detail=True, url_path="anchor-candidates", filter_backends=[], pagination_class=None)
    def anchor_candidates(self, request, pk=None):
        """Candidate places for a quote no longer exact, best first; none for an exact quote."""
        quote = self.get_object()
        return Response(
            {
                "status": str(quote.verify()),
                "candidates": [candidate.as_dict() for candidate in reanchoring.quote_candidates(quote)],
            }
        )

    @extend_schema(request=AnchorSerializer)
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[CanChangeQuotes],
    )
    def anchor(self, request, pk=None):
        """Re-anchor the quote at start–end; its text becomes the article's words there (If-Match)."""
        quote = self.get_object()
        chosen = AnchorSerializer(data=request.data)
        chosen.is_valid(raise_exception=True)
        with transaction.atomic():
            self.check_if_match(quote)
            quote = reanchoring.accept(
                quote,
                chosen.validated_data["start"],
                chosen.validated_data["end"],
                seen_version=None,
                user=request.user,
                text=chosen.validated_data.get("text"),
            )
        response = Response(self.get_serializer(quote).data)
        response["ETag"] = version_etag(quote.version)
        return response
