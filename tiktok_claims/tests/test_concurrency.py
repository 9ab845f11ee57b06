"""Writes lose no edit: concurrent writers both survive or one is told; a lock is a conflict, no outage."""

import contextlib
import sqlite3
import threading
import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import OperationalError, connection, connections, transaction
from django.db.models.signals import pre_save
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.api.serializers import ClaimSerializer
from claims.forms import VersionedForm
from claims.models import Claim
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory
from tiktok_claims.middleware import DatabaseUnavailableMiddleware
from tiktok_claims.versioning import VersionConflict, is_write_conflict

POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Races need writers on several connections that wait for each other's row locks.
race = pytest.mark.skipif(
    not POSTGRESQL,
    reason="a race needs several connections waiting on row locks: the suite's SQLite database is in "
    "memory with a shared cache, where a second writer fails at once instead of waiting (the SQLite "
    "tests below pin what a locked write answers, and how writers queue on a SQLite file)",
)
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# How long a paused writer waits for the other one; it goes on alone when the other is locked out.
PAUSE_SECONDS = 1.5


def run_together(*writers):
    """Run each writer in its own thread (its own database connection); their results in order."""
    results, errors = [None] * len(writers), []

    def run(index, writer):
        try:
            results[index] = writer()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def pause(event_or_barrier):
    """Wait for the other writer, at most PAUSE_SECONDS: a writer kept out by a lock never arrives."""
    with contextlib.suppress(threading.BrokenBarrierError):
        event_or_barrier.wait(timeout=PAUSE_SECONDS)


def api_writer(*codenames):
    user = User.objects.create_user(f"writer-{User.objects.count()}", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["change_claim", *codenames]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def admin_writer():
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "unused"))
    return client


def after_patch_has_read(hook):
    """Call hook once a PATCH has read its claim and validated the change, before it saves."""
    validate = ClaimSerializer.validate

    def validate_then_hook(serializer, attrs):
        attrs = validate(serializer, attrs)
        hook()
        return attrs

    return mock.patch.object(ClaimSerializer, "validate", validate_then_hook)


def after_admin_form_has_checked(hook):
    """Call hook once the admin's claim form has checked the version it was opened at."""
    clean = VersionedForm.clean

    def clean_then_hook(form):
        cleaned_data = clean(form)
        if isinstance(form.instance, Claim):
            hook()
        return cleaned_data

    return mock.patch.object(VersionedForm, "clean", clean_then_hook)


@contextlib.contextmanager
def before_each_claim_save(hook):
    """Call hook just before a claim's row is written."""

    def receiver(**kwargs):
        hook()

    pre_save.connect(receiver, sender=Claim, dispatch_uid="test_concurrency_before_save")
    try:
        yield
    finally:
        pre_save.disconnect(sender=Claim, dispatch_uid="test_concurrency_before_save")


def patching(client, claim, change, **headers):
    return lambda: client.patch(f"/api/claims/{claim.pk}/", change, format="json", **headers)


@race
@committed
def test_two_concurrent_patches_of_different_fields_both_survive():
    """Two PATCHes without If-Match that both read the claim before either saved: both changes stay."""
    claim = ClaimFactory(summary="As read.", venue="As read.")
    client = api_writer()
    both_read = threading.Barrier(2)

    with after_patch_has_read(lambda: pause(both_read)):
        first, second = run_together(
            patching(client, claim, {"summary": "Summary from the first writer."}),
            patching(client, claim, {"venue": "Venue from the second writer."}),
        )

    assert (first.status_code, second.status_code) == (200, 200)
    claim.refresh_from_db()
    assert (claim.summary, claim.venue) == ("Summary from the first writer.", "Venue from the second writer.")
    assert claim.version == 3


