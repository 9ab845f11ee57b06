from unittest import mock

import pytest
from django.db import OperationalError, ProgrammingError, connections
from django.urls import reverse

from claims.tests.factories import ClaimFactory


def refuse_connections():
    """Every attempt to (re)connect fails, as when the server is down."""
    return mock.patch.object(
        type(connections["default"]),
        "ensure_connection",
        side_effect=OperationalError(
            "connection to server at 127.0.0.1 port 5432 failed: Connection refused"
        ),
    )


def fail_queries():
    """Every query on the open connection fails, as when the server dies mid-request."""
    return mock.patch.object(
        type(connections["default"]),
        "create_cursor",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    )


@pytest.mark.django_db
def test_page_answers_503_while_the_database_refuses_connections_and_recovers(client):
    """With the database down, a page is a short 503 with Retry-After; it serves again when it is back."""
    claim = ClaimFactory(summary="TikTok stores American data in Virginia.")
    with refuse_connections():
        down = client.get(reverse("claims:claim-list"))
        detail_down = client.get(claim.get_absolute_url())
    assert down.status_code == 503
    assert down["Retry-After"] == "10"
    assert down["Content-Type"].startswith("text/html")
    page = down.content.decode()
    assert "Temporarily unavailable" in page
    assert "try again in a few seconds" in page
    assert "Traceback" not in page and "Connection refused" not in page
    assert detail_down.status_code == 503

    back = client.get(claim.get_absolute_url())
    assert back.status_code == 200
    assert "TikTok stores American data in Virginia." in back.content.decode()


@pytest.mark.django_db
def test_page_answers_503_when_the_connection_dies_mid_request(client):
    """A query failing on a lost connection gives 503, and the next request succeeds."""
    ClaimFactory(summary="The app could be used to collect data.")
    with fail_queries():
        response = client.get(reverse("claims:claim-list"))
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert client.get(reverse("claims:claim-list")).status_code == 200


@pytest.mark.django_db
def test_api_answers_503_in_json_while_the_database_is_down(client):
    """API clients get a JSON 503 with Retry-After, then data again when the database is back."""
    ClaimFactory(summary="ByteDance must divest.")
    with refuse_connections():
        down = client.get("/api/claims/")
    assert down.status_code == 503
    assert down["Content-Type"] == "application/json"
    assert down["Retry-After"] == "10"
    assert down.json() == {
        "detail": "The database is unreachable for a moment. Please try again in a few seconds."
    }
    back = client.get("/api/claims/")
    assert back.status_code == 200
    assert "ByteDance must divest." in back.content.decode()


@pytest.mark.django_db
def test_health_check_follows_the_database(client, django_assert_num_queries):
    """/healthz is one cheap query: ok while the database answers, 503 while it is down, ok again."""
    with django_assert_num_queries(1):
        up = client.get("/healthz")
    assert up.status_code == 200 and up.content == b"ok\n"
    assert "no-cache" in up["Cache-Control"]
    with refuse_connections():
        down = client.get("/healthz")
    assert down.status_code == 503 and down["Retry-After"] == "10"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_admin_answers_503_while_the_database_is_down(client, admin_user):
    """The admin, which reads the session and user from the database, also gets a 503."""
    client.force_login(admin_user)
    with fail_queries():
        response = client.get(reverse("admin:index"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


@pytest.mark.django_db
def test_other_database_errors_are_not_disguised_as_outages(client):
    """A programming error is a real bug: it is not turned into a 503."""
    with mock.patch.object(
        type(connections["default"]),
        "create_cursor",
        side_effect=ProgrammingError('relation "claims_claim" does not exist'),
    ):
        with pytest.raises(ProgrammingError):
            client.get(reverse("claims:claim-list"))
