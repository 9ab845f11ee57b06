"""/api/changes/: every create, change and delete of a public record, oldest first, by cursor.

Read from the seven history tables and merged in one order, (time, type, record id); a change
is listed only once it is settled (older than CHANGES_SETTLE_SECONDS and, on PostgreSQL, older
than every write transaction still open), so a transaction that commits late cannot slip in
behind a cursor a client already holds. docs/versions.md has the guarantee.
"""

import base64
import binascii
import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from sources.models import Article, Outlet
from tiktok_claims.api.pagination import MAX_PAGE_SIZE
from tiktok_claims.api.renderers import JSONRenderer
from tiktok_claims.paging import whole_number

DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def public_types():
    """(type, model, API lookup field, API view name), in the order a shared instant lists them."""
    return [
        ("outlet", Outlet, "slug", "api:outlet-detail"),
        ("article", Article, "slug", "api:article-detail"),
        ("speaker", Speaker, "slug", "api:speaker-detail"),
        ("topic", Topic, "slug", "api:topic-detail"),
        ("claim", Claim, "id", "api:claim-detail"),
        ("quote", Quote, "id", "api:quote-detail"),
        ("rebuttal", Rebuttal, "id", "api:rebuttal-detail"),
    ]


def encode_cursor(date, rank, history_id):
    text = f"1|{date.isoformat()}|{rank}|{history_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """(date, rank, history_id) from a `since` value; a 400 naming `since` when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, date, rank, history_id = text.split("|")
        if version != "1":
            raise ValueError(version)
        date = datetime.datetime.fromisoformat(date)
        rank, history_id = int(rank), int(history_id)
        if date.tzinfo is None or not 0 <= rank < len(public_types()) or not 0 < history_id < 2**63:
            raise ValueError(cursor)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise exceptions.ValidationError(
            {"since": ["Not a cursor from this API: start without `since` and follow the `next` links."]}
        ) from error
    return date, rank, history_id


def settled_until():
    """The newest change time that no transaction still open can write before (docs/versions.md)."""
    until = timezone.now() - datetime.timedelta(seconds=settings.CHANGES_SETTLE_SECONDS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The oldest other transaction that has written (holds a transaction id) and not yet
            # committed: its history rows may carry any time after it began.
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity "
                "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()"
            )
            oldest = cursor.fetchone()[0]
        if oldest is not None and oldest < until:
            until = oldest - datetime.timedelta(microseconds=1)
    return until


