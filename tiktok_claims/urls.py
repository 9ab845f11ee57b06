from django.contrib import admin
from django.urls import include, path

from claims import views as claim_views

urlpatterns = [
    path("", claim_views.home, name="home"),
    path("", include("claims.urls")),
    path("", include("sources.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("tiktok_claims.api_urls")),
]
