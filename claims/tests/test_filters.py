import datetime
import json
import re

import django_filters
import pytest
from django.http import QueryDict
from django.urls import reverse

from claims.api.filters import ClaimApiFilterSet
from claims.facets import _cache_key
from claims.filters import CLAIM_FILTERS, ClaimFilterSet
from claims.listing import ClaimListing
from claims.models import Claim, Speaker
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from tiktok_claims.filter_forms import NUL_MESSAGE, FilterSet

pytestmark = pytest.mark.django_db


def filtered(query):
    """Apply the claim FilterSet to a query string; return (is_valid, errors, claims)."""
    filterset = ClaimFilterSet(QueryDict(query), queryset=Claim.objects.all())
    valid = filterset.is_valid()
    return valid, filterset.errors, list(filterset.qs) if valid else []


def test_speaker_filter_takes_slugs_and_refuses_unknown_ones():
    """?speaker=<slug> keeps that speaker's claims; an unknown slug is an error naming the field."""
    pompeo = SpeakerFactory(slug="mike-pompeo")
    claim = ClaimFactory(speaker=pompeo)
    ClaimFactory()
    assert filtered("speaker=mike-pompeo")[2] == [claim]
    valid, errors, _ = filtered("speaker=nobody")
    assert not valid and "speaker" in errors


def test_date_range_matches_the_whole_period_of_a_month_precision_claim():
    """A claim dated only to July 2020 matches a range touching any day of July."""
    july = ClaimFactory(said_on=datetime.date(2020, 7, 1), said_on_precision="month")
    august = ClaimFactory(said_on=datetime.date(2020, 8, 12))
    assert filtered("said_from=2020-07-31&said_to=2020-08-01")[2] == [july]
    assert filtered("said_from=2020-07-15")[2] == [july, august]
    assert filtered("said_to=2020-06-30")[2] == []


def test_bad_date_is_a_form_error():
    """?said_from=garbage is refused with a message, not a crash."""
    valid, errors, _ = filtered("said_from=garbage")
    assert not valid and "said_from" in errors


def test_nul_character_is_refused_before_reaching_the_database():
    """A %00 in any parameter is an error on that parameter, on every database."""
    for query in ("q=data%00", "speaker=a%00b", "topic=%00"):
        valid, errors, _ = filtered(query)
        assert not valid
        assert NUL_MESSAGE in str(errors)


def test_topic_outlet_and_article_filters_do_not_duplicate_claims():
    """A claim with two quotes in the same outlet appears once."""
    topic = TopicFactory(slug="data")
    quote = QuoteFactory()
    QuoteFactory(claim=quote.claim, article=quote.article, text="a spokesperson said")
    quote.claim.topics.add(topic)
    outlet = quote.article.outlet.slug
    assert filtered(f"outlet={outlet}")[2] == [quote.claim]
    assert filtered(f"article={quote.article.slug}")[2] == [quote.claim]
    assert filtered("topic=data")[2] == [quote.claim]


def test_rebuttal_filters():
    """is_rebutted, rebuts and relation select the claims on each end of a rebuttal."""
    rebuttal = RebuttalFactory(relation="disputes")
    lone = ClaimFactory()
    assert filtered("is_rebutted=true")[2] == [rebuttal.rebutted_claim]
    assert set(filtered("is_rebutted=false")[2]) == {rebuttal.rebutting_claim, lone}
    assert filtered("rebuts=true")[2] == [rebuttal.rebutting_claim]
    assert set(filtered("relation=disputes")[2]) == {rebuttal.rebutting_claim, rebuttal.rebutted_claim}
    assert filtered("relation=denies")[2] == []
    assert not filtered("relation=agrees")[0]
    valid, errors, _ = filtered("is_rebutted=perhaps")
    assert not valid and "is_rebutted" in errors


def test_most_rebutted_ordering():
    """ordering=-rebutted_by puts the claim with most rebuttals first."""
    target = ClaimFactory()
    RebuttalFactory(rebutted_claim=target)
    RebuttalFactory(rebutted_claim=target)
    other = RebuttalFactory().rebutted_claim
    claims = filtered("ordering=-rebutted_by")[2]
    assert claims[:2] == [target, other]


def test_search_finds_words_in_summary_speaker_and_quote_text():
    """q matches a claim by its summary, its speaker's name or the words of its quotes."""
    by_summary = ClaimFactory(summary="TikTok stores American data in Virginia.")
    by_speaker = ClaimFactory(speaker=SpeakerFactory(name="Marsha Blackburn"))
    by_quote = QuoteFactory().claim  # quote: "the app could be used to collect data"
    ClaimFactory(summary="Nothing relevant.")
    assert filtered("q=Virginia")[2] == [by_summary]
    assert filtered("q=blackburn")[2] == [by_speaker]
    assert filtered("q=collect")[2] == [by_quote]
    assert filtered("q=zanzibar")[2] == []


def test_facet_cache_key_follows_the_validated_values_not_the_query_string():
    """Reordered or empty parameters share a cached count; another value or another facet does not."""
    SpeakerFactory(slug="a")
    SpeakerFactory(slug="b")

    def key(query, facet="side"):
        filterset = ClaimFilterSet(QueryDict(query), queryset=Claim.objects.all())
        assert filterset.is_valid()
        return _cache_key(filterset, facet)

    assert key("speaker=a&speaker=b&said_to=2020-08-01") == key("said_to=2020-08-01&speaker=b&speaker=a&q=")
    assert key("speaker=a") != key("speaker=b")
    assert key("speaker=a") != key("speaker=a", facet="claim_type")


