"""The read cache: the corpus version, keys built on it, get-or-compute, whole anonymous responses.

The corpus changes only when someone writes, so everything a reader sees is a function of
(corpus version, request). The version is one database row (tiktok_claims.models.CorpusVersion)
moved forward after every committed write to a model of a public app: admin, API, management
commands, loaddata (raw saves), history restores and re-anchoring all save through the ORM and
fire post_save / post_delete / m2m_changed; code that writes around the signals (bulk_create,
queryset.update(), raw SQL) calls corpus_changed() itself. Cached values live under keys holding
the version, in the shared cache (Redis, or a file cache every worker of one machine shares), so
a write is visible on the next request on every server and a figure is computed once per write.
Nothing expires on a timer; see docs/scaling.md for why the version lives in the database.
"""

import concurrent.futures
import contextvars
import datetime
import functools
import hashlib
import logging
import threading
import time
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags

logger = logging.getLogger(__name__)

# The apps whose rows readers see; a write to any of their models (history tables aside) counts.
PUBLIC_APPS = {"claims", "sources"}
VERSION_ROW = 1
# What a shared proxy or CDN may do with an anonymous answer: keep it a minute, and serve it a
# further five while it asks again (the ETag makes that question a 304).
PUBLIC_CACHE_CONTROL = {"public": True, "max_age": 60, "stale_while_revalidate": 300}
# Never answered from the cache: the admin, the health check, and the API's schema and docs,
# which come from the code, not the data (and need no database).
UNCACHED_PATHS = ("/admin/", "/healthz", "/api/schema/", "/api/docs/")
# Pages computed after each write by a background thread, so no reader pays for the figures.
WARMED_PATHS = ["/", "/claims/", "/timeline/", "/speakers/", "/api/claims/"]

# A streamed answer (CSV) up to this size is kept whole; a bigger one is streamed and not kept.
# One speaker's month at 1M claims is 2.4 MB (a second of SQL); 100,000 rows, the most a
# download holds, are ~45 MB, which would fill the cache with one file per filter and version.
MAX_STORED_STREAM_BYTES = 8 * 1024 * 1024

MISSING = object()
# The version read once at the start of an anonymous GET, so one request uses one version.
_request_version = contextvars.ContextVar("corpus_version", default=None)


class Version(NamedTuple):
    epoch: str
    number: int
    changed_at: object

    @property
    def key(self):
        return f"{self.epoch}.{self.number}"


# --- The version -------------------------------------------------------------------------------


def _version_model():
    from tiktok_claims.models import CorpusVersion

    return CorpusVersion


def _create_version_row(using):
    """The row, with a new epoch: a fresh database (or one after `flush`) starts a new key space."""
    model = _version_model()
    try:
        with transaction.atomic(using=using):
            row = model.objects.using(using).create(
                pk=VERSION_ROW, epoch=uuid.uuid4().hex, number=0, changed_at=timezone.now()
            )
    except IntegrityError:  # another process created it first
        row = model.objects.using(using).get(pk=VERSION_ROW)
    return Version(row.epoch, row.number, row.changed_at)


def _version_in_database(using):
    row = (
        _version_model()
        .objects.using(using)
        .filter(pk=VERSION_ROW)
        .values_list("epoch", "number", "changed_at")
        .first()
    )
    return Version(*row) if row else _create_version_row(using)


def _version_cache_key(using):
    """Where the shared cache keeps this database's version: servers naming it alike share it."""
    database = connections[using].settings_dict
    return _database_key(database["ENGINE"], database["HOST"], database["PORT"], str(database["NAME"]))


@functools.cache
def _database_key(*database):
    return "corpus-version:" + hashlib.sha256(repr(database).encode()).hexdigest()[:16]


def read_version(using=DEFAULT_DB_ALIAS):
    """The corpus version: from the shared cache (no query), else from its row, then shared."""
    cache_key = _version_cache_key(using)
    cached = cache.get(cache_key)
    if cached is not None:
        return Version(*cached)
    version = _version_in_database(using)
    # add, not set: a writer's newer number stored meanwhile must win over this older read.
    if not cache.add(cache_key, tuple(version)):
        return Version(*cache.get(cache_key, tuple(version)))
    return version


