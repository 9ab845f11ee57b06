"""One statement worded by several outlets: the words each wording alone has are marked."""

import datetime

import pytest

from claims.tests.factories import ClaimFactory, QuoteFactory
from claims.wordings import side_by_side
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

TECHZINE = "The China-run company should have been honest from the start, but it tried to shroud its work."
GUARDIAN = (
    "Blackburn said TikTok should have come clean from the start but instead tried to shroud their work."
)


def quote_of(claim, text, words, published_on):
    article = ArticleFactory(text=text, published_on=published_on)
    start = text.index(words)
    return QuoteFactory(claim=claim, article=article, text=words, start=start, end=start + len(words))


def marked(wording):
    return [segment.text for segment in wording.segments if segment.differs]


def test_two_wordings_mark_only_the_words_the_other_lacks():
    """'been honest' against 'come clean'; the shared words stay plain; oldest article first."""
    claim = ClaimFactory()
    guardian = quote_of(
        claim,
        GUARDIAN,
        "should have come clean from the start but instead tried to shroud their work",
        datetime.date(2022, 7, 2),
    )
    techzine = quote_of(
        claim,
        TECHZINE,
        "should have been honest from the start, but it tried to shroud its work.",
        datetime.date(2022, 7, 1),
    )
    first, second = side_by_side([guardian, techzine])
    assert (first.quote, second.quote) == (techzine, guardian)
    assert marked(first) == ["been honest", ",", "it", "its", "."]
    assert marked(second) == ["come clean", "instead", "their"]
    assert "".join(segment.text for segment in first.segments) == techzine.text


def test_typographic_quotes_and_case_are_not_differences():
    """“risk” and "Risk" are the same word; a claim quoted from one article has nothing to compare."""
    claim = ClaimFactory()
    one = quote_of(
        claim, "It is an “unacceptable risk” today.", "an “unacceptable risk”", datetime.date(2022, 7, 1)
    )
    two = quote_of(
        claim, 'Carr saw an "Unacceptable Risk" then.', 'an "Unacceptable Risk"', datetime.date(2022, 7, 2)
    )
    assert all(not marked(wording) for wording in side_by_side([one, two]))
    assert side_by_side([one]) == []


def test_the_claim_page_shows_the_wordings_side_by_side(client):
    """The page has the section, with each outlet named and the differing words in marks."""
    claim = ClaimFactory()
    quote_of(claim, TECHZINE, "should have been honest from the start", datetime.date(2022, 7, 1))
    quote_of(claim, GUARDIAN, "should have come clean from the start", datetime.date(2022, 7, 2))
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Side by side: 2 wordings" in page
    assert '<mark class="wording-differs">been honest</mark>' in page
    assert '<mark class="wording-differs">come clean</mark>' in page


def test_a_claim_quoted_once_has_no_side_by_side_section(client):
    """One wording alone is not compared: the section is left out."""
    claim = ClaimFactory()
    quote_of(claim, TECHZINE, "should have been honest from the start", datetime.date(2022, 7, 1))
    assert "Side by side" not in client.get(claim.get_absolute_url()).content.decode()
