"""Atom feeds of claims and corrections, and /api/changes/ (claims/feeds.py, claims/api/changes.py)."""

import datetime
import threading

import feedparser
import pytest
from django.conf import settings
from django.db import connection, transaction

from claims.models import Claim, ClaimType, Correction, Quote, Rebuttal, Speaker, Topic
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from claims.versions import record_correction
from sources.models import Article, Outlet
from sources.tests.factories import ArticleFactory, OutletFactory

pytestmark = pytest.mark.django_db


def parsed(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_claim_feed_lists_claims_latest_changed_first(client):
    """/claims/feed/ is Atom: each claim's summary, link and last change, the latest change first."""
    older = ClaimFactory(summary="Said first, edited last.")
    ClaimFactory(summary="Never edited.")
    older.venue = "Fox News"
    older.save()

    feed = parsed(client.get("/claims/feed/"))

    titles = [entry.title for entry in feed.entries]
    assert titles == ["Said first, edited last.", "Never edited."]
    assert feed.entries[0].link == f"http://testserver/claims/{older.pk}/"
    assert "Version 2." in feed.entries[0].summary


def test_claim_feed_leaves_out_a_deleted_claim(client):
    """A claim deleted after its last change is not in the feed, filtered or not."""
    kept, gone = ClaimFactory(summary="Kept."), ClaimFactory(summary="Gone.")
    gone.delete()

    for url in ["/claims/feed/", f"/claims/feed/?speaker={kept.speaker.slug}"]:
        assert [entry.title for entry in parsed(client.get(url)).entries] == ["Kept."]


def test_claim_feed_takes_the_claim_list_filters(client):
    """/claims/feed/?speaker=mike-pompeo follows one speaker; filters combine as on /claims/."""
    pompeo = SpeakerFactory(name="Mike Pompeo", slug="mike-pompeo")
    ClaimFactory(speaker=pompeo, summary="Pompeo in August.", said_on=datetime.date(2020, 8, 2))
    ClaimFactory(speaker=pompeo, summary="Pompeo in 2022.", said_on=datetime.date(2022, 3, 1))
    ClaimFactory(summary="Someone else.")

    speaker_feed = parsed(client.get("/claims/feed/?speaker=mike-pompeo"))
    dated_feed = parsed(client.get("/claims/feed/?speaker=mike-pompeo&said_to=2020-12-31"))

    assert sorted(entry.title for entry in speaker_feed.entries) == ["Pompeo in 2022.", "Pompeo in August."]
    assert [entry.title for entry in dated_feed.entries] == ["Pompeo in August."]
    assert speaker_feed.feed.link == "http://testserver/claims/?speaker=mike-pompeo"


def test_claim_feed_refuses_a_bad_filter_naming_it(client):
    """A bad filter value is a 400 whose message names the parameter, not a 500 or a silent full feed."""
    response = client.get("/claims/feed/?said_from=not-a-date")

    assert response.status_code == 400
    assert "said_from" in response.content.decode()


def test_list_and_speaker_pages_link_their_feed(client):
    """The claim list (with its filters, without its page) and a speaker page link their Atom feed."""
    speaker = SpeakerFactory(slug="mike-pompeo")
    ClaimFactory(speaker=speaker)

    listing = client.get("/claims/?side=us_government&page=1").content.decode()
    speaker_page = client.get("/speakers/mike-pompeo/").content.decode()

    assert 'type="application/atom+xml"' in listing and 'href="/claims/feed/?side=us_government"' in listing
    assert 'rel="alternate"' in speaker_page and 'href="/claims/feed/?speaker=mike-pompeo"' in speaker_page


def test_corrections_feed_lists_corrections_newest_first(client):
    """/corrections/feed/ has each correction: the claim, the note, a link to the corrected version."""
    first, second = ClaimFactory(summary="First claim."), ClaimFactory(summary="Second claim.")
    for claim, note in [(first, "Wrong date."), (second, "Wrong speaker.")]:
        claim.venue = "Corrected venue"
        claim.save()
        record_correction(claim, note)
    Correction.objects.filter(claim=first).update(created=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))

    feed = parsed(client.get("/corrections/feed/"))

    assert [entry.title for entry in feed.entries] == ["Corrected: Second claim.", "Corrected: First claim."]
    assert "Wrong speaker." in feed.entries[0].summary
    assert feed.entries[0].link == f"http://testserver/claims/{second.pk}/versions/2/"


# /api/changes/


@pytest.fixture
def settled_at_once(settings):
    settings.CHANGES_SETTLE_SECONDS = 0


def test_a_page_size_that_is_not_a_whole_number_is_a_400(client, db):
    """0, too many, a word or a digit int() refuses: a 400 naming page_size, never a 500."""
    for value in ("0", "201", "ten", "²"):
        response = client.get("/api/changes/", {"page_size": value})
        assert response.status_code == 400 and "page_size" in response.json(), value


def follow(client, url="/api/changes/?page_size=3"):
    """Every change from the start, following `next` until a page is empty; the last `next` kept."""
    changes, last = [], url
    while url:
        body = client.get(url).json()
        changes += body["results"]
        last = url
        url = body["next"]
    return changes, last


def mirror(changes, held=None):
    """The (type, id) set a client holds after applying the changes in order."""
    held = set() if held is None else held
    for change in changes:
        if change["action"] == "deleted":
            held.discard((change["type"], change["id"]))
        else:
            held.add((change["type"], change["id"]))
    return held


def database_ids():
    models = {
        "outlet": Outlet,
        "article": Article,
        "speaker": Speaker,
        "topic": Topic,
        "claim": Claim,
        "quote": Quote,
        "rebuttal": Rebuttal,
    }
    return {(kind, pk) for kind, model in models.items() for pk in model.objects.values_list("pk", flat=True)}


