"""What every API endpoint shares: CSV, JSON rendering, expansion, JSON errors, throttling, ETags, links."""

import csv
import io

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import router, transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse, StreamingHttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.encoding import escape_uri_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, parsers, renderers, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.utils.urls import replace_query_param

from claims.versioning import conflict_message, is_write_conflict, lock_current
from tiktok_claims.middleware import client_ip_address
from tiktok_claims.paging import cached_count

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# CSV rows are read, and their related rows fetched, this many at a time: memory stays flat
# however long the export.
CSV_CHUNK_ROWS = 2_000


def neutralise_formula(value):
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def raw_cell(value):
    """A cell as stored, for programs (?csv_raw=1)."""
    return "" if value is None else str(value)


BOOLEAN_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


def flag(request, name):
    """A yes/no query parameter (1, true, yes / 0, false, no); anything else is a 400 naming it."""
    value = request.query_params.get(name, "") if request is not None else ""
    if value.lower() not in BOOLEAN_VALUES:
        raise exceptions.ValidationError({name: [f"Give 1 (true) or 0 (false), not {value[:20]!r}."]})
    return BOOLEAN_VALUES[value.lower()]


def csv_cell_writer(request):
    """How cells are written: neutralised for spreadsheets, unless ?csv_raw=1 asks for them untouched."""
    return raw_cell if flag(request, "csv_raw") else neutralise_formula


def csv_preamble(request):
    """A UTF-8 byte order mark when ?csv_bom=1 asks for one (Excel reads the file as UTF-8 then)."""
    return "\ufeff" if flag(request, "csv_bom") else ""


class CSVRenderer(renderers.BaseRenderer):
    """A dict (a write's answer) as CSV under the view's headers; lists and items stream instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:  # a 204, e.g. a DELETE asked as CSV: no body, as DRF's JSON renderer
            return b""
        headers = renderer_context["view"].csv_headers
        request = renderer_context.get("request")
        cell = csv_cell_writer(request)
        rows = data if isinstance(data, list) else [data]
        output = io.StringIO(csv_preamble(request))
        output.seek(0, io.SEEK_END)
        writer = csv.writer(output)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([cell(row.get(header)) for header in headers])
        return output.getvalue().encode(self.charset)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, written by orjson (several times faster); indented output stays DRF's."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        # Whatever orjson cannot write itself (lazy strings, decimals, DRF's date formats) goes
        # through DRF's own encoder, so the values are the same as before.
        return orjson.dumps(data, default=JSONEncoder().default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's parser can go is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                "JSON parse error - the request body is nested too deeply (arrays or objects inside "
                "each other hundreds of levels down)."
            ) from error


class JSONLDRenderer(renderers.JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class AnonThrottle(AnonRateThrottle):
    """Anonymous rate from the current settings, so tests can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        """The client's address as the login lockout reads it (X-Forwarded-For only from our proxy)."""
        return client_ip_address(request)


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
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException(
            f"The request body is {int(context['request'].META.get('CONTENT_LENGTH') or 0):,} bytes; "
            f"the limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE). "
            "Nothing was saved.",
            code="request_too_large",
        )
        exc.status_code = 413
    elif isinstance(exc, SuspiciousOperation):  # e.g. more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS
        exc = exceptions.ParseError(f"The request body was refused: {exc}")
    if is_write_conflict(exc):
        exc = WriteConflict(conflict_message(exc, conflict_subject(context)))
    if isinstance(exc, exceptions.Throttled):
        exc.detail = (
            f"Too many requests from this address: try again in {exc.wait or 1:.0f} seconds, "
            "or sign in with a token."
        )
    # Imported here: rest_framework.views reads the REST_FRAMEWORK settings, which name classes
    # of this module, so a module-level import would be circular for whoever imports us first.
    from rest_framework.views import exception_handler

    return exception_handler(exc, context)


