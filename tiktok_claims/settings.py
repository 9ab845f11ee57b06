"""Settings for tiktok_claims, read from the environment.

Development needs nothing set: SQLite in the project folder and DEBUG off unless DEBUG=1.
Production sets DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS; a missing one stops start-up.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    """Read a yes/no environment variable, refusing anything ambiguous."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value (use 1 or 0).")


DEBUG = env_flag("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for development."
        )
    # Only ever used with DEBUG on: development and the test suite.
    SECRET_KEY = "development-only-secret-key-never-used-in-production"

ALLOWED_HOSTS = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Give a comma-separated list, e.g. ALLOWED_HOSTS=claims.example.org."
        )
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "sources",
    "claims",
    # The corpus version behind the read cache (tiktok_claims/readcache.py).
    "tiktok_claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files with far-future caching; right after SecurityMiddleware.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous GETs answered from the shared cache for the current corpus version; above the
    # rest, so a hit skips them (the stored answer already carries their headers).
    "tiktok_claims.readcache.ResponseCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses an overlong query string before any view runs (after CSP, so the refusal has it).
    "tiktok_claims.middleware.QueryStringLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records which user made each change in the history tables.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Locks out admin logins after repeated failures; django-axes wants to be last but one.
    "axes.middleware.AxesMiddleware",
    # Last, so its process_exception runs first: a database outage answers 503, not 500.
    "tiktok_claims.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "tiktok_claims.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tiktok_claims.wsgi.application"

# DATABASE_URL unset means the embedded default: a SQLite file beside manage.py (git ignores it).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast (then 503) instead of holding every worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
    )
