"""Each claim's kept lists stay equal to the lists gathered again after every kind of write.

The CSV reads them (claims/related_lists.py): these tests check the table against a fresh gather
after each write, and read the CSV a journalist would download to see the change.
"""

import csv
import datetime
import io
import threading
import time

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from claims import related_lists
from claims.api import claims_csv
from claims.models import Claim, Quote, Rebuttal, RelatedLists, Topic
from claims.tests.admin_pages import form_data
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from claims.tests.test_api import token_client, user_with
from sources.models import Article, Outlet
from sources.tests.factories import ArticleFactory, OutletFactory
from tiktok_claims import readcache
from tiktok_claims.tests.test_concurrency import PAUSE_SECONDS, committed, race, run_together

pytestmark = pytest.mark.django_db


def assert_exact():
    assert related_lists.differences() == []
    assert RelatedLists.objects.count() == Claim.objects.count()


def csv_row(client, claim):
    """The claim's row of the API's CSV, by header.

    The tests write with queryset.update(), which sends no signal: as such code must, they move the
    corpus version themselves (tiktok_claims/readcache.py), here before each read.
    """
    readcache.corpus_changed()
    response = client.get(f"/api/claims/?format=csv&speaker={claim.speaker.slug}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    return next(row for row in rows if row["key"] == claim.key)


@pytest.fixture
def debate():
    """An allegation with two topics and two quotes, rebutted by two claims, one of which it answers."""
    speaker = SpeakerFactory()
    allegation = ClaimFactory(speaker=speaker, said_on=datetime.date(2020, 8, 12), key="allegation")
    early = ClaimFactory(speaker=speaker, said_on=datetime.date(2020, 8, 20), key="early-denial")
    late = ClaimFactory(speaker=speaker, said_on=datetime.date(2020, 9, 1), key="late-denial")
    allegation.topics.add(TopicFactory(name="Storage"), TopicFactory(name="Access"))
    outlet = OutletFactory(name="The Daily")
    first = ArticleFactory(outlet=outlet, headline="First", published_on=datetime.date(2020, 8, 13))
    second = ArticleFactory(headline="Second", published_on=datetime.date(2020, 8, 14))
    QuoteFactory(claim=allegation, article=second)
    QuoteFactory(claim=allegation, article=first)
    RebuttalFactory(rebutting_claim=late, rebutted_claim=allegation)
    RebuttalFactory(rebutting_claim=early, rebutted_claim=allegation)
    RebuttalFactory(rebutting_claim=allegation, rebutted_claim=late)
    return allegation, early, late, first, second


def test_saves_keep_each_claims_lists_in_the_pages_order(debate, client):
    allegation, early, late, first, second = debate
    assert_exact()
    row = csv_row(client, allegation)
    assert row["topics"] == "Access; Storage"
    assert row["articles"] == "First; Second"  # by the article's date
    assert row["outlets"].startswith("The Daily; ")
    assert row["rebuts"] == "late-denial"
    assert row["rebutted_by"] == "early-denial; late-denial"  # by the rebutting claim's date


def test_topics_added_removed_renamed_and_deleted(debate, client):
    allegation, *_ = debate
    allegation.topics.add(TopicFactory(name="Bans"))
    assert_exact()
    allegation.topics.remove(Topic.objects.get(name="Storage"))
    assert_exact()
    Topic.objects.filter(name="Access").update(name="Zoning")  # a rename rewrites no row
    assert csv_row(client, allegation)["topics"] == "Bans; Zoning"
    Topic.objects.get(name="Bans").delete()
    assert_exact()
    allegation.topics.clear()
    assert_exact()
    assert csv_row(client, allegation)["topics"] == ""


def test_quotes_added_moved_and_deleted(debate, client):
    allegation, early, late, first, second = debate
    third = ArticleFactory(headline="Third", published_on=datetime.date(2020, 8, 1))
    quote = QuoteFactory(claim=allegation, article=third)
    assert_exact()
    assert csv_row(client, allegation)["articles"] == "Third; First; Second"
    Quote.objects.filter(pk=quote.pk).update(claim=early)  # moved to another claim: both rows
    assert_exact()
    assert csv_row(client, early)["articles"] == "Third"
    Quote.objects.filter(pk=quote.pk).update(article=first)
    assert_exact()
    Quote.objects.filter(claim=allegation, article=first).delete()
    assert_exact()
    assert csv_row(client, allegation)["articles"] == "Second"


def test_an_article_edit_rewrites_the_lists_of_the_claims_it_quotes(debate, client):
    allegation, early, late, first, second = debate
    Article.objects.filter(pk=second.pk).update(published_on=datetime.date(2020, 8, 1), headline="Earlier")
    assert_exact()
    assert csv_row(client, allegation)["articles"] == "Earlier; First"
    other = OutletFactory(name="Other Outlet", slug="other-outlet")
    Article.objects.filter(pk=first.pk).update(outlet=other, slug="moved-article")
    assert_exact()
    row = csv_row(client, allegation)
    assert row["outlets"].endswith("; Other Outlet") and row["article_slugs"].endswith("; moved-article")
    Outlet.objects.filter(pk=other.pk).update(name="Renamed Outlet")  # no row rewritten
    assert csv_row(client, allegation)["outlets"].endswith("; Renamed Outlet")


def test_a_claims_key_or_date_change_rewrites_its_rebuttal_partners(debate, client):
    allegation, early, late, *_ = debate
    Claim.objects.filter(pk=late.pk).update(said_on=datetime.date(2020, 8, 15))
    assert_exact()
    assert csv_row(client, allegation)["rebutted_by"] == "late-denial; early-denial"
    Claim.objects.filter(pk=late.pk).update(key="renamed-denial")
    assert_exact()
    row = csv_row(client, allegation)
    assert (row["rebuts"], row["rebutted_by"]) == ("renamed-denial", "renamed-denial; early-denial")


def test_rebuttals_retargeted_and_deleted_and_claims_deleted(debate):
    allegation, early, late, *_ = debate
    Rebuttal.objects.filter(rebutting_claim=early).update(rebutted_claim=late)
    assert_exact()
    Rebuttal.objects.filter(rebutting_claim=late).delete()
    assert_exact()
    Rebuttal.objects.all().delete()
    Quote.objects.filter(claim=allegation).delete()
    Claim.objects.filter(pk=allegation.pk).delete()
    assert_exact()
    assert not RelatedLists.objects.filter(claim_id=allegation.pk).exists()


def test_bulk_create_and_raw_sql(debate):
    allegation, *_ = debate
    created = Claim.objects.bulk_create(
        [
            Claim(
                key="bulk",
                speaker=allegation.speaker,
                summary="Bulk.",
                claim_type="denial",
                said_on=allegation.said_on,
            )
        ]
    )
    assert_exact()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_rebuttal (rebutting_claim_id, rebutted_claim_id, relation, note, version) "
            "VALUES (%s, %s, 'denies', '', 1)",
            [created[0].pk, allegation.pk],
        )
    assert_exact()