@race
@committed
@pytest.mark.parametrize("first", ["patch reads", "admin checks"])
def test_an_admin_save_racing_an_api_patch_is_never_silently_reverted(first):
    """A curator's save and a PATCH of another field at once: both stay, or the curator is told."""
    claim = ClaimFactory(summary="As read.", venue="As read.")
    api, admin = api_writer(), admin_writer()
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = {**form_data(admin.get(change_url)), "summary": "Summary from the curator."}
    patch_has_read, admin_has_checked, admin_has_saved = (threading.Event() for _ in range(3))

    def admin_save():
        if first == "patch reads":
            patch_has_read.wait(timeout=10)
        response = admin.post(change_url, data)
        admin_has_saved.set()
        return response

    def api_patch():
        if first == "admin checks":
            admin_has_checked.wait(timeout=10)
        return api.patch(f"/api/claims/{claim.pk}/", {"venue": "Venue from the API."}, format="json")

    def on_patch_read():
        patch_has_read.set()
        if first == "patch reads":
            pause(admin_has_saved)

    def on_admin_check():
        admin_has_checked.set()
        if first == "admin checks":
            pause(patch_has_read)

    with after_patch_has_read(on_patch_read), after_admin_form_has_checked(on_admin_check):
        saved, patched = run_together(admin_save, api_patch)

    assert patched.status_code == 200
    claim.refresh_from_db()
    assert claim.venue == "Venue from the API."
    if saved.status_code == 302:
        assert claim.summary == "Summary from the curator."
    else:
        assert "Your changes were not saved." in page_text(saved)
        assert claim.summary == "As read."
    assert sorted(claim.history.values_list("version", flat=True)) == list(range(1, claim.version + 1))


def race_two_patches(claim, client):
    """Two PATCHes of different fields, each reaching its save before the other has committed."""
    both_saving = threading.Barrier(2)
    with before_each_claim_save(lambda: pause(both_saving)):
        return run_together(
            patching(client, claim, {"summary": "Summary from the first writer."}),
            patching(client, claim, {"note": "Note from the second writer."}),
        )


@race
@committed
def test_no_two_history_records_of_a_claim_share_a_version():
    """Concurrent saves each get their own version; history numbers them 1, 2, 3 with no repeat."""
    claim = ClaimFactory()

    first, second = race_two_patches(claim, api_writer())

    assert {first["ETag"], second["ETag"]} == {'"2"', '"3"'}
    records = list(claim.history.order_by("history_id").values_list("version", "summary", "note"))
    assert [version for version, *_ in records] == [1, 2, 3]
    assert records[-1][1:] == ("Summary from the first writer.", "Note from the second writer.")


@race
@committed
def test_a_stale_if_match_after_a_concurrent_write_is_refused():
    """The ETag the earlier of two concurrent writers got back is stale once the later one saved: 412."""
    claim = ClaimFactory()
    client = api_writer()
    first, second = race_two_patches(claim, client)
    earlier = min(first["ETag"], second["ETag"], key=lambda etag: int(etag.strip('"')))

    response = client.patch(
        f"/api/claims/{claim.pk}/", {"venue": "Overwrites?"}, format="json", HTTP_IF_MATCH=earlier
    )

    assert response.status_code == 412
    claim.refresh_from_db()
    assert claim.venue != "Overwrites?"


@pytest.mark.django_db
def test_a_put_or_delete_without_if_match_is_refused_with_428_naming_the_header():
    """PUT restates every field, DELETE drops the row: without If-Match both are refused, nothing changes."""
    claim = ClaimFactory(summary="As stored.")
    client = api_writer("delete_claim")
    url = f"/api/claims/{claim.pk}/"
    item = client.get(url).json()
    writable = {name: item[name] for name in ("key", "speaker", "claim_type", "said_on", "said_on_precision")}

    put = client.put(url, {**writable, "summary": "Replaced."}, format="json")
    delete = client.delete(url)

    assert (put.status_code, delete.status_code) == (428, 428)
    assert "needs an If-Match header" in put.json()["detail"] and 'now "1"' in put.json()["detail"]
    assert "If-Match" in delete.json()["detail"]
    claim.refresh_from_db()
    assert (claim.summary, claim.version) == ("As stored.", 1)
    put = client.put(url, {**writable, "summary": "Replaced."}, format="json", HTTP_IF_MATCH='"1"')
    assert put.status_code == 200 and put["ETag"] == '"2"'


