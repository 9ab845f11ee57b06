import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks.management.commands import generate_corpus
from claims.anchoring import AnchorStatus
from claims.models import Claim, Quote, Rebuttal, Side, Speaker, SpeakerTally
from claims.tests.factories import ClaimFactory
from sources.models import Article

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMS = 240


@pytest.fixture
def generated():
    """A generated corpus of 240 claims in the test database."""
    call_command(generate_corpus.Command(), claims=CLAIMS, stdout=io.StringIO())


def test_the_generated_corpus_is_counted_in_the_summary_tables(generated):
    """The bulk generator (triggers off on PostgreSQL) leaves the summary tables equal to a recount."""
    out = io.StringIO()
    call_command("tallies", check=True, stdout=out)
    assert "match a recount" in out.getvalue()
    assert sum(SpeakerTally.objects.values_list("claims", flat=True)) == Claim.objects.count() == CLAIMS


def test_every_generated_quote_is_exact_at_its_offsets(generated):
    """Each quote's text is what its article holds between its start and end offsets."""
    statuses = Counter(quote.verify() for quote in Quote.objects.select_related("article"))
    assert statuses == {AnchorStatus.EXACT: Quote.objects.count()}


def test_generated_proportions_follow_the_curated_corpus(generated):
    """About 12 claims per article, 1.2 quotes and 1.4 topics per claim, 0.3 rebuttals per claim."""
    assert Claim.objects.count() == CLAIMS
    assert 15 <= Article.objects.count() <= 25
    assert 1.1 <= Quote.objects.count() / CLAIMS <= 1.3
    assert 1.3 <= Claim.topics.through.objects.count() / CLAIMS <= 1.5
    assert 0.2 <= Rebuttal.objects.count() / CLAIMS <= 0.35
    assert Speaker.objects.count() == 60  # 30 speakers per 60 claims, growing like a square root
    sides = Counter(Claim.objects.values_list("speaker__side", flat=True))
    assert all(sides[side] > CLAIMS / 10 for side in Side.values)
    rebuttal_sides = Rebuttal.objects.values_list(
        "rebutting_claim__speaker__side", "rebutted_claim__speaker__side"
    )
    assert all(rebutting != rebutted for rebutting, rebutted in rebuttal_sides)


def test_generated_claims_are_searchable_by_their_quote_words(generated):
    """The search document covers generated rows: a quote's words find its claim."""
    quote = Quote.objects.order_by("pk").first()
    word = max(quote.text.split(), key=len)
    assert quote.claim in Claim.objects.search(word)
    if connection.vendor == "postgresql":  # the bulk path computes vectors itself: same as the triggers'
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM claims_claim"
                " WHERE search_vector IS DISTINCT FROM claims_claim_search_vector(id, summary, speaker_id)"
            )
            assert cursor.fetchone()[0] == 0


def test_refuses_a_database_that_holds_claims():
    """Generated rows never go into a database with curated claims; nothing is added."""
    curated = ClaimFactory(key="pompeo-prague-enormous-data-sets")
    with pytest.raises(CommandError, match="already holds 1 claims"):
        call_command(generate_corpus.Command(), claims=10)
    assert list(Claim.objects.all()) == [curated]


def test_refuses_the_curated_sqlite_file(monkeypatch):
    """The default db.sqlite3, where the curated corpus lives, is refused even when empty."""
    monkeypatch.setattr(generate_corpus, "CURATED_SQLITE_PATH", connection.settings_dict["NAME"])
    with pytest.raises(CommandError, match="is the curated database"):
        call_command(generate_corpus.Command(), claims=10)
    assert Claim.objects.count() == 0
