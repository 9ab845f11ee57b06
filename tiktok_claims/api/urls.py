"""URLs under /api/: the resources, the OpenAPI schema and its docs; anything else is a JSON 404."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.routers import APIRootView, DefaultRouter

from claims.api.changes import ChangesView
from claims.api.selection import QuoteFromSelectionView
from claims.api.versions import ClaimVersionsView
from claims.api.viewsets import ClaimViewSet, QuoteViewSet, RebuttalViewSet, SpeakerViewSet, TopicViewSet
from sources.api import ArticleViewSet, OutletViewSet
from tiktok_claims.api.errors import api_not_found
from tiktok_claims.api.renderers import JSONRenderer
from tiktok_claims.api.views import ApiViewMixin

app_name = "api"


class ApiRoot(ApiViewMixin, APIRootView):
    """The list of resources: JSON or the browsable page (a CSV of it was a 500; now a 400)."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]


router = DefaultRouter()
router.APIRootView = ApiRoot
router.register("outlets", OutletViewSet, basename="outlet")
router.register("articles", ArticleViewSet, basename="article")
router.register("speakers", SpeakerViewSet, basename="speaker")
router.register("claims", ClaimViewSet, basename="claim")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("rebuttals", RebuttalViewSet, basename="rebuttal")
router.register("topics", TopicViewSet, basename="topic")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads Swagger UI's set-up script as a separate request, so it runs under a
    # Content-Security-Policy without inline scripts; its assets come from drf-spectacular-sidecar.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    path("changes/", ChangesView.as_view(), name="changes"),
    path("claims/<int:pk>/versions/", ClaimVersionsView.as_view(), name="claim-versions"),
    path("quotes/from-selection/", QuoteFromSelectionView.as_view(), name="quote-from-selection"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", api_not_found, name="api-not-found"),
]
