"""What every API endpoint shares: paging, CSV, expansion, JSON errors, throttling, the router."""

import csv
import hashlib
import io
import re

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections, transaction
from django.db.models import BooleanField, ProtectedError
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, pagination, renderers, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200

# Paging by number stops after this many rows, as Datasette's and Elasticsearch's do: OFFSET
# walks every row it skips (page 18,000 of a million claims cost 10x page 1). Whole lists are
# the CSV export's job. Counts at least this big are kept for COUNT_CACHE_SECONDS rather than
# recomputed per request (a million-row COUNT costs more than the page); smaller ones are cheap
# and always fresh.
MAX_PAGED_ROWS = 10_000
COUNT_CACHE_SECONDS = 300

# An id longer than this overflows a 64-bit integer column (SQLite raises OverflowError).
ID_PATTERN = r"[0-9]{1,18}"

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# CSV rows are read, and their related rows fetched, this many at a time: memory stays flat
# however long the export.
CSV_CHUNK_ROWS = 2_000


def cached_count(queryset):
    """The queryset's row count; one of MAX_PAGED_ROWS or more is kept for COUNT_CACHE_SECONDS."""
    sql, params = queryset.query.sql_with_params()
    key = "api-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        if count >= MAX_PAGED_ROWS:
            cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


