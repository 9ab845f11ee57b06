"""POST /api/quotes/from-selection/: a quote from words selected on an article page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.serializers import QuoteSerializer
from claims.models import Claim, ClaimType, QuoteMode, Speaker
from claims.selection import quote_from_selection
from sources.dates import DatePrecision
from sources.models import Article
from tiktok_claims.api.errors import error_messages
from tiktok_claims.api.renderers import JSONRenderer


class CanQuoteSelection(permissions.BasePermission):
    """Signed in with claims.add_quote, and claims.add_claim to start a new claim."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.has_perm("claims.add_quote")):
            return False
        if isinstance(request.data, dict) and request.data.get("new_claim") is not None:
            return user.has_perm("claims.add_claim")
        return True


class NewClaimSerializer(serializers.Serializer):
    speaker = serializers.SlugRelatedField(slug_field="slug", queryset=Speaker.objects.all())
    summary = serializers.CharField(max_length=500)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices)
    said_on = serializers.DateField()
    said_on_precision = serializers.ChoiceField(choices=DatePrecision.choices, default=DatePrecision.DAY)
    said_earliest = serializers.DateField(required=False, allow_null=True)


class QuoteSelectionSerializer(serializers.Serializer):
    article = serializers.SlugRelatedField(slug_field="slug", queryset=Article.objects.all())
    text = serializers.CharField(trim_whitespace=False, max_length=5000)
    start = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    end = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False, allow_null=True)
    prefix = serializers.CharField(trim_whitespace=False, allow_blank=True, required=False, max_length=200)
    suffix = serializers.CharField(trim_whitespace=False, allow_blank=True, required=False, max_length=200)
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all(), required=False, allow_null=True)
    new_claim = NewClaimSerializer(required=False, allow_null=True)
    mode = serializers.ChoiceField(choices=QuoteMode.choices)
    attribution = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    note = serializers.CharField(allow_blank=True, required=False, default="")

    def validate(self, attrs):
        if (attrs.get("claim") is None) == (attrs.get("new_claim") is None):
            raise serializers.ValidationError(
                {"claim": "Give either an existing claim or a new_claim, not both and not neither."}
            )
        return attrs


class QuoteFromSelectionView(APIView):
    """Save the words a curator selected in an article as a quote, checked against the stored text.

    The selection is `text` with its `start`/`end` offsets in the article's text and the
    characters just before (`prefix`) and after (`suffix`); it is refused with the reason, naming
    the field, when the stored text does not hold it. Attach it to `claim` (an id) or start
    `new_claim` (speaker slug, summary, claim_type, said_on, said_on_precision).
    """

    permission_classes = [CanQuoteSelection]
    renderer_classes = [JSONRenderer]
    serializer_class = QuoteSelectionSerializer

    @extend_schema(request=QuoteSelectionSerializer, responses={201: QuoteSerializer})
    def post(self, request):
        serializer = QuoteSelectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        selection = {
            "text": values["text"],
            "start": values.get("start"),
            "end": values.get("end"),
            "prefix": values.get("prefix", ""),
            "suffix": values.get("suffix", ""),
        }
        try:
            quote = quote_from_selection(
                values["article"],
                selection,
                request.user,
                claim=values.get("claim"),
                new_claim=values.get("new_claim"),
                mode=values["mode"],
                attribution=values["attribution"],
                note=values["note"],
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error_messages(error)) from error
        body = QuoteSerializer(quote, context={"request": request}).data
        return Response(
            {"id": quote.pk, "anchor_id": quote.anchor_id, **body}, status=status.HTTP_201_CREATED
        )