def current_version():
    """The version this request answers for (read once per anonymous GET), else the shared one."""
    return _request_version.get() or read_version()


def _advance(using=DEFAULT_DB_ALIAS, warm=True):
    """Move the version forward in its row (an atomic UPDATE: writers never share a number), then share it.

    Two writers finishing together may store their numbers in either order, so each stores the
    row's number again after reading it back: the last store is always the newest number.
    """
    updated = (
        _version_model()
        .objects.using(using)
        .filter(pk=VERSION_ROW)
        .update(number=F("number") + 1, changed_at=timezone.now())
    )
    if not updated:
        _create_version_row(using)
    cache_key = _version_cache_key(using)
    stored = _version_in_database(using)
    cache.set(cache_key, tuple(stored))
    again = _version_in_database(using)
    if again != stored:
        cache.set(cache_key, tuple(again))
    if warm:
        schedule_warming()


_advancers = {}


def corpus_changed(using=DEFAULT_DB_ALIAS):
    """Move the version forward once the current transaction commits (at once outside one).

    Once per transaction however many rows it writes (loaddata is one), and never for one that
    rolls back. After the commit, not inside the transaction: an UPDATE of the version row inside
    every writing transaction would serialise writers and could deadlock with row locks taken
    before it (the API's If-Match check locks the item). A reader between the commit and the
    bump stores newer data under the old version, which is harmless: the next version replaces it.
    """
    connection = connections[using]
    if connection.in_atomic_block and getattr(connection.atomic_blocks[0], "_from_testcase", False):
        # Inside a test case's transaction nothing ever commits: count the write at once.
        _advance(using, warm=False)
        return
    advance = _advancers.setdefault(using, lambda: _advance(using))
    if any(callback is advance for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(advance, using=using, robust=True)


def _is_public(model):
    return model._meta.app_label in PUBLIC_APPS and not model.__name__.startswith("Historical")


def _saved_or_deleted(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    if _is_public(sender):
        corpus_changed(using)


def _links_changed(sender, action, using=DEFAULT_DB_ALIAS, **kwargs):
    if action.startswith("post_") and _is_public(sender):
        corpus_changed(using)


def _migrated(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """A migration may change rows through SQL no signal sees: a new version after every migrate."""
    if sender.label == "tiktok_claims":
        if _version_model()._meta.db_table in connections[using].introspection.table_names():
            _advance(using, warm=False)  # (absent when migrating another app to an older state)


def connect_write_signals():
    post_save.connect(_saved_or_deleted, dispatch_uid="readcache_post_save")
    post_delete.connect(_saved_or_deleted, dispatch_uid="readcache_post_delete")
    m2m_changed.connect(_links_changed, dispatch_uid="readcache_m2m_changed")
    post_migrate.connect(_migrated, dispatch_uid="readcache_post_migrate")


# --- Keys and get-or-compute -------------------------------------------------------------------


def key(name, *parts):
    """A cache key for the current version: name, then a digest of everything that changes the value."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"v{current_version().key}:{name}:{digest}"


def store(cache_key, value):
    """Keep a value under a versioned key; it never goes stale, so no expiry (see CACHES' TIMEOUT)."""
    cache.set(cache_key, value)


# A figure being computed (by the precomputing thread or another reader) is waited for, up to
# this long, rather than computed a second time beside it.
COMPUTING_WAIT_SECONDS = 20


def get_or_compute(name, parts, compute):
    """The cached value for (current version, name, parts), computed once and stored when missing."""
    cache_key = key(name, *parts)
    value = cache.get(cache_key, MISSING)
    if value is not MISSING:
        return value
    if not cache.add(f"{cache_key}:computing", True, timeout=COMPUTING_WAIT_SECONDS):
        deadline = time.monotonic() + COMPUTING_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
            value = cache.get(cache_key, MISSING)
            if value is not MISSING:
                return value
    try:
        value = compute()
        store(cache_key, value)
    finally:
        cache.delete(f"{cache_key}:computing")
    return value


# --- Computing after the answer ----------------------------------------------------------------

_later = None
_later_lock = threading.Lock()


def compute_later(job):
    """Run job() in this process's background thread, for the current request's version.

    For figures a reader should not wait for (a cold facet block): the page says they are being
    computed and fetches them when they are. READ_CACHE_BACKGROUND=0 (the test suite) runs the
    job at once, so that tests see its result.
    """
    global _later
    version = current_version()

    def run():
        token = _request_version.set(version)
        try:
            if background:
                _leave_cores_to_readers()
            job()
        except Exception:
            logger.exception("Computing a figure in the background failed; readers will ask again.")
        finally:
            _request_version.reset(token)
            if background:
                connections.close_all()

    background = getattr(settings, "READ_CACHE_BACKGROUND", True)
    if not background:
        run()
        return
    with _later_lock:
        if _later is None:
            _later = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="read-cache-later"
            )
    _later.submit(run)


def _leave_cores_to_readers():
    """This thread's PostgreSQL queries without parallel workers, so a background count takes one core.

    PostgreSQL gives a big count two parallel workers by default: the timeline's curves at a
    million claims took three processes on a machine of two cores while the request that handed
    them over was still drawing its bars. Without them the curves take 2.9-3.2 s instead of
    1.9-2.6 s, which nobody waits for, and the first requests of the timeline, a search page and
    a filtered page (32 each, alternated) went from medians of 194-247 ms to 176-190 ms, the
    slowest from 319 to 272 ms. The setting is this connection's, closed when the job ends.
    """
    for connection in connections.all():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")


def wait_for_background():
    """Return once this process's background thread has run every job handed to it so far."""
    with _later_lock:
        later = _later
    if later is not None:
        later.submit(lambda: None).result()


# --- Precomputing after a write ----------------------------------------------------------------

_warm_wanted = threading.Event()
_warm_lock = threading.Lock()
_warm_thread = None


def schedule_warming():
    """Ask this process's background thread to compute the new version's figures (returns at once)."""
    global _warm_thread
    if not getattr(settings, "READ_CACHE_WARM", True):
        return
    with _warm_lock:
        if _warm_thread is None or not _warm_thread.is_alive():
            _warm_thread = threading.Thread(target=_warm_forever, name="read-cache-warmer", daemon=True)
            _warm_thread.start()
    _warm_wanted.set()


def _warm_forever():
    while True:
        _warm_wanted.wait()
        _warm_wanted.clear()
        try:
            _leave_cores_to_readers()
            warm()
        except Exception:
            logger.exception("Precomputing the read cache failed; readers will compute it.")
        finally:
            connections.close_all()


def warm():
    """Compute the figures of the busiest pages for the current version, as an anonymous reader would."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.urls import resolve

    host = next((name.lstrip(".") for name in settings.ALLOWED_HOSTS if "*" not in name), "localhost")
    token = _request_version.set(read_version())
    try:
        for path in WARMED_PATHS:
            # Its own address, so the API throttle counts its requests apart from any client's.
            request = RequestFactory().get(path, HTTP_HOST=host, REMOTE_ADDR="read-cache-warmer")
            request.user = AnonymousUser()
            match = resolve(path)
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render"):
                response.render()
    finally:
        _request_version.reset(token)


# --- Whole responses ---------------------------------------------------------------------------


def _anonymous_read(request):
    """A GET or HEAD by someone not signed in, outside the admin: the same answer for everyone."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.path.startswith(UNCACHED_PATHS)
    )


def _storable(request, response):
    """A 200 the same for every anonymous reader: no cookie set, no CSRF token used, not private.

    A page that used the CSRF token holds a secret of the visitor's cookie: never shared. Vary:
    Cookie from the session middleware is not a reason on its own: a request with a session
    cookie never reaches the cache, so the answer stored is the one for no session.
    """
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
    )


def _publish(response, etag, version):
    """The headers of an answer every anonymous reader shares: validators from the version."""
    if not response.has_header("ETag"):  # an API item keeps its own (its version, for If-Match)
        response["ETag"] = etag
    response["Last-Modified"] = http_date(version.changed_at.timestamp())
    patch_cache_control(response, **PUBLIC_CACHE_CONTROL)
    patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))