def test_an_admin_article_edit_shows_in_the_csv(debate, admin_client, client):
    allegation, early, late, first, second = debate
    url = reverse("admin:sources_article_change", args=[first.pk])
    data = form_data(admin_client.get(url))
    data["headline"] = "First, corrected"
    assert admin_client.post(url, data).status_code == 302
    assert_exact()
    assert csv_row(client, allegation)["articles"] == "First, corrected; Second"


def test_an_api_write_and_a_history_restore(debate, admin_client):
    allegation, early, late, *_ = debate
    client = token_client(user_with("add_rebuttal", "delete_rebuttal"))
    response = client.post(
        "/api/rebuttals/",
        {
            "rebutting_claim": f"http://testserver/api/claims/{early.pk}/",
            "rebutted_claim": f"http://testserver/api/claims/{late.pk}/",
            "relation": "disputes",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert_exact()
    pk = early.pk
    Rebuttal.objects.filter(rebutting_claim=early).delete()
    admin_client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert_exact()
    last = Claim.history.filter(id=pk).exclude(history_type="-").order_by("-history_date").first()
    url = reverse("admin:claims_claim_simple_history", args=[pk, last.history_id])
    assert admin_client.post(url, form_data(admin_client.get(url))).status_code == 302
    assert Claim.objects.filter(pk=pk).exists()
    assert_exact()


def test_loaddata_writes_the_lists_of_what_it_loads(debate, tmp_path):
    path = tmp_path / "dump.json"
    call_command("dumpdata", "claims", "sources", output=str(path), verbosity=0)
    Rebuttal.objects.all().delete()
    Quote.objects.all().delete()
    Claim.objects.all().delete()
    assert not RelatedLists.objects.exists()
    call_command("loaddata", str(path), verbosity=0)
    assert Claim.objects.count() == 3
    assert_exact()


def test_the_command_checks_and_rebuilds_the_lists(debate):
    RelatedLists.objects.filter(claim_id=debate[0].pk).update(lists="[[],[],[],[]]")
    with pytest.raises(CommandError, match="differ"):
        call_command("tallies", check=True, stdout=io.StringIO())
    call_command("tallies", stdout=io.StringIO())
    assert_exact()


def test_a_topic_and_outlet_created_while_the_csv_is_read_are_named(debate, client, monkeypatch):
    """The CSV reads topic and outlet names before the rows: one linked in between is read again."""
    allegation, early, *_ = debate
    read_rows = claims_csv.every_row

    def rows_read_after_a_curator_wrote(*arguments):
        allegation.topics.add(TopicFactory(name="Arrived late"))
        late_outlet = OutletFactory(name="Late Outlet")
        QuoteFactory(claim=allegation, article=ArticleFactory(outlet=late_outlet, headline="Late"))
        yield from read_rows(*arguments)

    monkeypatch.setattr(claims_csv, "every_row", rows_read_after_a_curator_wrote)
    row = csv_row(client, allegation)
    assert row["topics"] == "Access; Arrived late; Storage"
    assert "Late Outlet" in row["outlets"].split("; ")


def test_rows_written_before_or_deleted_after_what_they_name(debate, client):
    """Foreign keys are checked at commit: a rebuttal may precede its claim, a quote its article."""
    allegation, early, late, *_ = debate
    claim_id = Claim.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    article_id = Article.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_rebuttal (rebutting_claim_id, rebutted_claim_id, relation, note, version) "
            "VALUES (%s, %s, 'denies', '', 1)",
            [claim_id, allegation.pk],
        )
        cursor.execute(
            'INSERT INTO claims_quote (claim_id, article_id, text, start, "end", mode, attribution, note, '
            "version) VALUES (%s, %s, 'It was said.', 0, 12, 'direct', '', '', 1)",
            [early.pk, article_id],
        )
    ClaimFactory(pk=claim_id, key="written-after", speaker=allegation.speaker, said_on=allegation.said_on)
    ArticleFactory(pk=article_id, headline="Written after its quote", text="It was said. And more.")
    assert_exact()
    assert csv_row(client, allegation)["rebutted_by"] == "written-after; early-denial; late-denial"
    assert csv_row(client, early)["articles"] == "Written after its quote"
    with connection.cursor() as cursor:  # deleted before the rows naming it (checked at commit)
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [claim_id])
        cursor.execute("DELETE FROM sources_article WHERE id = %s", [article_id])
    assert_exact()
    assert csv_row(client, allegation)["rebutted_by"] == "early-denial; late-denial"
    with connection.cursor() as cursor:  # and the rows naming them, before the commit checks them
        cursor.execute("DELETE FROM claims_rebuttal WHERE rebutting_claim_id = %s", [claim_id])
        cursor.execute("DELETE FROM claims_quote WHERE article_id = %s", [article_id])
    assert_exact()


