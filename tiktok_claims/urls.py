from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache

from claims import views as claim_views


@never_cache
def health(request):
    """For load balancers: 200 while this worker reaches the database (one `SELECT 1`), else 503.

    Not the home page: its figures, cached for 5 minutes, cost seconds to recompute at a million
    claims, and a health check must stay cheap. The 503 comes from DatabaseUnavailableMiddleware.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [
    path("", claim_views.home, name="home"),
    path("healthz", health, name="health"),
    path("", include("claims.urls")),
    path("", include("sources.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("tiktok_claims.api.urls")),
]