def page_size(request):
    value = request.query_params.get("page_size")
    if value is None:
        return DEFAULT_PAGE_SIZE
    number = whole_number(value)
    if number is None or not 1 <= number <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError({"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]})
    return number


def changes_after(cursor, until, limit):
    """Up to `limit` changes after the cursor and no later than `until`, in feed order."""
    rows = []
    for rank, (kind, model, lookup, view_name) in enumerate(public_types()):
        records = model.history.filter(history_date__lte=until)
        if cursor is not None:
            date, cursor_rank, history_id = cursor
            if rank < cursor_rank:
                records = records.filter(history_date__gt=date)
            elif rank == cursor_rank:
                records = records.filter(
                    Q(history_date__gt=date) | Q(history_date=date, history_id__gt=history_id)
                )
            else:
                records = records.filter(history_date__gte=date)
        has_version = any(field.name == "version" for field in model._meta.fields)
        fields = ["history_id", "history_date", "history_type", "id", lookup]
        for values in records.order_by("history_date", "history_id").values_list(
            *fields, *(["version"] if has_version else [])
        )[:limit]:
            history_id, date, history_type, pk, key, *version = values
            rows.append(
                {
                    "sort": (date, rank, history_id),
                    "type": kind,
                    "model": model,
                    "id": pk,
                    "key": key,
                    "view_name": view_name,
                    "history_type": history_type,
                    "version": version[0] if version else None,
                }
            )
    rows.sort(key=lambda row: row["sort"])
    rows = rows[:limit]
    number_unversioned(rows)
    return rows


def number_unversioned(rows):
    """Outlets and topics have no version counter: their version is the record's place in their history."""
    for model in {row["model"] for row in rows if row["version"] is None}:
        ids = {row["id"] for row in rows if row["model"] is model}
        counts, places = {}, {}
        for history_id, pk in (
            model.history.filter(id__in=ids)
            .order_by("history_date", "history_id")
            .values_list("history_id", "id")
        ):
            counts[pk] = counts.get(pk, 0) + 1
            places[history_id] = counts[pk]
        for row in rows:
            if row["model"] is model:
                row["version"] = places[row["sort"][2]]


class RecordChangeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[kind for kind, *_ in public_types()])
    id = serializers.IntegerField(help_text="The record's database id: with `type`, its identity for ever.")
    version = serializers.IntegerField(
        help_text="The record's version this change made (for a delete: its last)."
    )
    time = serializers.DateTimeField(help_text="When the change was saved (UTC).")
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    url = serializers.URLField(
        help_text="The record in the API (gone after a delete; by its slug of the time)."
    )


class ChangePageSerializer(serializers.Serializer):
    results = RecordChangeSerializer(many=True, help_text="Oldest first.")
    next = serializers.URLField(
        allow_null=True,
        help_text="The changes after these; null when there is nothing newer yet (poll again later).",
    )
    settled_until = serializers.DateTimeField(
        help_text="Every change saved until this time is listed by now."
    )


class ChangesView(APIView):
    """Every create, change and delete of a public record, oldest first.

    Public records: outlets, articles, speakers, topics, claims, quotes and rebuttals.

    Follow `next` until `results` is empty: applying each change in order (fetch `url` on
    created/changed, drop the record on deleted) leaves an exact mirror of the database. Keep the
    URL that answered the empty page and ask it again later for what changed since. A change
    appears once it is settled (`settled_until`), a few seconds after it is saved. Example:
    `GET /api/changes/?page_size=100`, then the `next` link it answers with.
    """

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    permission_classes = [AllowAny]  # read-only: GET is its only method

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="An opaque cursor from a `next` link: the changes after it. Omit it to start.",
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"{DEFAULT_PAGE_SIZE} by default.",
            ),
        ],
        responses=ChangePageSerializer,
        examples=[
            OpenApiExample(
                "A claim changed, a quote deleted",
                value={
                    "results": [
                        {
                            "type": "claim",
                            "id": 12,
                            "version": 3,
                            "time": "2026-11-30T20:41:07.123456Z",
                            "action": "changed",
                            "url": "http://127.0.0.1:8000/api/claims/12/",
                        },
                        {
                            "type": "quote",
                            "id": 40,
                            "version": 1,
                            "time": "2026-11-30T20:42:00.000001Z",
                            "action": "deleted",
                            "url": "http://127.0.0.1:8000/api/quotes/40/",
                        },
                    ],
                    "next": "http://127.0.0.1:8000/api/changes/?since=MXwyMDI2LTExLTMwVDIwOjQyOjAwLjAwMDAwMSswMDowMHw1fDQx",
                    "settled_until": "2026-11-30T20:43:00Z",
                },
            )
        ],
    )
    def get(self, request):
        since = request.query_params.get("since")
        cursor = decode_cursor(since) if since else None
        limit = page_size(request)
        until = settled_until()
        rows = changes_after(cursor, until, limit)
        time_field = serializers.DateTimeField()
        results = [
            {
                "type": row["type"],
                "id": row["id"],
                "version": row["version"],
                "time": time_field.to_representation(row["sort"][0]),
                "action": ACTIONS[row["history_type"]],
                "url": api_reverse(row["view_name"], args=[row["key"]], request=request),
            }
            for row in rows
        ]
        next_url = None
        if rows:
            next_url = replace_query_param(
                request.build_absolute_uri(), "since", encode_cursor(*rows[-1]["sort"])
            )
        return Response(
            {"results": results, "next": next_url, "settled_until": time_field.to_representation(until)}
        )