@race
@committed
def test_a_quote_and_a_rebuttal_added_to_one_claim_at_once_are_both_kept():
    """Each trigger locks the rows it writes, then gathers them: the second sees the first's commit."""
    claim, other = ClaimFactory(key="shared"), ClaimFactory(key="answer")
    article = ArticleFactory(headline="Quoted meanwhile")
    quote_written = threading.Event()

    def add_quote_and_wait():
        with transaction.atomic():
            QuoteFactory(claim=claim, article=article)
            quote_written.set()
            time.sleep(PAUSE_SECONDS)  # the rebuttal's trigger waits on this claim's row meanwhile

    def add_rebuttal():
        quote_written.wait(timeout=10)
        RebuttalFactory(rebutting_claim=other, rebutted_claim=claim)

    run_together(add_quote_and_wait, add_rebuttal)

    assert related_lists.differences() == []
    lists = orjson.loads(RelatedLists.objects.get(claim_id=claim.pk).lists)
    assert [headline for headline, *_ in lists[1]] == ["Quoted meanwhile"] and lists[3] == ["answer"]


def test_names_read_again_and_still_missing_are_a_key_error():
    """A name missing after reading them again (created and deleted meanwhile) is an error, not a loop."""
    reads = []
    names = claims_csv.ReadAgainWhenMissing(lambda: reads.append(1) or {1: "one"})
    assert names[1] == "one"
    with pytest.raises(KeyError):
        names[2]
    assert len(reads) == 2
