"""Property-based tests (hypothesis) for what must never be wrong: anchoring, dates, filters."""

import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from claims import anchoring
from claims.anchoring import AnchorStatus
from claims.filters import ClaimFilterSet
from claims.models import Claim, ClaimType, RebuttalRelation, Side, SpeakerKind
from claims.tests.factories import ClaimFactory, QuoteFactory, SpeakerFactory
from sources.dates import DatePrecision, period_end, period_start
from sources.tests.factories import ArticleFactory

BOUNDED = settings(max_examples=100, deadline=None)
# Database-backed properties reuse the test's transaction across examples; each example makes
# its own rows and looks only at them.
WITH_DATABASE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# A small alphabet makes repeats (the hard case for anchoring) common.
article_texts = st.text(alphabet="ab \n“”’éTikTok", min_size=1, max_size=80)


@st.composite
def text_and_span(draw):
    """An article text and a non-empty span inside it."""
    text = draw(article_texts)
    start = draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = draw(st.integers(min_value=start + 1, max_value=len(text)))
    return text, start, end


@BOUNDED
@given(text_and_span())
def test_a_unique_span_anchors_back_to_exactly_its_offsets(case):
    """Any span found once in the text anchors to its own offsets and verifies as exact."""
    text, start, end = case
    quote = text[start:end]
    assume(len(anchoring.find_all(text, quote)) == 1)
    assert anchoring.anchor(text, quote) == (start, end)
    assert anchoring.status(text, quote, start, end) == AnchorStatus.EXACT


@st.composite
def text_with_repeated_span(draw):
    """A text holding the same quote at least twice, and the offsets of one of its occurrences."""
    quote = draw(st.text(alphabet="ab “”", min_size=1, max_size=10))
    parts = draw(st.lists(article_texts | st.just(""), min_size=3, max_size=3))
    text = parts[0] + quote + parts[1] + quote + parts[2]
    starts = anchoring.find_all(text, quote)
    start = draw(st.sampled_from(starts))
    return text, start, start + len(quote)


@BOUNDED
@given(text_with_repeated_span())
def test_a_repeated_span_is_never_guessed_but_anchors_with_its_occurrence(case):
    """A span found several times is refused without an occurrence, and found with the right one."""
    text, start, end = case
    quote = text[start:end]
    starts = anchoring.find_all(text, quote)
    with pytest.raises(anchoring.AnchorError, match="occurs"):
        anchoring.anchor(text, quote)
    assert anchoring.anchor(text, quote, occurrence=starts.index(start) + 1) == (start, end)
    assert anchoring.status(text, quote, start, end) == AnchorStatus.EXACT


@BOUNDED
@given(text_and_span(), article_texts)
def test_a_changed_text_never_keeps_a_stale_exact(case, new_text):
    """After the article changes, a quote is exact only if its words are still at its offsets."""
    text, start, end = case
    quote = text[start:end]
    verdict = anchoring.status(new_text, quote, start, end)
    if new_text[start:end] == quote:
        assert verdict == AnchorStatus.EXACT
    elif len(anchoring.find_all(new_text, quote)) == 1:
        assert verdict == AnchorStatus.MOVED
    else:
        assert verdict == AnchorStatus.ORPHANED


@pytest.mark.django_db
@WITH_DATABASE
@given(text_and_span(), article_texts)
def test_editing_an_article_never_leaves_a_quote_verified_exact_at_the_wrong_words(case, new_text):
    """Quote.verify() after an article edit says exact only when the saved text still holds the quote."""
    text, start, end = case
    article = ArticleFactory(text=text)
    quote = QuoteFactory(article=article, text=text[start:end], start=start, end=end)
    assert quote.verify() == AnchorStatus.EXACT
    article.text = new_text
    article.save()
    quote.refresh_from_db()
    still_there = new_text[start:end] == quote.text
    assert (quote.verify() == AnchorStatus.EXACT) == still_there


PRECISIONS = st.sampled_from(DatePrecision.values)
DAYS = st.dates(min_value=datetime.date(2018, 1, 1), max_value=datetime.date(2023, 12, 31))