def conflict_subject(context):
    """The row a write was for, as its sender named it: "claim 12", "speaker mike-pompeo"."""
    view = context.get("view")
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    key = getattr(view, "kwargs", {}).get(lookup or "pk")
    if key is None or not hasattr(view, "get_queryset"):
        return "this item"
    return f"{view.get_queryset().model._meta.verbose_name} {key}"


@csrf_exempt  # it changes nothing, and a write to an unknown URL should hear 404, not a CSRF page
def api_not_found(request, path=""):
    """Unknown URLs under /api/ answer with JSON, not the HTML 404 page."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "api-not-found":
            # The path as the client sent it (escaped): the unescaped one put a space in the
            # Location, and `/api/speakers/mike%20pompeo` redirected to itself for ever.
            query = request.META.get("QUERY_STRING", "")
            location = escape_uri_path(request.path) + "/" + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(location)
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
        """Each item's cells in csv_headers' order, read CSV_CHUNK_ROWS items at a time.

        The paths of the site's own pages (web_url, text_url) are written as absolute URLs.
        """
        absolute = [header in ("web_url", "text_url") for header in self.csv_headers]
        for item in queryset.iterator(chunk_size=CSV_CHUNK_ROWS):
            yield [
                web_url(self.request, value(item)) if is_url else value(item)
                for is_url, (_, value) in zip(absolute, self.csv_columns, strict=True)
            ]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Checked here, so that a bad value is a 400 before any CSV is written.
        csv_cell_writer(request), csv_preamble(request)

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
        """CSV streamed as it is written, a header row first; formulas neutralised unless csv_raw."""
        cell, preamble = csv_cell_writer(self.request), csv_preamble(self.request)

        def chunks():
            buffer = io.StringIO()
            buffer.write(preamble)
            writer = csv.writer(buffer)
            writer.writerow(self.csv_headers)
            for row in rows:
                writer.writerow([cell(value) for value in row])
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
    # version. A write runs in one transaction on the row as stored now, locked until it
    # commits: If-Match naming an older version is refused (412); a PATCH without If-Match
    # changes only the fields it names; a PUT or DELETE without If-Match is refused (428),
    # since it would undo or delete changes its sender may never have seen.
    etag = None

    def get_object(self):
        item = super().get_object()
        if hasattr(item, "version") and self.request.method in WRITE_METHODS:
            item = lock_current(item)
            self.check_if_match(item)
        if hasattr(item, "version"):
            self.etag = version_etag(item.version)
        return item

    def check_if_match(self, item):
        """Refuse the write when If-Match names another version, or is missing from a PUT or DELETE."""
        expected = self.request.headers.get("If-Match")
        if expected is None:
            if self.request.method in ("PUT", "DELETE"):
                raise PreconditionRequired(
                    f"A {self.request.method} needs an If-Match header: the ETag you read this "
                    f"{item._meta.verbose_name} at (now {version_etag(item.version)}), or * to "
                    f"{'replace' if self.request.method == 'PUT' else 'delete'} whatever version is "
                    "stored. A PATCH without If-Match changes only the fields it names."
                )
            return
        tags = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
        if "*" not in tags and version_etag(item.version) not in tags:
            raise PreconditionFailed(
                f"This {item._meta.verbose_name} was changed after you read it: it is at version "
                f"{item.version} (ETag {version_etag(item.version)}), your If-Match was {expected[:40]}. "
                "Nothing was saved: GET it again, reapply your change and send the new ETag."
            )

    def update(self, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.get_queryset().model)):
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.get_queryset().model)):
            return super().destroy(request, *args, **kwargs)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        if hasattr(serializer.instance, "version"):
            self.etag = version_etag(serializer.instance.version)

    def perform_destroy(self, instance):
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
WRITE_METHODS = {"PUT", "PATCH", "DELETE"}


def version_etag(version):
    """An item's ETag: its version counter, quoted as HTTP wants."""
    return f'"{version}"'


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The item changed after you read it; nothing was saved."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the item's ETag."
    default_code = "precondition_required"


class WriteConflict(exceptions.APIException):
    status_code = 409
    default_detail = "Someone else saved the item at the same moment; nothing was saved."
    default_code = "conflict"


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
