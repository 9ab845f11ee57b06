import threading
import time

import pytest
from django.db import connection, transaction

from claims.models import Claim, Quote, Speaker
from claims.tests.factories import ClaimFactory, QuoteFactory, SpeakerFactory
from sources.tests.factories import ArticleFactory
from tiktok_claims.tests.test_concurrency import PAUSE_SECONDS, committed, race, run_together

pytestmark = pytest.mark.django_db


def found(text):
    """The claims a search for text returns, as a set."""
    return set(Claim.objects.search(text))


def test_summary_changed_by_queryset_update_is_searchable_at_once():
    """A bulk update of a summary replaces the old words in the search document."""
    claim = ClaimFactory(summary="Servers in Virginia.")
    Claim.objects.filter(pk=claim.pk).update(summary="Servers in Singapore.")
    assert found("Singapore") == {claim}
    assert found("Virginia") == set()


def test_renaming_a_speaker_updates_the_documents_of_their_claims():
    """A speaker renamed in bulk is found under the new name only."""
    speaker = SpeakerFactory(name="Marsha Blackburn")
    claims = set(ClaimFactory.create_batch(2, speaker=speaker))
    Speaker.objects.filter(pk=speaker.pk).update(name="Josh Hawley")
    assert found("Hawley") == claims
    assert found("Blackburn") == set()


def test_quote_text_added_in_bulk_edited_and_deleted_keeps_the_document_in_step():
    """bulk_create, update() and delete() of quotes each change what a search finds."""
    claim = ClaimFactory(summary="Nothing to see.")
    article = ArticleFactory()
    start = article.text.index("collect data")
    Quote.objects.bulk_create(
        [Quote(claim=claim, article=article, text="collect data", start=start, end=start + 12, mode="direct")]
    )
    assert found("collect") == {claim}
    Quote.objects.filter(claim=claim).update(text="stored in the United States")
    assert found("collect") == set()
    assert found("stored") == {claim}
    Quote.objects.filter(claim=claim).delete()
    assert found("stored") == set()


def test_moving_a_quote_to_another_claim_moves_its_words():
    """A quote reassigned to another claim is searchable under that claim only."""
    quote = QuoteFactory()  # "the app could be used to collect data"
    other = ClaimFactory(summary="Unrelated.")
    Quote.objects.filter(pk=quote.pk).update(claim=other)
    assert found("collect") == {other}


def test_every_word_must_match_somewhere_in_the_document():
    """Words may come from different fields, but a missing word excludes the claim."""
    claim = QuoteFactory(claim__summary="Storage in Virginia.").claim
    assert found("Virginia collect") == {claim}
    assert found("Virginia zanzibar") == set()


def test_blank_search_returns_everything():
    """An empty or whitespace search does not filter."""
    claims = set(ClaimFactory.create_batch(2))
    assert found("   ") == claims


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's ts_rank")
def test_postgresql_ranks_a_summary_match_above_a_quote_match():
    """On PostgreSQL a word in the summary outranks the same word only in a quote."""
    by_quote = QuoteFactory(claim__summary="Unrelated summary.").claim
    by_summary = ClaimFactory(summary="They collect data from phones.")
    ranked = list(Claim.objects.search("collect").order_by("-search_rank"))
    assert ranked == [by_summary, by_quote]


@race
@committed
def test_a_quote_added_while_its_speaker_is_renamed_keeps_both_in_the_search_document():
    """The speaker trigger locks the claims, then gathers them: it sees the quote committed meanwhile."""
    speaker = SpeakerFactory(name="Ann Analyst")
    claim = ClaimFactory(summary="A claim.", speaker=speaker)
    article = ArticleFactory(text="Officials spoke of zeppelins over the capital.")
    quote_written = threading.Event()

    def add_quote_and_wait():
        with transaction.atomic():
            QuoteFactory(claim=claim, article=article, text="zeppelins over the capital")
            quote_written.set()
            time.sleep(PAUSE_SECONDS)  # the rename's trigger waits on the claim's row meanwhile

    def rename_speaker():
        quote_written.wait(timeout=10)
        Speaker.objects.filter(pk=speaker.pk).update(name="Marmaduke Analyst")

    run_together(add_quote_and_wait, rename_speaker)

    assert found("zeppelins") == {claim} and found("Marmaduke") == {claim}
