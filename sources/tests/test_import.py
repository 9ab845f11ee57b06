import hashlib
import http.server
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from claims.tests.admin_pages import page_text
from sources import importing
from sources.models import Article, ArticleSnapshot
from sources.tests.factories import OutletFactory

pytestmark = pytest.mark.django_db

PAGE = Path(__file__).parent / "pages" / "tiktok-data-denial.html"
PAGE_BYTES = PAGE.read_bytes()
HEADLINE = "TikTok denies sharing user data with Beijing as U.S. weighs ban"
CANONICAL = "https://ledger.example.com/technology/2020/07/07/tiktok-denies-sharing-user-data"
DENIAL = "We have never provided user data to the Chinese government, nor would we do so if asked."


class PageHandler(http.server.BaseHTTPRequestHandler):
    """The saved page, and the variants an import must refuse."""

    def do_GET(self):
        if self.path == "/slow.html":
            time.sleep(2)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        body, content_type = {
            "/article.html": (PAGE_BYTES, "text/html; charset=utf-8"),
            "/slow.html": (PAGE_BYTES, "text/html"),
            "/huge.html": (b"<p>" + b"words " * 400_000 + b"</p>", "text/html"),
            "/huge-odd-length.html": (b"<p>" + b"words " * 400_000 + b"</p>", "text/html"),
            "/data.json": (b'{"text": "not a page"}', "application/json"),
            "/empty.html": (
                b"<html><head><title>App</title></head><body><script>app()</script></body></html>",
                "text/html",
            ),
        }.get(self.path, (b"", ""))
        if not content_type:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if self.path == "/huge-odd-length.html":  # a size str.isdigit() takes and int() refuses
            self.send_header("Content-Length", "\N{SUPERSCRIPT TWO}")
        elif self.path != "/huge.html":  # the huge page does not say its size: the reader must count
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def page_server():
    """A local HTTP server on 127.0.0.1 only, on a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_fetches(settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = True
    settings.IMPORT_FETCH_TIMEOUT_SECONDS = 1
    settings.IMPORT_MAX_BYTES = 200_000
    return settings


def test_command_imports_a_saved_page_with_its_metadata_and_a_snapshot():
    """--from-html: text and metadata extracted; the file's bytes kept with their hash."""
    OutletFactory(slug="ledger")

    call_command("import_article", "--from-html", str(PAGE), "--outlet", "ledger")

    article = Article.objects.get()
    assert article.headline == HEADLINE
    assert str(article.published_on) == "2020-07-07"
    assert article.byline == "Jane Marlowe"
    assert article.url == CANONICAL
    assert DENIAL in article.text
    assert "cookies" not in article.text and "All rights reserved" not in article.text
    snapshot = article.snapshots.get()
    assert bytes(snapshot.html) == PAGE_BYTES
    assert snapshot.sha256 == hashlib.sha256(PAGE_BYTES).hexdigest()
    assert snapshot.file_name == PAGE.name


def test_command_fetches_a_page_by_url(page_server, local_fetches):
    """--fetch: the page is fetched (redirect followed), extracted, and stored with its URL."""
    OutletFactory(slug="ledger")

    call_command(
        "import_article", "--fetch", f"{page_server}/redirect", "--outlet", "ledger", "--slug", "fetched"
    )

    article = Article.objects.get(slug="fetched")
    snapshot = article.snapshots.get()
    assert snapshot.source_url == f"{page_server}/article.html"
    assert snapshot.content_type == "text/html"
    assert snapshot.encoding == "utf-8"
    assert bytes(snapshot.html) == PAGE_BYTES
    assert DENIAL in article.text


def test_command_still_imports_a_plain_text_file(tmp_path):
    """The plain-text path is unchanged; it needs a headline and a date."""
    OutletFactory(slug="ledger")
    path = tmp_path / "text.txt"
    path.write_text("Plain words.\n")

    with pytest.raises(CommandError, match="--headline is required"):
        call_command("import_article", str(path), "--outlet", "ledger", "--published", "2020-01-01")
    call_command(
        "import_article", str(path), "--outlet", "ledger", "--headline", "Plain", "--published", "2020-01-01"
    )

    assert Article.objects.get().text == "Plain words.\n"
    assert not ArticleSnapshot.objects.exists()


@pytest.mark.parametrize(
    "path, problem",
    [
        ("/slow.html", "Timed out"),
        ("/huge.html", "Too big"),
        ("/huge-odd-length.html", "Too big"),
        ("/data.json", "Not HTML: the server sent application/json"),
        ("/missing.html", "answered 404"),
    ],
)
def test_fetch_names_the_problem(page_server, local_fetches, path, problem):
    """A slow, huge, non-HTML or missing page is refused with the reason."""
    with pytest.raises(importing.ImportRefused, match=problem):
        importing.fetch(page_server + path)


def test_a_page_without_article_text_is_nothing_extractable(page_server, local_fetches):
    """A page with no main text is refused as nothing extractable, and the command saves nothing."""
    OutletFactory(slug="ledger")

    with pytest.raises(CommandError, match="Nothing extractable"):
        call_command("import_article", "--fetch", f"{page_server}/empty.html", "--outlet", "ledger")

    assert not Article.objects.exists() and not ArticleSnapshot.objects.exists()


