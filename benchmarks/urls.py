from django.urls import path

from benchmarks.floor import floor_claims
from tiktok_claims.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench/floor/claims/", floor_claims, name="bench-floor-claims"),
    *site_urlpatterns,
]