class CountCachingPaginator(DjangoPaginator):
    """Django's paginator with big counts cached and pages stopping at MAX_PAGED_ROWS."""

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:  # counted already by the caller: not counted twice
            self.count = count

    @cached_property
    def count(self):
        return cached_count(self.object_list)

    @cached_property
    def num_pages(self):
        return min(super().num_pages, -(-MAX_PAGED_ROWS // self.per_page))

    def validate_number(self, number):
        if str(number).isdigit() and (int(number) - 1) * self.per_page >= MAX_PAGED_ROWS:
            raise InvalidPage(
                f"pages stop at row {MAX_PAGED_ROWS:,}; narrow the filters, or ask for format=csv."
            )
        return super().validate_number(number)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number paging; a page_size over the cap or not a whole number is refused, not clamped."""

    django_paginator_class = CountCachingPaginator
    invalid_page_message = "Invalid page: {message}"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None or value == "":
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,9}", value) or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param) or "1"
        if value != "last" and not re.fullmatch(r"[0-9]{1,9}", value):
            raise exceptions.ValidationError({self.page_query_param: ["Enter a page number (1, 2, ...)."]})
        return value

    def paginate_queryset(self, queryset, request, view=None, count=None):
        """DRF's, but a page past the end or past the cap is a 400 naming `page`, not a 404.

        count: the rows' count, when the view has counted them already.
        """
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request), count=count)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as error:
            message = self.invalid_page_message.format(page_number=page_number, message=error)
            raise exceptions.ValidationError({self.page_query_param: [message]}) from error
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return list(self.page)


class KeysetPagination(PageNumberPagination):
    """Page numbers to jump (to row MAX_PAGED_ROWS); `after`/`before` cursors to walk any distance.

    A cursor is a row's place in the order, its date and id (`after=2020-08-12,1234`), and the
    page is the rows past it, found through the (date, id) index: the same cost on page 1 and
    at row 900,000, where OFFSET walks every row it skips. Results ordered by one non-null field
    then id have cursors, and their `next`/`previous` links are cursors even from a numbered
    page; other orders (by rank, by rebuttals) keep page numbers only.
    """

    cursor_query_params = ("after", "before")
    ordering = None  # the order the view listed the rows in, named as its ordering parameter names it

    def paginate_queryset(self, queryset, request, view=None, count=None):
        self.request = request
        self.keyset = keyset_of(queryset)
        given = [name for name in self.cursor_query_params if request.query_params.get(name)]
        if not given:
            self.rows = super().paginate_queryset(queryset, request, view, count)
            if self.rows is not None:
                self.count = self.page.paginator.count
                self.more_before = self.page.number > 1
                self.more_after = self.page.number * self.page.paginator.per_page < self.count
            return self.rows
        name = given[0]
        if len(given) > 1 or request.query_params.get(self.page_query_param):
            raise exceptions.ValidationError({name: ["Give one of page, after or before, not several."]})
        if self.keyset is None:
            raise exceptions.ValidationError(
                {
                    name: [
                        "Cursors follow the date orderings (said_on, -said_on); this order has page numbers."
                    ]
                }
            )
        field, descending = self.keyset
        position = parse_position(field, request.query_params[name], name)
        page_size = self.get_page_size(request)
        forward = name == "after"
        rows = queryset.filter(keyset_condition(queryset, field, position, forward != descending))
        if not forward:
            rows = rows.reverse()
        rows = list(rows[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size] if forward else rows[:page_size][::-1]
        self.count = cached_count(queryset) if count is None else count
        self.more_after, self.more_before = (more, True) if forward else (True, more)
        self.rows = rows
        self.display_page_controls = False
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "ordering": self.ordering,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if self.keyset is None:
            return super().get_next_link()
        if not self.more_after or not self.rows:
            return None
        return self.cursor_link("after", self.rows[-1])

    def get_previous_link(self):
        if self.keyset is None:
            return super().get_previous_link()
        if not self.more_before or not self.rows:
            return None
        return self.cursor_link("before", self.rows[0])

    def cursor_link(self, name, row):
        url = self.request.build_absolute_uri()
        for other in (self.page_query_param, *self.cursor_query_params):
            url = remove_query_param(url, other)
        field, _ = self.keyset
        value, pk = (
            (row[field.attname], row["id"])
            if isinstance(row, dict)
            else (getattr(row, field.attname), row.pk)
        )
        return replace_query_param(url, name, f"{value},{pk}")

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"] = {
            "count": response["properties"]["count"],
            "ordering": {
                "type": "string",
                "example": "said_on",
                "description": "The order of the results: the ordering asked for, or without one "
                "said_on (oldest first), or for a search on PostgreSQL rank (best match first), "
                f"unless it matches {MAX_PAGED_ROWS:,} claims or more: those are listed in time "
                "order (said_on), since ranking them all costs seconds.",
            },
            **response["properties"],
        }
        return response

    def get_schema_operation_parameters(self, view):
        cursor = (
            "a row's date and id, e.g. 2020-08-12,1234, as the next and previous links give; "
            "for the date orderings only, and not with page."
        )
        return [
            *super().get_schema_operation_parameters(view),
            *(
                {
                    "name": name,
                    "required": False,
                    "in": "query",
                    "description": f"The page {where} this cursor: {cursor}",
                    "schema": {"type": "string"},
                }
                for name, where in (("after", "after"), ("before", "just before"))
            ),
        ]


def keyset_of(queryset):
    """(field, descending) when the queryset is ordered by one non-null field and then by id."""
    order = queryset.query.order_by
    if len(order) != 2 or not all(isinstance(name, str) for name in order):
        return None
    first, second = order
    descending = first.startswith("-")
    if second.lstrip("-") not in ("pk", "id") or second.startswith("-") != descending:
        return None
    try:
        field = queryset.model._meta.get_field(first.lstrip("-"))
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.null or field.is_relation:
        return None
    return field, descending


def parse_position(field, text, name):
    """A cursor's (value, id), or a 400 naming the parameter."""
    value, _, pk = text.rpartition(",")
    try:
        if not re.fullmatch(ID_PATTERN, pk):
            raise DjangoValidationError("bad id")
        return field.to_python(value), int(pk)
    except (DjangoValidationError, ValueError, TypeError) as error:
        raise exceptions.ValidationError(
            {
                name: [
                    "Enter a cursor as the next and previous links give: "
                    f"a {field.name} and an id, e.g. 2020-08-12,1234."
                ]
            }
        ) from error


def keyset_condition(queryset, field, position, greater):
    """Rows past (value, id) in the order: a row-value comparison, which walks the index from there."""
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    value, pk = position
    sql = (
        f"({table}.{quote(field.column)}, {table}.{quote(queryset.model._meta.pk.column)}) "
        f"{'>' if greater else '<'} (%s, %s)"
    )
    return RawSQL(sql, [field.get_db_prep_value(value, connection), pk], output_field=BooleanField())


def neutralise_formula(value):
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class CSVRenderer(renderers.BaseRenderer):
    """A dict (a write's answer) as CSV under the view's headers; lists and items stream instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        headers = renderer_context["view"].csv_headers
        rows = data if isinstance(data, list) else [data]
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([neutralise_formula(row.get(header)) for header in headers])
        return output.getvalue().encode(self.charset)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, written by orjson (several times faster); indented output stays DRF's."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        # Whatever orjson cannot write itself (lazy strings, decimals, DRF's date formats) goes
        # through DRF's own encoder, so the values are the same as before.
        return orjson.dumps(data, default=JSONEncoder().default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class JSONLDRenderer(renderers.JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class AnonThrottle(AnonRateThrottle):
    """Anonymous rate from the current settings, so tests can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def error_messages(error):
    """A Django ValidationError as DRF's {field: [messages]}."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def json_exception_handler(exc, context):
    """DRF's handler, plus Django validation errors as 400 and a clear message on 429."""
    if isinstance(exc, ProtectedError):
        exc = exceptions.APIException(
            f"Cannot delete: {len(exc.protected_objects)} curated items still refer to it.", code="conflict"
        )
        exc.status_code = 409
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(error_messages(exc))
    if isinstance(exc, exceptions.Throttled):
        exc.detail = (
            f"Too many requests from this address: try again in {exc.wait or 1:.0f} seconds, "
            "or sign in with a token."
        )
    # Imported here: rest_framework.views reads the REST_FRAMEWORK settings, which name classes
    # of this module, so a module-level import would be circular for whoever imports us first.
    from rest_framework.views import exception_handler

    return exception_handler(exc, context)


@csrf_exempt  # it changes nothing, and a write to an unknown URL should hear 404, not a CSRF page
def api_not_found(request, path=""):
    """Unknown URLs under /api/ answer with JSON, not the HTML 404 page."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            return HttpResponsePermanentRedirect(
                request.get_full_path().replace(request.path, request.path + "/", 1)
            )
    return JsonResponse({"detail": "Not found."}, status=404)


def parse_expand(request, allowed):
    """The names in ?expand=a,b; an unknown name is a 400 naming the parameter."""
    value = request.query_params.get("expand", "") if request is not None else ""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise exceptions.ValidationError(
            {"expand": [f"Cannot expand {', '.join(unknown)[:100]!r}; choose from {', '.join(allowed)}."]}
        )
    return set(names)


def expand_parameter(allowed):
    return OpenApiParameter(
        "expand",
        str,
        description=f"Comma-separated related items to embed instead of linking: {', '.join(allowed)}.",
    )


FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["json", "csv"], description="json (default) or csv: csv is the whole filtered list."
)


class ApiViewMixin:
    """CSV for lists and items, expansion, and errors that stay JSON whatever was asked for."""

    csv_columns = []
    expandable = ()

    @property
    def csv_headers(self):
        return [header for header, _ in self.csv_columns]

    def csv_rows(self, queryset):
        """Each item's cells in csv_headers' order, read CSV_CHUNK_ROWS items at a time."""
        for item in queryset.iterator(chunk_size=CSV_CHUNK_ROWS):
            yield [value(item) for _, value in self.csv_columns]

    def paginate_queryset(self, queryset):
        if self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        count, limit = cached_count(queryset), settings.API_CSV_MAX_ROWS
        if count > limit:
            raise exceptions.ValidationError(
                {
                    "format": [
                        f"The CSV would hold {count:,} rows; a download holds at most {limit:,}. "
                        "Narrow the filters (said_from and said_to, speaker, topic, ...) and download "
                        "it in parts, or page through the JSON by its next links."
                    ]
                }
            )
        response = self.csv_response(self.csv_rows(queryset))
        response["Content-Disposition"] = f'attachment; filename="{self.basename}s.csv"'
        return response

    def retrieve(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().retrieve(request, *args, **kwargs)
        item = self.get_object()
        return self.csv_response(self.csv_rows(self.get_queryset().filter(pk=item.pk)))

    def csv_response(self, rows):
        """CSV streamed as it is written, a header row first; formulas neutralised."""

        def chunks():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(self.csv_headers)
            for row in rows:
                writer.writerow([neutralise_formula(value) for value in row])
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")

    def perform_content_negotiation(self, request, force=False):
        """DRF's, but an unknown ?format= is a 400 naming `format`, not a 404."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:
            value = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE) or self.format_kwarg or ""
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise exceptions.ValidationError(
                {"format": [f"Unknown format {value[:20]!r}: use one of {formats}."]}
            ) from error

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Expansion is for reading; a write keeps its linked fields writable.
        reading = self.request is not None and self.request.method == "GET"
        context["expand"] = (
            parse_expand(self.request, self.expandable) if self.expandable and reading else set()
        )
        return context

    # Optimistic locking for API writers, as the admin has for curators: an item's ETag is its
    # version; a PUT, PATCH or DELETE sent with If-Match and an older ETag is refused (412)
    # instead of overwriting an edit made since the client read the item.
    etag = None

    def get_object(self):
        item = super().get_object()
        if hasattr(item, "version"):
            self.etag = version_etag(item.version)
        return item

    def check_if_match(self, item):
        """Refuse the write when If-Match names another version (the row is locked until the save)."""
        expected = self.request.headers.get("If-Match")
        if expected is None or not hasattr(item, "version"):
            return
        rows = type(item)._default_manager.select_for_update().filter(pk=item.pk)
        current = rows.values_list("version", flat=True).first()
        tags = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
        if "*" not in tags and version_etag(current) not in tags:
            raise PreconditionFailed(
                f"This {item._meta.verbose_name} was changed after you read it: it is at version "
                f"{current} (ETag {version_etag(current)}), your If-Match was {expected[:40]}. "
                "Nothing was saved: GET it again, reapply your change and send the new ETag."
            )

    def perform_update(self, serializer):
        with transaction.atomic():
            self.check_if_match(serializer.instance)
            super().perform_update(serializer)
        if hasattr(serializer.instance, "version"):
            self.etag = version_etag(serializer.instance.version)

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.check_if_match(instance)
            super().perform_destroy(instance)
        self.etag = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and response.accepted_renderer.media_type != "application/json"
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        # On the item's own representation only, not on its JSON-LD or annotation actions.
        if self.etag and response.status_code == 200 and self.action in ETAG_ACTIONS:
            response["ETag"] = self.etag
        return response


ETAG_ACTIONS = {"retrieve", "update", "partial_update"}


def version_etag(version):
    """An item's ETag: its version counter, quoted as HTTP wants."""
    return f'"{version}"'


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The item changed after you read it; nothing was saved."
    default_code = "precondition_failed"


class Links:
    """URLs for many rows from one reverse() per kind of link: the row's key between a prefix and a suffix.

    They equal DRF's hyperlinked fields' (absolute, with ?format= kept) and the pages' URLs.
    """

    PLACEHOLDER = "7654321"  # fits every lookup pattern: ids and slugs

    def __init__(self, request, format=None):
        self.request, self.format = request, format

    def api(self, view_name, lookup="pk"):
        url = api_reverse(
            view_name, kwargs={lookup: self.PLACEHOLDER}, request=self.request, format=self.format
        )
        return self._template(url)

    def page(self, view_name):
        return self._template(web_url(self.request, reverse(view_name, args=[self.PLACEHOLDER])))

    def api_list_filtered(self, view_name, parameter):
        """A related list's API URL: the list filtered to one item, as the serializers link it."""
        url = api_reverse(view_name, request=self.request)
        return self._template(replace_query_param(url, parameter, self.PLACEHOLDER))

    def page_list_filtered(self, view_name, parameter):
        return self._template(web_url(self.request, f"{reverse(view_name)}?{parameter}={self.PLACEHOLDER}"))

    def _template(self, url):
        prefix, _, suffix = url.rpartition(self.PLACEHOLDER)
        return lambda key: f"{prefix}{key}{suffix}"


def web_url(request, path):
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.URI)
class WebUrlField(serializers.Field):
    """The item's page on the site, from get_absolute_url()."""

    def __init__(self, **kwargs):
        kwargs["source"] = kwargs.get("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return web_url(self.context.get("request"), value.get_absolute_url())


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` for the whole request, or the bad parameter or field "
    "names, each with its messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ERROR_RESPONSES = {
    "400": "A parameter or field is invalid; its name is the key.",
    "401": "Authentication failed (a bad token) or is required to write.",
    "403": "The user lacks the permission for this write, or a session write lacks its CSRF token.",
    "404": "No such item or URL.",
    "409": "Refused: curated items still refer to the item being deleted.",
    "412": "Refused: If-Match named an older version (ETag) of the item; it changed since it was read.",
    "429": "Too many anonymous requests; see Retry-After.",
}


# Parameters whose filters carry no description of their own.
PARAMETER_DESCRIPTIONS = {
    "article": "Article slug (e.g. from /api/articles/); repeat the parameter for any of several.",
    "outlet": "Outlet slug (e.g. from /api/outlets/); repeat the parameter for any of several.",
    "speaker": "Speaker slug (e.g. from /api/speakers/); repeat the parameter for any of several.",
    "topic": "Topic slug (e.g. from /api/topics/); repeat the parameter for any of several.",
    "claim_type": "Type of claim; repeat the parameter for any of several.",
    "speaker_kind": "Kind of speaker; repeat the parameter for any of several.",
    "kind": "Kind of speaker; repeat the parameter for any of several.",
    "side": "Side in the debate; repeat the parameter for any of several.",
    "relation": "Rebuttal relation; repeat the parameter for any of several.",
    "mode": "Direct quotation or reported speech.",
    "claim": "Claim id.",
    "rebutting_claim": "Id of the rebutting claim.",
    "rebutted_claim": "Id of the rebutted claim.",
    "published_from": "Published on or after this day (YYYY-MM-DD).",
    "published_to": "Published on or before this day (YYYY-MM-DD).",
    "search": "Words to look for.",
    "slug": "The item's slug, the last part of its url.",
    "id": "The item's numeric id, the last part of its url.",
    "format": "json (default) or csv; csv is the whole filtered list, not one page.",
    "ordering": "Sort order; a leading - reverses it.",
    "page_size": f"Items per page, 1 to {MAX_PAGE_SIZE}.",
}


def describe_operations(result, generator, request, public):
    """Describe every parameter, the CSV body and the JSON error every operation can answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in PARAMETER_DESCRIPTIONS and (
                    not parameter.get("description") or parameter["name"] == "page_size"
                ):
                    parameter["description"] = (
                        PARAMETER_DESCRIPTIONS[parameter["name"]] + "\n\n" + parameter.get("description", "")
                    ).strip()
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if not response.get("description"):
                    response["description"] = "Success." if status.startswith("2") else "See the body."
                if "text/csv" in response.get("content", {}):
                    response["content"]["text/csv"] = {
                        "schema": {"type": "string", "description": "CSV with a header row."}
                    }
            for status, description in ERROR_RESPONSES.items():
                if status == "409" and method != "delete":
                    continue
                if status == "412" and method not in ("put", "patch", "delete"):
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