def test_loopback_is_refused_when_private_addresses_are_not_allowed(page_server, settings):
    """With the production setting, a loopback URL is refused before any connection."""
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(importing.ImportRefused, match="Address refused: 127.0.0.1 resolves to 127.0.0.1"):
        importing.fetch(f"{page_server}/article.html")
    with pytest.raises(importing.ImportRefused, match="Address refused"):
        importing.fetch(page_server.replace("127.0.0.1", "localhost") + "/article.html")


@pytest.mark.parametrize(
    "host",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(settings, host):
    """Private, link-local, unspecified and IPv4-mapped loopback addresses are refused."""
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(importing.ImportRefused, match="Address refused"):
        importing.refuse_private_address(host, 80)


def test_only_web_addresses_are_fetched(settings):
    """file:, ftp: and the like are refused by name."""
    with pytest.raises(importing.ImportRefused, match="Not a web address"):
        importing.fetch("file:///etc/passwd")


@pytest.fixture
def curator_client(client, django_user_model):
    user = django_user_model.objects.create_user("carla", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    return client


def test_admin_import_extracts_then_saves_the_corrected_text(curator_client):
    """Upload -> the extracted text shown for review -> the corrected text saved with the snapshot."""
    outlet = OutletFactory(slug="ledger")
    url = reverse("admin:sources_article_import")
    assert "Import from a web page" in page_text(
        curator_client.get(reverse("admin:sources_article_changelist"))
    )

    review = curator_client.post(
        url, {"step": "extract", "html_file": SimpleUploadedFile(PAGE.name, PAGE_BYTES, "text/html")}
    )

    shown = review.content.decode()
    assert "Review the extracted article" in shown
    assert HEADLINE in shown and "We have never provided user data" in shown
    assert not Article.objects.exists()
    snapshot = ArticleSnapshot.objects.get()
    extracted = review.context["review_form"].initial
    corrected = extracted["text"].replace("Technology\n\n", "", 1).replace("\n", "\r\n")

    response = curator_client.post(
        url,
        {
            **extracted,
            "step": "save",
            "outlet": outlet.pk,
            "published_on": "2020-07-07",
            "text": corrected,
        },
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sources_article_change", args=[article.pk])
    assert article.text.startswith(HEADLINE + "\n\nWASHINGTON")
    assert "\r" not in article.text
    assert article.snapshots.get() == snapshot
    assert article.history.first().history_user.username == "carla"


def test_admin_import_shows_a_fetch_error_on_the_form(curator_client, settings):
    """A refused URL is a form error naming the problem, not a 500."""
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False

    response = curator_client.post(
        reverse("admin:sources_article_import"), {"step": "extract", "url": "http://127.0.0.1:9/page"}
    )

    assert response.status_code == 200
    assert "Address refused" in response.content.decode()
    assert not ArticleSnapshot.objects.exists()


def test_admin_import_needs_add_permission(client, django_user_model):
    """A reviewer (view only) cannot import."""
    user = django_user_model.objects.create_user("rita", is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    client.force_login(user)

    assert client.get(reverse("admin:sources_article_import")).status_code == 403


def test_snapshot_is_linked_from_the_article_page_and_served_as_sandboxed_text(client):
    """The stored page is served byte for byte as text/plain under a sandbox CSP."""
    OutletFactory(slug="ledger")
    call_command("import_article", "--from-html", str(PAGE), "--outlet", "ledger")
    article = Article.objects.get()
    snapshot = article.snapshots.get()
    snapshot_url = reverse("sources:article-snapshot", args=[article.slug, snapshot.pk])

    assert snapshot_url in client.get(article.get_absolute_url()).content.decode()
    response = client.get(snapshot_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PAGE_BYTES


def test_curators_can_view_stored_pages_in_the_admin(curator_client):
    """A curator sees the snapshot list but cannot edit a snapshot."""
    OutletFactory(slug="ledger")
    call_command("import_article", "--from-html", str(PAGE), "--outlet", "ledger")
    snapshot = ArticleSnapshot.objects.get()

    listed = curator_client.get(reverse("admin:sources_articlesnapshot_changelist"))
    shown = curator_client.get(reverse("admin:sources_articlesnapshot_change", args=[snapshot.pk]))

    assert listed.status_code == 200 and snapshot.sha256 in listed.content.decode()
    assert "the page as stored" in shown.content.decode()
    assert 'name="_save"' not in shown.content.decode()


def test_admin_import_review_refuses_an_unknown_or_used_snapshot(curator_client):
    """A review posted with a snapshot id that is huge, unknown or already saved is a form error."""
    outlet = OutletFactory(slug="ledger")
    fields = {"step": "save", "headline": "H", "slug": "h", "outlet": outlet.pk, "text": "Words."}
    fields.update(published_on="2020-07-07", published_on_precision="day")

    for snapshot in ["99999999999999999999", "12345"]:
        response = curator_client.post(
            reverse("admin:sources_article_import"), {**fields, "snapshot": snapshot}
        )
        assert response.status_code == 200
        assert not Article.objects.exists()
