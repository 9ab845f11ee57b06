"""Holes an attack run found (issue 12, holes 5 and 6): bounded requests, JSON errors, proxies, loops."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.filters import MAX_VALUES_PER_PARAMETER
from claims.tests.admin_pages import page_text
from claims.tests.factories import ClaimFactory, SpeakerFactory, TopicFactory
from tiktok_claims.middleware import MAX_QUERY_PARAMETERS, MAX_QUERY_STRING_LENGTH

pytestmark = pytest.mark.django_db

FILTER_PAGES = ["/claims/", "/timeline/"]
SMALL_PAGE_BYTES = 100_000


def token_client(*codenames):
    """An API client with a token for a staff user holding these permissions."""
    user = get_user_model().objects.create_user("curator", password="a long test password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def repeated(name, values):
    return "&".join(f"{name}={value}" for value in values)


# Hole 5: one anonymous request cost a second and 2 MB.


@pytest.mark.parametrize("path", FILTER_PAGES)
def test_the_attack_url_with_378_speakers_answers_a_small_page_saying_why(client, path):
    """/claims/?speaker=s0&...&speaker=s377 (2.1 MB before) is a short refusal naming the limit."""
    ClaimFactory()
    response = client.get(f"{path}?{repeated('speaker', (f's{number}' for number in range(378)))}")

    assert response.status_code == 414
    assert len(response.content) < SMALL_PAGE_BYTES
    assert f"the limit is {MAX_QUERY_STRING_LENGTH:,}" in page_text(response)


@pytest.mark.parametrize("path", FILTER_PAGES)
def test_too_many_values_of_one_filter_is_a_message_naming_it_with_no_chips(client, path):
    """21 real speakers: a message naming `speaker` and the limit, no chip per value, a small page."""
    speakers = [SpeakerFactory(slug=f"speaker-with-a-long-slug-number-{number}") for number in range(21)]
    ClaimFactory(speaker=speakers[0])
    response = client.get(f"{path}?{repeated('speaker', (speaker.slug for speaker in speakers))}&q=data")

    text = page_text(response)
    assert response.status_code == 200
    assert f"Speaker ( speaker ): Give at most {MAX_VALUES_PER_PARAMETER} values for speaker" in text
    assert "Remove filter Speaker" not in response.content.decode()
    assert "Remove filter Search: data" in response.content.decode()
    assert len(response.content) < SMALL_PAGE_BYTES


def test_the_api_refuses_too_many_values_of_one_filter_naming_it(client):
    """The API shares the FilterSet: 21 speakers is a 400 naming `speaker`."""
    speakers = [SpeakerFactory() for _ in range(MAX_VALUES_PER_PARAMETER + 1)]
    response = client.get(f"/api/claims/?{repeated('speaker', (speaker.slug for speaker in speakers))}")

    assert response.status_code == 400
    assert "at most 20 values for speaker" in response.json()["speaker"][0]
    allowed = client.get(f"/api/claims/?{repeated('speaker', (s.slug for s in speakers[:20]))}")
    assert allowed.status_code == 200


@pytest.mark.parametrize("path", FILTER_PAGES)
def test_invalid_filter_values_get_no_chip(client, path):
    """A speaker, side, date or yes/no that is not valid has its error and no removable chip."""
    speaker = SpeakerFactory(name="Mike Pompeo", slug="mike-pompeo")
    ClaimFactory(speaker=speaker)
    query = (
        "speaker=nobody-at-all&side=no-such-side&said_from=not-a-date&is_rebutted=maybe"
        "&claim_type=allegation&claim_type=no-such-type"
    )
    body = client.get(f"{path}?{query}").content.decode()

    for label in [
        "Speaker: nobody-at-all",
        "Side: no-such-side",
        "Said from: not-a-date",
        "Is rebutted: maybe",
    ]:
        assert f"Remove filter {label}" not in body
    assert "Remove filter Claim type" not in body  # one invalid value makes the whole filter invalid
    valid = client.get(f"{path}?speaker=mike-pompeo&q=data&q=servers").content.decode()
    assert "Remove filter Speaker: Mike Pompeo" in valid
    assert "Remove filter Search: servers" in valid and "Remove filter Search: data" not in valid


@pytest.mark.parametrize("path", [*FILTER_PAGES, "/api/claims/"])
def test_a_query_string_with_too_many_parameters_is_refused(client, path):
    """More than MAX_QUERY_PARAMETERS parameters is a 400 before any query runs (JSON in the API)."""
    topics = [TopicFactory(slug=f"t{number}") for number in range(4)]
    query = "&".join(f"topic={topics[number % 4].slug}" for number in range(MAX_QUERY_PARAMETERS + 1))
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    message = f"has {MAX_QUERY_PARAMETERS + 1} parameters; the limit is {MAX_QUERY_PARAMETERS}"
    if path.startswith("/api/"):
        assert message in response.json()["detail"]
    else:
        assert message in page_text(response)
    long_query = client.get(f"{path}?q={'x' * MAX_QUERY_STRING_LENGTH}")
    assert long_query.status_code == 414


def test_the_biggest_page_within_the_limits_stays_small(client):
    """Every filter at its value limit, the query string at its length limit: still under 200 KB."""
    speakers = [SpeakerFactory(slug=f"s{number:02}-{'x' * 30}") for number in range(MAX_VALUES_PER_PARAMETER)]
    topics = [TopicFactory(slug=f"t{number:02}-{'x' * 30}") for number in range(MAX_VALUES_PER_PARAMETER)]
    ClaimFactory(speaker=speakers[0])
    query = "&".join(
        [
            repeated("speaker", (speaker.slug for speaker in speakers)),
            repeated("topic", (topic.slug for topic in topics)),
            repeated("claim_type", ["allegation", "denial", "admission", "assessment", "statistic"]),
            repeated("side", ["us_government", "tiktok_bytedance", "independent"]),
            repeated("relation", ["denies", "disputes", "qualifies", "contradicts"]),
        ]
    )
    query += "&q=" + "w" * (MAX_QUERY_STRING_LENGTH - len(query) - 3)
    assert len(query) == MAX_QUERY_STRING_LENGTH and query.count("w") <= 200
    for path in FILTER_PAGES:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert response.content.decode().count("Remove filter") == 53
        assert len(response.content) < 200_000, (path, len(response.content))


# Hole 6: smaller ones.


def test_deeply_nested_json_in_a_write_is_a_400_naming_the_body():
    """100,000 nested arrays were a RecursionError (500); now a JSON 400 saying the body is too deep."""
    speaker = SpeakerFactory(name="Before")
    client = token_client("change_speaker")
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.patch(f"/api/speakers/{speaker.slug}/", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "request body is nested too deeply" in response.json()["detail"]
    speaker.refresh_from_db()
    assert speaker.name == "Before"


def test_a_body_over_the_upload_limit_is_a_json_413_naming_it(settings):
    """A 10 MB write was Django's HTML 400; the API answers JSON naming DATA_UPLOAD_MAX_MEMORY_SIZE."""
    speaker = SpeakerFactory(name="Before")
    client = token_client("change_speaker")
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    response = client.patch(f"/api/speakers/{speaker.slug}/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert f"the limit is {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in detail
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in detail
    speaker.refresh_from_db()
    assert speaker.name == "Before"


def test_an_api_path_with_a_space_redirects_once_then_answers_a_json_404(client):
    """/api/speakers/mike%20pompeo redirected to itself for ever; now one redirect, then a JSON 404."""
    SpeakerFactory(slug="mike-pompeo")
    response = client.get("/api/speakers/mike%20pompeo?format=json")

    assert response.status_code == 301
    assert response["Location"] == "/api/speakers/mike%20pompeo/?format=json"
    followed = client.get(response["Location"])
    assert followed.status_code == 404
    assert followed.json() == {"detail": "No Speaker matches the given query."}
    assert client.get("/api/speakers/mike-pompeo")["Location"] == "/api/speakers/mike-pompeo/"


def test_healthz_answers_plain_http_when_https_redirects_everything_else(client, settings):
    """With HTTPS on, /healthz over HTTP is 200 for a load balancer; other pages still redirect."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/claims/").status_code == 301