@st.composite
def claim_dates(draw):
    """(said_on, precision, earliest): a period's first day, or a range's latest day and earliest."""
    precision = draw(PRECISIONS)
    if precision == DatePrecision.RANGE:
        latest = draw(DAYS)
        earliest = draw(st.none() | st.dates(min_value=datetime.date(2017, 1, 1), max_value=latest))
        return latest, precision, earliest if earliest != latest else None
    return period_start(draw(DAYS), precision), precision, None


def overlaps(said_on, precision, earliest, start, end):
    """The oracle: the claim's whole period meets [start, end] (either end open; a range may be open)."""
    if precision == DatePrecision.RANGE:
        first, last = earliest, said_on
    else:
        first, last = period_start(said_on, precision), period_end(said_on, precision)
    return (end is None or first is None or first <= end) and (start is None or last >= start)


@pytest.mark.django_db
@WITH_DATABASE
@given(st.lists(claim_dates(), min_size=1, max_size=6), st.none() | DAYS, st.none() | DAYS)
def test_said_between_matches_exactly_the_claims_whose_period_overlaps(dates, start, end):
    """said_between(start, end) returns a claim if and only if its period (a range too) meets [start, end]."""
    claims = [
        ClaimFactory(said_on=said_on, said_on_precision=precision, said_earliest=earliest)
        for said_on, precision, earliest in dates
    ]
    found = set(
        Claim.objects.filter(pk__in=[claim.pk for claim in claims])
        .said_between(start, end)
        .values_list("pk", flat=True)
    )
    expected = {
        claim.pk
        for claim in claims
        if overlaps(claim.said_on, claim.said_on_precision, claim.said_earliest, start, end)
    }
    assert found == expected


JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "2020-02-30",
            "2020-13-01",
            "99999-01-01",
            "9" * 40,
            "-1",
            "true",
            "false",
            "maybe",
            "<script>",
            "' OR 1=1 --",
            "%00",
            "2020",
            "2020-08",
        ]
    ),
)
# A day, a month or a year: 2020-08-13, 2020-08, 2020.
PARTIAL_DATES = DAYS.flatmap(
    lambda day: st.sampled_from([day.isoformat(), day.isoformat()[:7], str(day.year)])
)
VALID_VALUES = {
    "q": st.sampled_from(["data", "TikTok China", '"user data"', "-china", "or"]),
    "speaker": st.sampled_from(["speaker-a", "speaker-b", "nobody"]),
    "speaker_kind": st.sampled_from(SpeakerKind.values),
    "side": st.sampled_from(Side.values),
    "outlet": st.sampled_from(["outlet-a", "missing-outlet"]),
    "article": st.sampled_from(["article-a", "missing-article"]),
    "topic": st.sampled_from(["topic-a", "missing-topic"]),
    "claim_type": st.sampled_from(ClaimType.values),
    "said_from": PARTIAL_DATES,
    "said_to": PARTIAL_DATES,
    "is_rebutted": st.sampled_from(["true", "false", "unknown"]),
    "rebuts": st.sampled_from(["true", "false"]),
    "relation": st.sampled_from(RebuttalRelation.values),
    "ordering": st.sampled_from(list(ClaimFilterSet.ORDERINGS)),
    "page": st.sampled_from(["1", "2", "last", "0", "-1", "99999999999999999999"]),
    "format": st.sampled_from(["json", "csv", "api", "xml"]),
    "search": st.sampled_from(["data", ""]),
}
PARAMETERS = st.dictionaries(
    st.sampled_from(sorted(VALID_VALUES)) | st.text(min_size=1, max_size=10),
    st.lists(st.one_of(JUNK, *VALID_VALUES.values()), min_size=1, max_size=3),
    max_size=6,
)


def query_dict(parameters):
    """A QueryDict holding every value of every parameter, as a request would."""
    data = QueryDict(mutable=True)
    for name, values in parameters.items():
        data.setlist(name, values)
    return data