def _matches(request, etag):
    tags = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return "*" in tags or etag.removeprefix("W/") in [tag.removeprefix("W/") for tag in tags]


def _not_modified(headers):
    response = HttpResponseNotModified()
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        if name in headers:
            response[name] = headers[name]
    return response


def reading_day():
    """Today in UTC, the day a reader's citation names."""
    return datetime.datetime.now(datetime.UTC).date()


def _variant_digest(request):
    """What changes an anonymous answer: scheme and host (absolute links), path and query, Accept,
    and the day (UTC): a citation names the day it was read ("Retrieved 30 November 2026")."""
    variant = (
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
        reading_day().isoformat(),
    )
    return hashlib.sha256(repr(variant).encode()).hexdigest()


def response_key(version, digest_or_request):
    """Where the whole answer to a request is kept for a version."""
    digest = digest_or_request if isinstance(digest_or_request, str) else _variant_digest(digest_or_request)
    return f"v{version.key}:response:{digest[:40]}"


def _throttled(request):
    """The API's anonymous throttle, counted for an answer from the cache as for a computed one."""
    from django.contrib.auth.models import AnonymousUser

    from tiktok_claims.api.throttling import AnonThrottle

    request.user = AnonymousUser()  # no session cookie, no Authorization: nobody is signed in
    return not AnonThrottle().allow_request(request, None)