def test_following_changes_to_the_end_mirrors_the_database_deletes_included(client, settled_at_once):
    """A client applying every change, page by page, holds exactly the existing records, deletes included."""
    outlet = OutletFactory()
    article = ArticleFactory(outlet=outlet)
    topic = TopicFactory()
    quote = QuoteFactory(article=article)
    quote.claim.topics.add(topic)
    rebuttal = RebuttalFactory()
    doomed = QuoteFactory(article=article)
    doomed_id = doomed.pk
    doomed.delete()
    rebuttal.note = "Edited."
    rebuttal.save()

    changes, last = follow(client)

    assert mirror(changes) == database_ids()
    assert ("quote", doomed_id, "deleted") in [(c["type"], c["id"], c["action"]) for c in changes]
    times = [change["time"] for change in changes]
    assert times == sorted(times)

    # Later changes come from the kept cursor: a new claim and a deleted rebuttal.
    held = mirror(changes)
    new_claim = ClaimFactory()
    rebuttal.delete()
    later, _ = follow(client, last)
    assert ("claim", new_claim.pk) in {(change["type"], change["id"]) for change in later}
    assert mirror(later, held) == database_ids()


def test_each_change_names_its_type_id_version_action_and_api_url(client, settled_at_once):
    """A change has type, id, version, time, action and the record's API URL."""
    speaker = SpeakerFactory(slug="mike-pompeo")
    speaker.role = "Secretary of State"
    speaker.save()

    changes, _ = follow(client)

    assert [(c["type"], c["id"], c["version"], c["action"], c["url"]) for c in changes] == [
        ("speaker", speaker.pk, 1, "created", "http://testserver/api/speakers/mike-pompeo/"),
        ("speaker", speaker.pk, 2, "changed", "http://testserver/api/speakers/mike-pompeo/"),
    ]


def test_outlet_and_topic_versions_count_their_records(client, settled_at_once):
    """Outlets and topics have no version counter: their version is the change's place in their history."""
    topic = TopicFactory()
    for name in ["Renamed once", "Renamed twice"]:
        topic.name = name
        topic.save()

    changes, _ = follow(client)

    assert [change["version"] for change in changes] == [1, 2, 3]


def test_unsettled_changes_wait(client, settings):
    """A change younger than CHANGES_SETTLE_SECONDS is not listed yet, so none can land behind a cursor."""
    settings.CHANGES_SETTLE_SECONDS = 3600
    ClaimFactory()

    body = client.get("/api/changes/").json()

    assert body["results"] == [] and body["next"] is None


@pytest.mark.parametrize("value", ["garbage", "MXxub3R8MXwx", "%00"])
def test_a_bad_cursor_is_a_400_naming_since(client, value):
    """A `since` that is not one of ours is a JSON 400 naming `since`."""
    response = client.get(f"/api/changes/?since={value}")

    assert response.status_code == 400
    assert "since" in response.json()


def test_a_bad_page_size_is_a_400_naming_it(client):
    """page_size outside 1 to 200 is a 400 naming page_size."""
    assert "page_size" in client.get("/api/changes/?page_size=201").json()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="concurrent writers exist on PostgreSQL only; SQLite serialises them, in time order",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_still_uncommitted_holds_back_the_changes_after_it(client, settled_at_once):
    """A change committed after a later one is not skipped: nothing after an open write is listed yet."""
    speaker = SpeakerFactory()
    _, cursor = follow(client)
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                ClaimFactory(speaker=speaker, summary="Saved first, committed last.")
                written.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=10)
    # Another claim type: the summary tables' rows the two claims count in differ, so the quick
    # write does not wait for the slow one's commit (same-row counters do; docs/data-model.md).
    quick = ClaimFactory(speaker=speaker, claim_type=ClaimType.DENIAL, summary="Saved and committed at once.")
    try:
        held_back = client.get(cursor).json()
    finally:
        release.set()
        thread.join(timeout=10)
    later, _ = follow(client, cursor)

    assert held_back["results"] == []
    slow = Claim.objects.get(summary="Saved first, committed last.")
    assert [(c["type"], c["id"]) for c in later] == [("claim", slow.pk), ("claim", quick.pk)]


def test_feeds_drop_characters_xml_cannot_carry(client):
    """A control character in a summary or note is dropped from the feeds, not a 500."""
    claim = ClaimFactory(summary="Vertical\x0btab.")
    record_correction(claim, "Form\x0cfeed.")

    claims = parsed(client.get("/claims/feed/"))
    corrections = parsed(client.get("/corrections/feed/"))

    assert claims.entries[0].title == "Verticaltab."
    assert "Formfeed." in corrections.entries[0].summary


@pytest.mark.parametrize("edits", [2, 20])
def test_feeds_and_changes_keep_their_query_budget_as_rows_grow(
    client, django_assert_max_num_queries, settled_at_once, edits
):
    """The feeds and a page of changes run a fixed number of queries, however many rows changed."""
    topic = TopicFactory()
    for _ in range(edits):
        quote = QuoteFactory()
        quote.claim.topics.add(topic)
        record_correction(quote.claim, "A note.")
        topic.description += "x"
        topic.save()
    for url, budget in [
        ("/claims/feed/", 3),
        ("/claims/feed/?topic=" + topic.slug, 5),
        ("/corrections/feed/", 2),
        # Seven history tables, the places of outlets' and topics' records, PostgreSQL's open writes.
        ("/api/changes/", 10),
    ]:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