# A locked row or database: a conflict (409), never "the database is unreachable" (503).


@contextlib.contextmanager
def another_writer_holds(claim):
    """Another connection holds the claim's row (PostgreSQL) or the database's write lock (SQLite)."""
    if POSTGRESQL:
        other = connection.get_new_connection(connection.get_connection_params())
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM claims_claim WHERE id = %s FOR UPDATE", [claim.pk])
        with connection.cursor() as cursor:  # wait a moment, not the production 5 s
            cursor.execute("SET lock_timeout = '300ms'")
    else:
        other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE claims_claim SET note = note WHERE id = ?", [claim.pk])
    try:
        yield
    finally:
        other.rollback()
        other.close()
        connection.close()


@committed
def test_a_write_kept_waiting_by_another_writer_is_a_json_409_naming_the_claim():
    """A PATCH that cannot get the row's lock hears 409 with what to do, not a 503 outage."""
    claim = ClaimFactory(venue="As stored.")
    client = api_writer()

    with another_writer_holds(claim):
        response = client.patch(f"/api/claims/{claim.pk}/", {"venue": "Mine."}, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert f"saving claim {claim.pk} at the same moment" in detail and "nothing was saved" in detail
    assert "Retry-After" not in response and "unreachable" not in detail
    claim.refresh_from_db()
    assert claim.venue == "As stored."


@committed
def test_an_admin_save_kept_waiting_by_another_writer_says_nothing_was_saved():
    """A curator's save that cannot get the lock returns to the form with a message, not a 503."""
    claim = ClaimFactory(summary="As stored.")
    admin = admin_writer()
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = {**form_data(admin.get(change_url)), "summary": "Mine."}

    with another_writer_holds(claim):
        response = admin.post(change_url, data)

    assert response.status_code == 302 and response["Location"] == change_url
    page = page_text(admin.get(change_url))
    assert "Someone else was saving this claim at the same moment" in page and "nothing was saved" in page
    claim.refresh_from_db()
    assert claim.summary == "As stored."


@pytest.mark.django_db
def test_a_save_from_an_older_version_raises_and_changes_nothing():
    """Plain save() of a claim loaded before someone else saved it: VersionConflict, row unchanged."""
    claim = ClaimFactory(summary="First.")
    stale = Claim.objects.get(pk=claim.pk)
    claim.summary = "Second."
    claim.save()

    stale.venue = "Stale venue."
    with pytest.raises(VersionConflict, match="saved by someone else"), transaction.atomic():
        stale.save()

    claim.refresh_from_db()
    assert (claim.summary, claim.venue, claim.version) == ("Second.", "", 2)


@pytest.mark.django_db
def test_a_save_writes_only_the_fields_it_changed():
    """The UPDATE of a save names the changed fields and the version, so it cannot put back read values."""
    claim = ClaimFactory()
    loaded = Claim.objects.get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(summary="Changed behind its back.")

    loaded.venue = "New venue."
    loaded.save()

    claim.refresh_from_db()
    assert (claim.summary, claim.venue, claim.version) == ("Changed behind its back.", "New venue.", 2)
    assert loaded.history.latest("history_id").version == 2


@pytest.mark.django_db
def test_a_save_naming_its_fields_or_after_a_partial_refresh_keeps_other_edits_pending():
    """Fields set but not saved yet are still written by the next save, whatever came between."""
    claim = ClaimFactory(summary="Stored.", venue="Stored.")
    claim.summary, claim.venue = "Summary set.", "Venue set."
    claim.save(update_fields=["venue"])
    claim.refresh_from_db(fields=["version"])

    claim.save()

    claim.refresh_from_db()
    assert (claim.summary, claim.venue, claim.version) == ("Summary set.", "Venue set.", 3)


@pytest.mark.django_db
def test_a_claim_restored_after_its_deletion_is_numbered_after_its_history():
    """Saving a deleted claim back from its history gives it a version none of its records had."""
    claim = ClaimFactory(summary="First.")
    claim.summary = "Second."
    claim.save()
    saved, key = claim.history.latest("history_id"), claim.pk
    claim.delete()

    restored = saved.instance
    restored.save()

    assert Claim.objects.get(pk=key).version == 3 == restored.version
    assert Claim.history.filter(id=key).latest("history_id").version == 3


# SQLite files: what `make serve` runs on. Two connections on one file, the project's options.


@contextlib.contextmanager
def sqlite_file_databases(path, count, **options):
    """Aliases for `count` connections to one SQLite file, opened with the project's SQLite options."""
    aliases = [f"sqlite_file_{number}" for number in range(count)]
    for alias in aliases:
        connections.settings[alias] = {
            **connections.settings["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {**settings.SQLITE_DATABASE_OPTIONS, **options},
            "CONN_MAX_AGE": 0,
        }
    try:
        yield aliases
    finally:
        for alias in aliases:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def test_sqlite_writers_queue_instead_of_failing_with_database_is_locked(tmp_path, django_db_blocker):
    """A read-modify-write waits for another's open write and sees it, instead of "database is locked"."""
    with django_db_blocker.unblock(), sqlite_file_databases(tmp_path / "db.sqlite3", 2) as (first, second):
        with connections[first].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (n integer)")
            cursor.execute("INSERT INTO counter VALUES (0)")
        first_has_written = threading.Event()

        def first_writer():
            try:
                with transaction.atomic(using=first):
                    connections[first].cursor().execute("UPDATE counter SET n = n + 1")
                    first_has_written.set()
                    time.sleep(0.3)
            finally:
                connections[first].close()

        thread = threading.Thread(target=first_writer)
        thread.start()
        first_has_written.wait(timeout=10)
        with transaction.atomic(using=second), connections[second].cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            cursor.execute("UPDATE counter SET n = %s", [cursor.fetchone()[0] + 1])
        thread.join(timeout=10)

        with connections[second].cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            assert cursor.fetchone()[0] == 2


def test_sqlite_database_is_locked_answers_409_and_an_unopenable_file_503(tmp_path, django_db_blocker):
    """Past the busy timeout "database is locked" is a conflict (409); a file that cannot open, an outage."""
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    with (
        django_db_blocker.unblock(),
        sqlite_file_databases(tmp_path / "db.sqlite3", 2, timeout=0.1) as (
            holder,
            writer,
        ),
    ):
        connections[holder].cursor().execute("CREATE TABLE counter (n integer)")
        with transaction.atomic(using=holder), pytest.raises(OperationalError) as locked:
            connections[holder].cursor().execute("INSERT INTO counter VALUES (1)")
            with transaction.atomic(using=writer):
                connections[writer].cursor().execute("INSERT INTO counter VALUES (2)")
    with (
        django_db_blocker.unblock(),
        sqlite_file_databases(tmp_path / "missing" / "db.sqlite3", 1) as (unopenable,),
    ):
        with pytest.raises(OperationalError) as down:
            connections[unopenable].ensure_connection()

    assert "database is locked" in str(locked.value)
    assert is_write_conflict(locked.value) and not is_write_conflict(down.value)
    api = middleware.process_exception(RequestFactory().patch("/api/claims/1/"), locked.value)
    page = middleware.process_exception(RequestFactory().post("/admin/claims/claim/1/change/"), locked.value)
    outage = middleware.process_exception(RequestFactory().patch("/api/claims/1/"), down.value)
    assert (api.status_code, api["Content-Type"]) == (409, "application/json")
    assert "nothing was saved" in api.content.decode()
    assert page.status_code == 409 and "Not saved: someone else was saving" in page.content.decode()
    assert outage.status_code == 503 and outage["Retry-After"] == "10"
