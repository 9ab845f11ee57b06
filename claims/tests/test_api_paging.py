import pytest
from django.core.cache import cache

from claims.tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_caps(monkeypatch):
    """Paging stops after 4 rows and counts from 4 are cached, so a few claims show both."""
    from django.urls import reverse

    reverse("api:claim-list")  # loads the API the way a request does: DRF's views, then our renderers
    from tiktok_claims import api

    monkeypatch.setattr(api, "MAX_PAGED_ROWS", 4)
    cache.clear()
    yield
    cache.clear()


def test_pages_stop_at_the_row_cap_with_a_message(client, small_caps):
    """A page starting past the cap is a JSON 404 saying how to get the rest."""
    ClaimFactory.create_batch(6)
    assert client.get("/api/claims/?page_size=2&page=2").status_code == 200
    response = client.get("/api/claims/?page_size=2&page=3")
    assert response.status_code == 404
    assert "pages stop at row 4" in response.json()["detail"]


def test_a_big_count_is_reused_a_small_one_is_recounted(client, small_caps):
    """Counts at or over the cap come from the cache; smaller ones are always fresh."""
    ClaimFactory.create_batch(3)
    assert client.get("/api/claims/").json()["count"] == 3
    ClaimFactory()
    assert client.get("/api/claims/").json()["count"] == 4
    ClaimFactory()
    assert client.get("/api/claims/").json()["count"] == 4  # cached for COUNT_CACHE_SECONDS
    assert client.get("/api/claims/?page_size=5").json()["count"] == 4
