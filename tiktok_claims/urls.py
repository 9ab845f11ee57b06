from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("", include("claims.urls")),
    path("", include("sources.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("tiktok_claims.api_urls")),
]
