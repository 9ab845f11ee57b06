import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.anchoring import AnchorStatus
from claims.models import Claim, Quote
from claims.tests.factories import (
    ClaimFactory,
    QuoteFactory,
    RebuttalFactory,
    SpeakerFactory,
    TopicFactory,
)
from sources.dates import DatePrecision

pytestmark = pytest.mark.django_db


def test_rebuttal_cannot_link_a_claim_to_itself():
    """The database refuses a claim that rebuts itself."""
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RebuttalFactory(rebutting_claim=claim, rebutted_claim=claim)


def test_rebuttal_exists_once_per_ordered_pair():
    """A second link for the same ordered pair is refused; the reverse pair is allowed."""
    rebuttal = RebuttalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RebuttalFactory(rebutting_claim=rebuttal.rebutting_claim, rebutted_claim=rebuttal.rebutted_claim)
    RebuttalFactory(rebutting_claim=rebuttal.rebutted_claim, rebutted_claim=rebuttal.rebutting_claim)


@pytest.mark.parametrize(("start", "end"), [(20, 10), (10, 10)])
def test_quote_span_must_run_forwards(start, end):
    """A quote whose end is not after its start is refused."""
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteFactory(start=start, end=end)


def test_speaker_slug_is_unique():
    """Two speakers cannot share a slug."""
    SpeakerFactory(slug="mike-pompeo")
    with pytest.raises(IntegrityError), transaction.atomic():
        SpeakerFactory(slug="mike-pompeo")


def test_topic_slug_is_unique():
    """Two topics cannot share a slug."""
    TopicFactory(slug="data")
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicFactory(slug="data")


def test_unknown_choice_is_refused_by_the_database():
    """A claim type outside the choices cannot be stored, even bypassing forms."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(claim_type="rumour")


def test_deleting_a_speaker_with_claims_is_refused():
    """A speaker that claims hang on cannot be deleted."""
    claim = ClaimFactory()
    with pytest.raises(ProtectedError):
        claim.speaker.delete()
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_an_affiliation_with_members_is_refused():
    """An organisation that speakers are affiliated with cannot be deleted."""
    department = SpeakerFactory()
    SpeakerFactory(affiliation=department)
    with pytest.raises(ProtectedError):
        department.delete()


def test_deleting_an_article_with_quotes_is_refused():
    """An article that quotes point into cannot be deleted."""
    quote = QuoteFactory()
    with pytest.raises(ProtectedError):
        quote.article.delete()


def test_deleting_a_claim_with_quotes_or_rebuttals_is_refused():
    """A claim with quotes, or on either end of a rebuttal, cannot be deleted."""
    quote = QuoteFactory()
    with pytest.raises(ProtectedError):
        quote.claim.delete()
    rebuttal = RebuttalFactory()
    with pytest.raises(ProtectedError):
        rebuttal.rebutted_claim.delete()
    with pytest.raises(ProtectedError):
        rebuttal.rebutting_claim.delete()


def test_quote_verifies_exact_moved_and_orphaned():
    """verify() says exact at the offsets, moved when found once elsewhere, orphaned when gone."""
    quote = QuoteFactory()
    assert quote.verify() == AnchorStatus.EXACT
    quote.start, quote.end = quote.start + 1, quote.end + 1
    assert quote.verify() == AnchorStatus.MOVED
    quote.text = "words that are nowhere in the article"
    assert quote.verify() == AnchorStatus.ORPHANED


def test_quote_clean_computes_offsets_from_the_text():
    """A quote given only its text gets the offsets of that text in the article."""
    existing = QuoteFactory()
    quote = Quote(claim=existing.claim, article=existing.article, text="a spokesperson said", mode="reported")
    quote.clean()
    assert existing.article.text[quote.start : quote.end] == "a spokesperson said"


def test_quote_clean_refuses_offsets_that_do_not_hold_the_text():
    """Hand-typed offsets pointing at other words are refused with a message naming the field."""
    quote = QuoteFactory.build(article=QuoteFactory().article)
    quote.start += 3
    with pytest.raises(ValidationError) as error:
        quote.clean()
    assert "start" in error.value.message_dict


def test_month_precision_date_must_be_the_first_of_the_month():
    """A claim known only to the month is stored on the 1st, else clean() explains."""
    claim = ClaimFactory.build(said_on=datetime.date(2020, 7, 15), said_on_precision=DatePrecision.MONTH)
    with pytest.raises(ValidationError) as error:
        claim.clean()
    assert "2020-07-01" in error.value.message_dict["said_on"][0]


def test_said_between_matches_periods_that_overlap_the_range():
    """A month-precision claim matches any range overlapping that month, a day claim only its day."""
    july = ClaimFactory(said_on=datetime.date(2020, 7, 1), said_on_precision=DatePrecision.MONTH)
    day = ClaimFactory(said_on=datetime.date(2020, 7, 20))
    in_late_july = Claim.objects.said_between(datetime.date(2020, 7, 25), datetime.date(2020, 8, 5))
    assert list(in_late_july) == [july]
    assert set(Claim.objects.said_between(datetime.date(2020, 7, 20), None)) == {july, day}
    assert list(Claim.objects.said_between(None, datetime.date(2020, 6, 30))) == []


def test_date_is_displayed_with_its_precision():
    """Only what is known is shown: 'July 2020', not '1 July 2020'."""
    assert ClaimFactory.build(
        said_on=datetime.date(2020, 7, 1), said_on_precision="month"
    ).said_on_display == ("July 2020")
    assert ClaimFactory.build(said_on=datetime.date(2020, 8, 12)).said_on_display == "12 August 2020"


def test_article_stores_the_hash_of_its_text():
    """Saving an article records the SHA-256 of its text."""
    quote = QuoteFactory()
    assert len(quote.article.text_sha256) == 64
