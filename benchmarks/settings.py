"""Production settings plus what only the benchmark mounts: the floor view, a query counter, generate_corpus.

Run with DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL set, as in production; or with
DEBUG=1 for `manage.py generate_corpus --settings=benchmarks.settings` (docs/performance.md).
"""

from tiktok_claims.settings import *  # noqa: F403
from tiktok_claims.settings import INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK

# The synthetic corpus generator's command (benchmarks/management/): not part of the site.
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]

ROOT_URLCONF = "benchmarks.urls"

# Outermost, so it counts every query a request makes, sessions and auth included.
MIDDLEWARE = ["benchmarks.query_count.QueryCountMiddleware", *MIDDLEWARE]

# One client address sends thousands of requests: the anonymous throttle would measure itself.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": [], "DEFAULT_THROTTLE_RATES": {}}

# Plain HTTP on the loopback: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False
