"""Errors as JSON: the exception handler, the JSON 404 under /api/, and JSON whatever format was asked."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.encoding import escape_uri_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tiktok_claims.api.renderers import JSONRenderer
from tiktok_claims.versioning import conflict_message, is_write_conflict


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


class WriteConflict(exceptions.APIException):
    status_code = 409
    default_detail = "Someone else saved the item at the same moment; nothing was saved."
    default_code = "conflict"


class JSONErrorsMixin:
    """Errors stay JSON whatever format was asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and response.accepted_renderer.media_type != "application/json"
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response
