"""Holes an attack run found (issue 12, holes 5 and 6): bounded requests, JSON errors, proxies, loops."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Speaker
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory, SpeakerFactory, TopicFactory
from tiktok_claims import settings as project_settings
from tiktok_claims.filter_forms import MAX_VALUES_PER_PARAMETER
from tiktok_claims.middleware import MAX_QUERY_PARAMETERS, MAX_QUERY_STRING_LENGTH, client_ip_address

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


def failed_login(client, username, **headers):
    return client.post(
        reverse("admin:login"), {"username": username, "password": "wrong-password"}, **headers
    )


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_behind_the_proxy_the_lockout_reads_the_address_the_proxy_appended(client, settings):
    """Rotating the X-Forwarded-For entries a client sends through the proxy does not escape the lockout."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.BEHIND_PROXY = True
    get_user_model().objects.create_user("curator", password="right-password-123", is_staff=True)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = failed_login(
            client, "curator", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.{attempt}, 203.0.113.7"
        )
    assert response.status_code == 429
    other_client = failed_login(
        client, "curator", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert other_client.status_code == 200


def test_a_client_reaching_the_app_server_directly_cannot_name_its_own_address(client, settings):
    """X-Forwarded-For counts only on requests from the proxy: a direct client rotating it is locked out."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.BEHIND_PROXY = True
    get_user_model().objects.create_user("curator", password="right-password-123", is_staff=True)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = failed_login(
            client, "curator", REMOTE_ADDR="203.0.113.99", HTTP_X_FORWARDED_FOR=f"10.9.9.{attempt}"
        )
    assert response.status_code == 429


def test_behind_the_proxy_the_api_throttle_counts_each_client_not_the_proxy(client, settings):
    """Two clients behind one proxy each get their own anonymous allowance, as the lockout counts them."""
    settings.BEHIND_PROXY = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    first = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert [client.get("/api/topics/", **first).status_code for _ in range(3)] == [200, 200, 429]
    second = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert client.get("/api/topics/", **second).status_code == 200
    spoofed = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.30, 203.0.113.7"}
    assert client.get("/api/topics/", **spoofed).status_code == 429


def test_the_client_address_is_the_entry_the_proxies_appended_and_only_from_a_proxy(rf, settings):
    """NUM_PROXIES proxies in a row: the client is that many entries from the right; others are ignored."""
    settings.BEHIND_PROXY = True
    settings.PROXY_ADDRESSES = ["10.0.0.0/8"]
    forwarded = "192.0.2.1, 203.0.113.7, 10.0.0.9"
    from_proxy = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_address(from_proxy) == "10.0.0.9"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert client_ip_address(from_proxy) == "203.0.113.7"
    direct = rf.get("/", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_address(direct) == "198.51.100.5"
    settings.BEHIND_PROXY = False
    assert client_ip_address(from_proxy) == "10.1.2.3"


def serve_command(tmp_path, **environment):
    """The gunicorn command line scripts/serve ends with, its set-up steps stubbed out."""
    (tmp_path / "scripts").mkdir(parents=True)
    shutil.copy(project_settings.BASE_DIR / "scripts" / "serve", tmp_path / "scripts" / "serve")
    bin_folder = tmp_path / ".venv" / "bin"
    bin_folder.mkdir(parents=True)
    (bin_folder / "python").write_text("#!/bin/sh\nexit 0\n")
    (bin_folder / "gunicorn").write_text(
        '#!/bin/sh\nfor argument in "$@"; do printf "%s\\n" "$argument"; done\n'
    )
    for stub in bin_folder.iterdir():
        stub.chmod(0o755)
    result = subprocess.run(
        [str(tmp_path / "scripts" / "serve")],
        env={"PATH": os.environ["PATH"], "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "127.0.0.1", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split("\n")[:-1]


def forwarded_allow_ips(arguments):
    return arguments[arguments.index("--forwarded-allow-ips") + 1]


def test_serve_trusts_forwarded_headers_only_behind_a_proxy(tmp_path):
    """scripts/serve gives gunicorn no trusted proxy unless BEHIND_PROXY is set."""
    assert forwarded_allow_ips(serve_command(tmp_path / "plain")) == ""
    assert forwarded_allow_ips(serve_command(tmp_path / "proxy", BEHIND_PROXY="1")) == "127.0.0.1,::1"
    chosen = serve_command(tmp_path / "chosen", BEHIND_PROXY="yes", FORWARDED_ALLOW_IPS="10.0.0.5")
    assert forwarded_allow_ips(chosen) == "10.0.0.5"


def free_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_as_served_ignores_x_forwarded_proto_from_a_local_client(tmp_path):
    """Without BEHIND_PROXY, a local client saying X-Forwarded-Proto: https is still redirected to HTTPS."""
    arguments = serve_command(tmp_path)
    port = free_port()
    arguments[arguments.index("--bind") + 1] = f"127.0.0.1:{port}"
    arguments[arguments.index("--workers") + 1] = "1"
    environment = {
        "PATH": os.environ["PATH"],
        "DEBUG": "1",
        "HTTPS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, *arguments],
        cwd=project_settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/no-such-page/", headers={"X-Forwarded-Proto": "https"}
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                status = opener.open(request, timeout=5).status
            except urllib.error.HTTPError as error:
                status = error.code
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
                continue
            break
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert status == 301


# Speaker affiliation loops.


def test_an_affiliation_loop_is_refused_by_the_model():
    """A -> B -> A and A -> A are refused, naming the affiliation and the loop."""
    first = SpeakerFactory(name="Agency")
    second = SpeakerFactory(name="Ministry", affiliation=first)
    first.affiliation = second
    with pytest.raises(ValidationError) as error:
        first.full_clean()
    assert error.value.message_dict["affiliation"] == [
        "This affiliation makes a loop: Agency -> Ministry -> Agency."
    ]
    second.affiliation = second
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "affiliation" in error.value.message_dict
    third = SpeakerFactory(name="Department", affiliation=second)
    first.affiliation = third
    with pytest.raises(ValidationError) as error:
        first.full_clean()
    assert "Agency -> Department -> Ministry -> Agency" in error.value.message_dict["affiliation"][0]


def test_the_admin_refuses_an_affiliation_loop_with_a_form_error(client):
    """Saving A affiliated with B, where B is affiliated with A, shows an error on the affiliation."""
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "unused"))
    first = SpeakerFactory(name="Agency")
    second = SpeakerFactory(name="Ministry", affiliation=first)
    url = reverse("admin:claims_speaker_change", args=[first.pk])
    data = form_data(client.get(url))
    data["affiliation"] = str(second.pk)
    response = client.post(url, data)

    assert response.status_code == 200
    assert "This affiliation makes a loop: Agency -> Ministry -> Agency." in page_text(response)
    first.refresh_from_db()
    assert first.affiliation is None


def test_the_api_refuses_an_affiliation_loop_naming_affiliation():
    """PATCHing A's affiliation to B (B -> A), or to A itself, is a 400 naming `affiliation`."""
    first = SpeakerFactory(name="Agency", slug="agency")
    SpeakerFactory(name="Ministry", slug="ministry", affiliation=first)
    client = token_client("change_speaker")
    loop = client.patch("/api/speakers/agency/", {"affiliation": "/api/speakers/ministry/"}, format="json")
    itself = client.patch("/api/speakers/agency/", {"affiliation": "/api/speakers/agency/"}, format="json")

    assert loop.status_code == 400
    assert loop.json()["affiliation"] == ["This affiliation makes a loop: Agency -> Ministry -> Agency."]
    assert itself.status_code == 400 and "affiliation" in itself.json()
    assert Speaker.objects.get(slug="agency").affiliation is None