# Every filter is described once (claims.filters.CLAIM_FILTERS); these check that each part derives.

# A valid value of every filter, on the debate fixture's rows.
EVERY_FILTER = {
    "q": "data",
    "speaker": "mike-pompeo",
    "speaker_kind": "person",
    "side": "us_government",
    "outlet": "reuters",
    "article": "pompeo-tiktok-feeds-data",
    "topic": "data-access",
    "claim_type": "allegation",
    "said_from": "2020",
    "said_to": "2020-08",
    "is_rebutted": "true",
    "rebuts": "false",
    "relation": "denies",
    "ordering": "-said_on",
}


def test_every_described_filter_is_in_the_filterset_chips_facets_and_schema(client, debate):
    """Each CLAIM_FILTERS entry gives the FilterSet's filter, its chip, its facet and its OpenAPI text."""
    assert set(EVERY_FILTER) == {claim_filter.name for claim_filter in CLAIM_FILTERS}
    assert list(ClaimFilterSet.base_filters) == [claim_filter.name for claim_filter in CLAIM_FILTERS]
    page = client.get(reverse("claims:claim-list"), EVERY_FILTER).content.decode()
    chips = re.findall(r"<li><span>([^<:]+): ", page)
    everything = client.get(reverse("claims:claim-list"), {"side": "us_government"}).content.decode()
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    parameters = {
        parameter["name"]: parameter for parameter in schema["paths"]["/api/claims/"]["get"]["parameters"]
    }
    for claim_filter in CLAIM_FILTERS:
        assert ClaimFilterSet.base_filters[claim_filter.name] is claim_filter.filter
        if claim_filter.name != "ordering":  # the order is a select, not a chip
            assert claim_filter.label in chips, claim_filter.name
        if claim_filter.facet is not None and not claim_filter.facet.yes_no:
            assert f"<summary>{claim_filter.label}</summary>" in everything, claim_filter.name
            assert f'name="{claim_filter.name}"' in everything, claim_filter.name
        assert parameters[claim_filter.name]["description"].startswith(claim_filter.description), (
            claim_filter.name
        )
    # The yes/no facets count beside their selects.
    assert re.search(r'name="is_rebutted">.*?Yes \(\d+\)', everything, re.S)
    assert re.search(r'name="rebuts">.*?Yes \(\d+\)', everything, re.S)


def test_chips_name_the_chosen_rows_without_reading_the_others(debate, django_assert_num_queries):
    """A chip for a speaker, topic, outlet or article is named from the chosen row, with no query:
    naming it from the filter's choices read every row (83,000 articles at a million claims: 2 s)."""
    listing = ClaimListing(
        QueryDict(
            "speaker=mike-pompeo&topic=data-access&outlet=reuters&article=pompeo-tiktok-feeds-data"
            "&claim_type=allegation"
        )
    )
    assert listing.valid
    with django_assert_num_queries(0):
        chips = listing.chips()
    assert [(name, label) for name, _, _, label in chips] == [
        ("speaker", "Mike Pompeo"),
        ("outlet", "Reuters"),
        ("article", str(debate.article)),
        ("topic", "Data access"),
        ("claim_type", "Allegation"),
    ]


def test_a_filter_form_class_is_built_once_and_each_request_gets_its_own_fields():
    """The form class is kept per FilterSet class (not rebuilt per request); its forms share no field,
    a subclass keeps its own, and a filter whose queryset depends on the request, or whose choices
    are read from the database, gets one per request."""
    first, second = ClaimFilterSet(QueryDict("speaker=a")), ClaimFilterSet(QueryDict("speaker=b"))
    assert type(first.form) is type(second.form)
    first.form.fields["speaker"].label = "Changed in one request"
    assert second.form.fields["speaker"].label == "Speaker"
    assert ClaimFilterSet(QueryDict("")).form.fields["speaker"].label == "Speaker"
    # The API's FilterSet subclasses the page's with another form: not the page's class.
    api_form = ClaimApiFilterSet(QueryDict("speaker=a")).form
    assert type(api_form) is not type(first.form) and api_form.fields["speaker"].widget.input_type == "text"

    class PerRequest(FilterSet):
        speaker = django_filters.ModelChoiceFilter(queryset=lambda request: Speaker.objects.all())

        class Meta:
            model = Claim
            fields = []

    assert type(PerRequest(QueryDict("")).form) is not type(PerRequest(QueryDict("")).form)

    class ChoicesFromTheDatabase(FilterSet):
        venue = django_filters.AllValuesFilter()

        class Meta:
            model = Claim
            fields = []

    ClaimFactory(venue="Senate hearing")
    assert ChoicesFromTheDatabase(QueryDict("")).form.fields["venue"].choices[-1] == ("Senate hearing",) * 2
    ClaimFactory(venue="White House")
    assert ChoicesFromTheDatabase(QueryDict("")).form.fields["venue"].choices[-1] == ("White House",) * 2
