"""Answering 503 while the database is unreachable, 409 when a write lost a race, and the client's address."""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from claims.versioning import conflict_message, is_write_conflict

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 10
MESSAGE = "The database is unreachable for a moment. Please try again in a few seconds."


class DatabaseUnavailableMiddleware:
    """A lost database connection gives a short 503 with Retry-After, not a traceback.

    Nothing is cached: the next request opens a new connection, so the site recovers by itself
    as soon as the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_write_conflict(exception):
            return write_conflict_response(request, exception)
        if not is_connection_error(exception):
            return None
        logger.warning("Database unavailable, answering 503 to %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def write_conflict_response(request, exception):
    """Another writer was first (a lock held, a newer version): 409 saying nothing was saved."""
    logger.info("Write conflict on %s: %s", request.path, exception)
    message = conflict_message(exception)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=409)
    else:
        response = HttpResponse(render_to_string("409.html", {"message": message}), status=409)
    response["Cache-Control"] = "no-store"
    return response


def is_connection_error(exception):
    """True for the errors a lost or refused connection raises, not for bad SQL or constraints."""
    if isinstance(exception, (OperationalError, InterfaceError)):
        return True
    # psycopg2 raises its own classes when a connection dies outside Django's error wrapper.
    return isinstance(exception, DatabaseError) and type(exception).__name__ in {
        "OperationalError",
        "InterfaceError",
    }


def client_ip_address(request):
    """The client's address: REMOTE_ADDR, or behind our proxy the last X-Forwarded-For entry."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[-1]
    return request.META.get("REMOTE_ADDR", "")