# A writer waits this long for another's lock, then hears 409 (a conflict), not 503 (an outage).
DATABASE_LOCK_TIMEOUT = float(os.environ.get("DATABASE_LOCK_TIMEOUT", "5"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", f"-c lock_timeout={DATABASE_LOCK_TIMEOUT * 1000:.0f}"
    )
# WAL: readers never wait for the writer. IMMEDIATE: a transaction takes the write lock when it
# begins, so writers queue (up to the timeout) instead of failing with "database is locked".
SQLITE_DATABASE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": DATABASE_LOCK_TIMEOUT,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_DATABASE_OPTIONS)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# The shared cache behind the read cache, the API throttle and nothing per process: Redis when
# REDIS_URL is set (several servers); otherwise files every worker of this machine shares, so
# `make run` and `make serve` need no server. Entries sit under the corpus version and never go
# stale: no expiry (superseded versions' files are culled past MAX_ENTRIES, checked every 100
# sets per thread by tiktok_claims/filecache.py; give Redis a maxmemory with allkeys-lru). docs/scaling.md
# says why files rather than the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": None,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "tiktok_claims.filecache.UncompressedFileCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache" / "readcache")),
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# After each write a background thread computes the busiest pages' figures (READ_CACHE_WARM=0: off).
READ_CACHE_WARM = env_flag("READ_CACHE_WARM", default=True)
# Figures a reader should not wait for (a cold facet block) are computed in a background thread
# after the answer; READ_CACHE_BACKGROUND=0 computes them at once, in the request (the suite).
READ_CACHE_BACKGROUND = env_flag("READ_CACHE_BACKGROUND", default=True)

# The REST API: anyone reads, writes need the model permission; anonymous requests are throttled.
# The throttle counts in the shared cache: one limit across workers and servers.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": ["tiktok_claims.api.throttling.AnonThrottle"],
    # API_ANON_THROTTLE_RATE=off lifts it (load tests from one address).
    "DEFAULT_THROTTLE_RATES": {
        "anon": None if (rate := os.environ.get("API_ANON_THROTTLE_RATE", "120/minute")) == "off" else rate
    },
    # Proxies in a row in front of the app, each appending to X-Forwarded-For (0 means 1 when
    # BEHIND_PROXY): see tiktok_claims.middleware.client_ip_address.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers, the JSON one answering a 400 (not a 500) to JSON nested too deeply.
    "DEFAULT_PARSER_CLASSES": [
        "tiktok_claims.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "tiktok_claims.api.pagination.PageNumberPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "tiktok_claims.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "tiktok_claims.api.csv_export.CSVRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tiktok_claims.api.errors.json_exception_handler",
}

# A CSV export over this many rows is refused (400 naming `format`) rather than cut short.
API_CSV_MAX_ROWS = int(os.environ.get("API_CSV_MAX_ROWS", "100000"))

# /api/changes/ lists a change only once it is this many seconds old (docs/versions.md): longer
# than a write can take between saving a row and committing (SQLite's lock wait included).
CHANGES_SETTLE_SECONDS = int(os.environ.get("CHANGES_SETTLE_SECONDS", "10"))

# Importing a web page (sources/importing.py): bounds on a fetch, and loopback/private addresses
# refused unless allowed (tests serve pages from 127.0.0.1; never allow it in production).
IMPORT_FETCH_TIMEOUT_SECONDS = float(os.environ.get("IMPORT_FETCH_TIMEOUT_SECONDS", "10"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
IMPORT_ALLOW_PRIVATE_ADDRESSES = env_flag("IMPORT_ALLOW_PRIVATE_ADDRESSES")

SPECTACULAR_SETTINGS = {
    "TITLE": "TikTok data claims API",
    "DESCRIPTION": (
        "Who said what, when, about whether TikTok hands US users' data to the Chinese state; "
        "who rebutted whom; each claim anchored to the exact words of its source article. "
        "Anyone reads; writes need a token or session with the model permission.\n\n"
        "Versions and changes: every claim has `version` and `modified`, and its versions (what "
        "changed, old -> new, and correction notes) at `/api/claims/{id}/versions/`, e.g. "
        "`/api/claims/12/versions/`; a write marks itself a correction with `correction_note`. "
        "`/api/changes/` lists every create, change and delete, oldest first: follow `next` from "
        "`/api/changes/` until a page is empty to hold an exact mirror. Atom feeds of the same: "
        "`/claims/feed/` (takes the claim filters, e.g. `/claims/feed/?speaker=mike-pompeo`) and "
        "`/corrections/feed/`.\n\n"
        "Citations: one claim or a whole filtered list for reference managers, with `format=csljson`, "
        "`bibtex` or `ris`, e.g. `/api/claims/?speaker=mike-pompeo&format=bibtex`.\n\n"
        "Dates: `said` is the date in Library of Congress EDTF to its known precision (`2020-08-12`, "
        "`2020-08`, `2020`, or a range: `../2020-08-13` for a statement known only to have been made "
        "by that day). `said_from` and `said_to` take a year, a month or a day and mean the whole "
        "period: `/api/claims/?said_from=2022-06` lists claims from 1 June 2022 on.\n\n"
        "The whole public dataset (CSVs with a Frictionless datapackage.json, and a SQLite file with "
        "full-text search for Datasette) is written by `manage.py export_dataset DIR`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "sources.dates.DatePrecision"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The citation formats join `format` first, so that describe_operations describes them all.
        "claims.api.citations.describe_citation_formats",
        "tiktok_claims.api.schema.describe_operations",
    ],
}

# --- Production: static files, HTTPS, headers, login throttling, logging ---------------------

# Hashed, compressed static files served by whitenoise; `make serve` runs collectstatic first.
# Development and the suite use plain storage so no collectstatic is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS=1 when the site is served over HTTPS (directly or behind a TLS-terminating proxy):
# redirect plain HTTP, send HSTS and mark cookies Secure. Off by default so `make serve` on
# 127.0.0.1 works over plain HTTP.
HTTPS = env_flag("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's plain-HTTP health check must see 200 or 503, not a redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("HSTS_PRELOAD")
# BEHIND_PROXY=1 trusts the proxy's X-Forwarded-Proto to say the request came over HTTPS.
# Only set it when a proxy you run strips that header from clients' requests.
BEHIND_PROXY = env_flag("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy's addresses (networks, or *), the list gunicorn is given too: X-Forwarded-For names
# the client only on a request from one of them, so a client reaching the app server directly
# cannot pick its own address for the login lockout or the API throttle.
PROXY_ADDRESSES = [
    address.strip()
    for address in os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")
    if address.strip()
]
for address in PROXY_ADDRESSES:
    try:
        if address != "*":
            ipaddress.ip_network(address)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS: {address!r} is not an address or network (e.g. 10.0.0.0/8)."
        ) from error
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # security.W021 asks for HSTS preloading. Preloading puts the domain into browsers' built-in
    # lists, which takes months to undo, so it is an operator's decision: HSTS_PRELOAD=1.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    # security.W005: HSTS_INCLUDE_SUBDOMAINS=0 is a deliberate choice for a host sharing its
    # parent domain with sites that are not (yet) on HTTPS.
    SILENCED_SYSTEM_CHECKS.append("security.W005")

# Content-Security-Policy (django-csp 4): every asset from this site, nothing inline.
# No 'unsafe-inline' for scripts or styles: JSON-LD and JSON data blocks are not executed, so
# they need no allowance; pages put their JavaScript and CSS in files under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # One fixed <style> block of a third-party page, allowed by hash (that exact text only):
        # DRF's browsable API (its Pygments code colours).
        "style-src": ["'self'", "'sha256-1kn+agGaGZdaFPNbx228buXQB9KXcy9RVE6NMUiW4SQ='"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# django-axes (its backend first, its middleware in MIDDLEWARE): after AXES_FAILURE_LIMIT failed
# logins for one username from one address, that pair is locked out for AXES_COOLOFF_HOURS; the
# lockout page says so (templates/axes_lockout.html).
AUTHENTICATION_BACKENDS = [
    "tiktok_claims.authentication.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
# Username and address together: one attacker cannot lock a curator out from everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"
# Failed logins are counted in the database, which every worker and server shares.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Behind a proxy every request comes from the proxy's address: read the client's address from
# the X-Forwarded-For entry the proxy itself appended (NUM_PROXIES from the right), and only on a
# request from PROXY_ADDRESSES. The API's anonymous throttle reads the same address.
AXES_CLIENT_IP_CALLABLE = "tiktok_claims.middleware.client_ip_address"

# Logs go to standard error (gunicorn passes them on); LOG_LEVEL=DEBUG for more.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
    },
}