@pytest.fixture
def filter_rows(db):
    """A few rows with the slugs the generated parameters name."""
    speaker = SpeakerFactory(slug="speaker-a")
    SpeakerFactory(slug="speaker-b")
    QuoteFactory(
        claim=ClaimFactory(speaker=speaker), article=ArticleFactory(slug="article-a", outlet__slug="outlet-a")
    )


@pytest.mark.django_db
@WITH_DATABASE
@given(PARAMETERS)
def test_any_parameters_give_a_valid_or_invalid_filter_never_an_exception(filter_rows, parameters):
    """Any combination of filter parameters, junk included, validates or reports errors; never raises."""
    filterset = ClaimFilterSet(data=query_dict(parameters), queryset=Claim.objects.all())
    if filterset.is_valid():
        list(filterset.qs)
    else:
        assert filterset.errors


@pytest.fixture
def unthrottled_api(settings):
    """Lift the API's anonymous rate limit: these tests make hundreds of requests on purpose."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None}}


def url_or_skip(name):
    """The URL of a named view; those not built yet are reported, not guessed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.fail(f"{name} is not routed")


@pytest.mark.django_db
@WITH_DATABASE
@given(PARAMETERS)
def test_claims_page_answers_200_or_400_to_any_parameters(filter_rows, client, parameters):
    """The /claims/ page answers 200 or 400 (404 only for a page number past the end), never 500."""
    response = client.get(url_or_skip("claims:claim-list") + "?" + urlencode(parameters, doseq=True))
    allowed = (200, 400, 404) if "page" in parameters else (200, 400)
    assert response.status_code in allowed


@pytest.mark.django_db
@WITH_DATABASE
@given(PARAMETERS)
def test_claims_api_answers_200_or_400_to_any_parameters(filter_rows, unthrottled_api, client, parameters):
    """/api/claims/ never answers 500 and its errors are JSON, whatever its query string holds."""
    response = client.get("/api/claims/?" + urlencode(parameters, doseq=True))
    # DRF answers an unknown ?format= or a page past the end with a JSON 404.
    allowed = (200, 400, 404) if {"page", "format"} & set(parameters) else (200, 400)
    assert response.status_code in allowed
    if response.status_code != 200:
        assert "json" in response["Content-Type"]


@pytest.mark.django_db
def test_said_between_on_a_grid_of_month_and_year_edges():
    """Every start and end on or beside a month's or year's edge, against claims of every precision there.

    The random claims above rarely share a month with the start, where a day-dated claim before
    the start and a month-dated one of the start's month part ways.
    """
    day = datetime.date
    edges = [day(2020, 1, 1), day(2020, 2, 14), day(2020, 2, 29), day(2020, 3, 1), day(2020, 12, 31)]
    said = [
        *[(edge, DatePrecision.DAY, None) for edge in edges],
        (day(2020, 1, 31), DatePrecision.DAY, None),
        (day(2020, 2, 1), DatePrecision.MONTH, None),
        (day(2020, 3, 1), DatePrecision.MONTH, None),
        (day(2020, 1, 1), DatePrecision.YEAR, None),
        (day(2021, 1, 1), DatePrecision.YEAR, None),
        (day(2020, 2, 14), DatePrecision.RANGE, None),
        (day(2020, 2, 29), DatePrecision.RANGE, day(2020, 2, 14)),
        (day(2020, 3, 1), DatePrecision.RANGE, day(2020, 1, 31)),
    ]
    claims = [
        ClaimFactory(said_on=said_on, said_on_precision=precision, said_earliest=earliest)
        for said_on, precision, earliest in said
    ]
    bounds = [None, *edges, day(2020, 2, 13), day(2020, 2, 15), day(2019, 12, 31), day(2021, 1, 1)]
    for start in bounds:
        for end in bounds:
            found = set(Claim.objects.said_between(start, end).values_list("pk", flat=True))
            expected = {
                claim.pk
                for claim in claims
                if overlaps(claim.said_on, claim.said_on_precision, claim.said_earliest, start, end)
            }
            assert found == expected, (start, end)
