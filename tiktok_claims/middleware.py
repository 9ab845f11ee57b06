"""Answering 503 while the database is unreachable, 409 when a write lost a race, bounding a
request's query string, and the client's address behind a proxy."""

import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from tiktok_claims.versioning import conflict_message, is_write_conflict

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 10
MESSAGE = "The database is unreachable for a moment. Please try again in a few seconds."


# Every page's work grows with its query string (each filter value is a chip whose remove link
# repeats the query): a longer one, or one with more parameters, is refused before any view runs.
# The longest URL the site links to is far shorter.
MAX_QUERY_STRING_LENGTH = 2048
MAX_QUERY_PARAMETERS = 60


class QueryStringLimitMiddleware:
    """A query string over MAX_QUERY_STRING_LENGTH is a 414, one over MAX_QUERY_PARAMETERS a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING_LENGTH:
            return refusal(
                request,
                414,
                f"The query string is {len(query):,} characters long; the limit is "
                f"{MAX_QUERY_STRING_LENGTH:,}. Use fewer filters.",
            )
        parameters = sum(1 for part in query.split("&") if part)
        if parameters > MAX_QUERY_PARAMETERS:
            return refusal(
                request,
                400,
                f"The query string has {parameters:,} parameters; the limit is {MAX_QUERY_PARAMETERS}. "
                "Use fewer filters.",
            )
        return self.get_response(request)


def refusal(request, status, message):
    """A short refusal: JSON under /api/, a small HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    page = render_to_string("request_refused.html", {"message": message, "path": request.path})
    return HttpResponse(page, status=status)


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
    """The client's address: REMOTE_ADDR, or behind our proxy the X-Forwarded-For entry it appended.

    X-Forwarded-For is read only when BEHIND_PROXY is on and the request comes from one of
    PROXY_ADDRESSES: a client reaching the app server directly cannot name itself. NUM_PROXIES
    proxies in a row each append an entry, so the client's is that many from the right (one
    proxy, the default: the last).
    """
    remote_address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY and is_proxy_address(remote_address):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            proxies = max(1, settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0)
            return addresses[-min(proxies, len(addresses))]
    return remote_address


def is_proxy_address(address):
    """Whether the address is in PROXY_ADDRESSES (addresses, networks or *)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.PROXY_ADDRESSES:
        if allowed == "*" or parsed in ipaddress.ip_network(allowed):
            return True
    return False