def _kept_when_small(chunks, cache_key, status, headers):
    """The chunks, passed on as they come; stored whole at the end if they stayed under the limit.

    The reader gets the first bytes at once, not after the limit's worth was written; an export
    cut short (the reader went away) is never stored.
    """
    kept, size = [], 0
    for chunk in chunks:
        if kept is not None:
            size += len(chunk)
            if size > MAX_STORED_STREAM_BYTES:
                kept = None
            else:
                kept.append(chunk)
        yield chunk
    if kept is not None:
        store(cache_key, (status, headers, b"".join(kept)))


class ResponseCacheMiddleware:
    """Anonymous GETs answered from the shared cache for the current version; 304 to a matching ETag.

    Signed-in users, the admin, writes and anything but a plain 200 are never stored, and what
    they get is marked private. Anonymous means no session cookie and no Authorization header,
    so it sits above the session and authentication middleware, which a hit skips.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _anonymous_read(request):
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie",))
            return response
        try:
            version = read_version()
        except DatabaseError:  # the view meets the outage too, and answers 503
            return self.get_response(request)
        token = _request_version.set(version)
        try:
            return self._answer(request, version)
        finally:
            _request_version.reset(token)

    def _answer(self, request, version):
        digest = _variant_digest(request)
        etag = f'"{version.epoch[:8]}.{version.number}.{digest[:12]}"'
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(version.changed_at.timestamp()),
            "Cache-Control": "public, max-age=60, stale-while-revalidate=300",
            "Vary": "Accept, Authorization, Cookie",
        }
        if _matches(request, etag):
            return _not_modified(headers)
        cache_key = response_key(version, digest)
        stored = cache.get(cache_key)
        api = request.path.startswith("/api/")
        if stored is not None and not (api and _throttled(request)):
            status, stored_headers, content = stored
            if _matches(request, stored_headers.get("ETag", "")):
                return _not_modified({**headers, **stored_headers})
            response = HttpResponse(content, status=status)
            for name, value in stored_headers.items():
                response[name] = value
            response["X-Read-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if not _storable(request, response):
            return response
        _publish(response, etag, version)
        if response.streaming:  # a CSV export: sent as it is written, kept if it ends up small
            response.streaming_content = _kept_when_small(
                response.streaming_content, cache_key, response.status_code, dict(response.items())
            )
            response["X-Read-Cache"] = "miss"
            return response
        store(cache_key, (response.status_code, dict(response.items()), response.content))
        response["X-Read-Cache"] = "miss"
        return response
