import datetime
import html as html_module
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import facets, filters, listing
from claims.filters import ClaimFilterSet
from claims.models import Claim, ClaimType, RebuttalRelation, Side
from claims.tests.conftest import quote_at
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CLAIMS = reverse("claims:claim-list")


def text_of(response):
    """The page's visible text, tags stripped and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def summaries(response):
    """The claim summaries listed on a claim list page, in order."""
    return [
        html_module.unescape(re.sub(r"<[^>]+>", "", summary))
        for summary in re.findall(
            r'<h3 class="claim-summary"><a [^>]*>(.*?)</a>', response.content.decode(), flags=re.S
        )
    ]


def make_many(count):
    """count claims, each quoted in its own article and rebutted once, for query budgets."""
    for number in range(count):
        quote = QuoteFactory(claim__said_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=number))
        quote.claim.topics.add(TopicFactory())
        RebuttalFactory(rebutted_claim=quote.claim)


# /claims/


def test_claim_list_shows_claims_in_time_order_with_speaker_and_date(client, debate):
    """The list starts with the oldest claim and shows who said it and when."""
    response = client.get(CLAIMS)
    assert response.status_code == 200
    assert summaries(response) == [
        debate.earlier.summary,
        debate.denial.summary,
        debate.allegation.summary,
        debate.finding.summary,
    ]
    assert "Mike Pompeo · 6 July 2020" in text_of(response)
    assert "August 2020" in text_of(response)
    assert "1 August 2020" not in text_of(response)


def test_claim_list_pages_by_25(client):
    """30 claims make two pages of 25 and 5, with links between them."""
    for number in range(30):
        ClaimFactory(said_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=number))
    first = client.get(CLAIMS)
    assert len(summaries(first)) == 25
    assert "30 claims" in text_of(first) and "Page 1 of 2" in text_of(first)
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(CLAIMS, {"page": 2})
    assert len(summaries(second)) == 5


@pytest.mark.parametrize(
    "query, expected",
    [
        ("speaker=mike-pompeo", ["earlier", "allegation"]),
        ("speaker=mike-pompeo&speaker=tiktok", ["earlier", "denial", "allegation"]),
        ("speaker_kind=company", ["denial"]),
        ("side=independent", ["finding"]),
        ("outlet=reuters", ["earlier", "denial", "allegation", "finding"]),
        ("article=pompeo-tiktok-feeds-data&claim_type=denial", ["denial"]),
        ("topic=data-access", ["allegation"]),
        ("claim_type=finding", ["finding"]),
        ("said_from=2020-08-15&said_to=2020-08-31", ["denial"]),
        ("said_from=2021-01-01", ["finding"]),
        ("said_to=2020-07-31", ["earlier"]),
        ("is_rebutted=true", ["allegation"]),
        ("is_rebutted=false&rebuts=false", ["earlier"]),
        ("rebuts=true", ["denial", "finding"]),
        ("relation=disputes", ["allegation", "finding"]),
        ("ordering=-said_on", ["finding", "allegation", "denial", "earlier"]),
        ("ordering=-rebutted_by", ["allegation", "earlier", "denial", "finding"]),
    ],
)
def test_every_filter_and_sort_changes_the_list(client, debate, query, expected):
    """Each filter and ordering in the query string narrows or orders the claims shown."""
    response = client.get(f"{CLAIMS}?{query}")
    assert response.status_code == 200
    assert summaries(response) == [getattr(debate, name).summary for name in expected]


def test_most_rebutted_pages_filled_by_rebutted_claims_are_read_from_the_tally(client, db):
    """The "Most rebutted" rows a page shows are those of the whole order (most rebuttals, then
    date and id; then the claims never rebutted, by date), read from the tally's index while the
    rebutted claims fill the page, from the whole order once they run out: on the page and in
    the API, on both sides of that point."""
    answers = ClaimFactory.create_batch(3, said_on=datetime.date(2019, 1, 1))
    claims = [ClaimFactory(said_on=datetime.date(2020, 1, 1 + number % 4)) for number in range(30)]
    received = {}
    for number, claim in enumerate(claims[:27]):
        received[claim.pk] = 1 + number % 3
        for answer in answers[: received[claim.pk]]:
            RebuttalFactory(rebutting_claim=answer, rebutted_claim=claim)
    everything = sorted(
        answers + claims, key=lambda claim: (-received.get(claim.pk, 0), claim.said_on, claim.pk)
    )
    expected = [claim.summary for claim in everything]

    def read(url, data):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, data)
        tally_order = 'ORDER BY "claims_tally_rebutted"."rebuttals" DESC'
        from_tally = any(tally_order in query["sql"] for query in queries)
        return response, from_tally

    # 25 claims a page: page 1 is filled by the 27 rebutted claims; page 2 is not.
    page, from_tally = read(CLAIMS, {"ordering": "-rebutted_by"})
    assert summaries(page) == expected[:25] and from_tally
    page, from_tally = read(CLAIMS, {"ordering": "-rebutted_by", "page": 2})
    assert summaries(page) == expected[25:] and not from_tally
    for number, tally in ((1, True), (2, True), (3, False), (4, False)):
        response, from_tally = read(
            "/api/claims/", {"ordering": "-rebutted_by", "page_size": 10, "page": number, "format": "json"}
        )
        data = response.json()
        assert data["count"] == 33
        assert [claim["summary"] for claim in data["results"]] == expected[(number - 1) * 10 : number * 10]
        assert from_tally is tally


def test_facets_count_claims_for_each_value(client, debate):
    """Beside each filter value is how many claims it would match under the other filters."""
    html = client.get(CLAIMS, {"side": "us_government"}).content.decode()
    side_options = dict(
        re.findall(r'name="side" value="(\w+)".*?<span class="count">(\d+)</span>', html, re.S)
    )
    # The side facet ignores its own filter, so the other sides keep their counts.
    assert side_options == {"us_government": "2", "tiktok_bytedance": "1", "independent": "1"}
    types = dict(
        re.findall(r'name="claim_type" value="(\w+)".*?<span class="count">(\d+)</span>', html, re.S)
    )
    assert types == {"allegation": "2"}
    assert re.search(r'value="mike-pompeo"[^>]*>\s*<label[^>]*>Mike Pompeo <span class="count">2', html)
    assert "Yes (1)" in html  # is rebutted, among the two US government claims


def test_active_filters_are_listed_with_links_removing_each(client, debate):
    """Each active filter shows its value and a link to the same list without it."""
    response = client.get(CLAIMS, {"speaker": ["mike-pompeo", "tiktok"], "claim_type": "denial"})
    text = text_of(response)
    assert "Speaker: Mike Pompeo" in text and "Claim type: Denial" in text
    html = response.content.decode()
    assert (
        'href="?speaker=tiktok&amp;claim_type=denial" aria-label="Remove filter Speaker: Mike Pompeo"' in html
    )
    assert (
        'href="?speaker=mike-pompeo&amp;speaker=tiktok" aria-label="Remove filter Claim type: Denial"' in html
    )


def test_list_links_to_the_same_claims_as_json_and_csv(client, debate):
    """The export links carry the page's filters to the API, without the page number."""
    html = client.get(CLAIMS, {"side": "independent", "page": "1"}).content.decode()
    assert 'href="/api/claims/?side=independent&amp;format=csv"' in html
    csv = client.get("/api/claims/?side=independent&format=csv")
    body = csv.getvalue().decode()  # the export is streamed: read once
    assert csv.status_code == 200 and debate.finding.summary in body
    assert debate.allegation.summary not in body


def test_empty_result_says_so_and_offers_a_way_back(client, debate):
    """Filters matching nothing show a clear empty state, not a blank page."""
    text = text_of(client.get(CLAIMS, {"claim_type": "statistic"}))
    assert "0 claims" in text
    assert "No claims match these filters" in text


@pytest.mark.parametrize(
    "query, parameter, message",
    [
        ("said_from=garbage", "said_from", "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("speaker=99999", "speaker", "Select a valid choice"),
        ("q=data%00", "q", "NUL character"),
        ("speaker=%00", "speaker", "NUL character"),
        ("is_rebutted=perhaps&said_to=2020-13-45", "said_to", "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("ordering=sideways", "ordering", "Select a valid choice"),
    ],
)
def test_bad_filter_values_give_a_message_not_an_error(client, debate, query, parameter, message):
    """Bad input answers 200 with a message naming the parameter and the problem, and lists no claims."""
    response = client.get(f"{CLAIMS}?{query}")
    assert response.status_code == 200
    text = text_of(response)
    assert "Some filters could not be used" in text and message in text
    assert re.search(rf"\(\s*{parameter}\s*\):", text)
    assert summaries(response) == []


@pytest.mark.parametrize("page", ["99", "0", "garbage", "%00", "%C2%B2", "9" * 23])
def test_page_out_of_range_is_a_styled_404(client, debate, page):
    """?page=99 is not a page of results: 404 with the site's own page."""
    response = client.get(f"{CLAIMS}?page={page}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)
    assert "search the claims" in text_of(response)


def test_pages_stop_at_row_10000_with_a_message_and_the_filters(client, debate):
    """A page past row 10,000 says where pages stop and how to narrow, instead of an empty 404."""
    response = client.get(CLAIMS, {"page": "401", "side": "us_government"})
    assert response.status_code == 404
    text = text_of(response)
    assert "Pages stop at claim 10,000" in text and "Narrow the filters" in text
    assert "Side: US government" in text  # the active filters, to narrow with
    assert 'name="side" value="us_government"' in response.content.decode()


def counts_of(facet, html):
    """{value: count} of one facet's checkboxes on a list page."""
    return dict(
        re.findall(rf'name="{facet}" value="([\w-]+)".*?<span class="count">(\d+)</span>', html, re.S)
    )


def test_facet_counts_are_cached_until_the_next_write(client, debate, monkeypatch):
    """A facet's counts are reused for the corpus version (the page's fill-in reads them); a write shows."""
    assert counts_of("claim_type", client.get(CLAIMS).content.decode())["finding"] == "1"
    ClaimFactory(claim_type=ClaimType.FINDING)
    assert counts_of("claim_type", client.get(CLAIMS).content.decode())["finding"] == "2"
    assert counts_of("claim_type", client.get(CLAIMS, {"q": ""}).content.decode())["finding"] == "2"
    with monkeypatch.context() as patch:
        patch.setattr(facets, "within", lambda *arguments, **options: pytest.fail("recounted"))
        assert counts_of("claim_type", client.get(CLAIMS, {"page": "1"}).content.decode())["finding"] == "2"
    ClaimFactory(claim_type=ClaimType.FINDING)
    assert counts_of("claim_type", client.get(CLAIMS).content.decode())["finding"] == "3"  # a new version
    # Other filters are another key: counted afresh.
    assert counts_of("claim_type", client.get(CLAIMS, {"side": "independent"}).content.decode()) == {
        "finding": "1"
    }


def slow_sql():
    """A statement that runs far past the facet time limit unless it is stopped."""
    if connection.vendor == "postgresql":
        return "SELECT 'x', 1 FROM pg_sleep(5)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100000000) "
        "SELECT 'x', max(i) FROM n"
    )


def with_facet(monkeypatch, name, count):
    """ClaimFilterSet's description of filter name, counting its facet with count only (not the tables)."""
    description = ClaimFilterSet.descriptions[name]
    facet = description.facet._replace(count=count, tallied=None)
    monkeypatch.setitem(ClaimFilterSet.descriptions, name, description._replace(facet=facet))


def test_a_facet_out_of_time_is_shown_not_counted_with_its_values_usable(client, debate, monkeypatch):
    """A facet out of the page's time budget, and then of the background's limit, says so; its values stay."""
    calls = []

    def slow_side_counts(claims, selected_ids):
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute(slow_sql())
            return cursor.fetchall(), False

    with_facet(monkeypatch, "side", slow_side_counts)
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 200)
    monkeypatch.setattr(facets, "BACKGROUND_TIME_LIMIT_MS", 300)
    first = client.get(CLAIMS, {"side": "independent"})
    assert first.status_code == 200
    assert "Counting…" in text_of(first)  # out of the page's budget: handed to the background
    response = client.get(CLAIMS, {"side": "independent"})  # the background ran out of time too
    html = response.content.decode()
    assert "Not counted: too many claims; narrow the filters." in text_of(response)
    side = html[html.index("<summary>Side</summary>") : html.index("<summary>Speaker kind</summary>")]
    assert sorted(re.findall(r'name="side" value="(\w+)"', side)) == [
        "independent",
        "tiktok_bytedance",
        "us_government",
    ]
    assert re.search(r'value="independent" id="f-side-\d" checked', side) and 'class="count"' not in side
    # The other facets are counted, in the page's budget or the background's.
    assert counts_of("speaker", html) == {"citizen-lab": "1"}
    assert summaries(response) == [debate.finding.summary]
    client.get(CLAIMS, {"side": "independent", "page": "1"})
    assert len(calls) == 2  # the page's try and the background's; then remembered, not retried


def test_facets_out_of_the_budget_say_counting_and_are_filled_in_from_the_cache(client, debate, monkeypatch):
    """Past the budget the page says "counting…", is not stored, and the fill-in gets the counts.

    The facets the summary tables count (side, kind, type, speaker, topic under those filters) are
    not timed: they are there at once.
    """
    later = []
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facets.readcache, "compute_later", later.append)
    query = {"side": "us_government"}
    response = client.get(CLAIMS, query)
    assert response.status_code == 200 and "counting…" in text_of(response).lower()
    assert "Some counts are still being counted. Reload to see them." in text_of(response)
    html = response.content.decode()
    assert counts_of("speaker", html) == {"mike-pompeo": "2"}
    assert counts_of("side", html) == {"us_government": "2", "tiktok_bytedance": "1", "independent": "1"}
    assert counts_of("outlet", html) == {}  # counted from the quotes: in the background
    assert len(summaries(response)) == 2  # the list itself is whole
    # Not the final answer: neither the read cache nor a proxy keeps it.
    assert response["Cache-Control"] == "no-store" and "ETag" not in response
    assert client.get(CLAIMS, query).get("X-Read-Cache") != "hit"
    # The fill-in only reads the cache: nothing there yet, and it does not count.
    fill_in = reverse("claims:claim-facets")
    assert client.get(fill_in, query).json() == {"complete": False}
    assert len(later) == 1  # one background job for the block, not one per request
    later[0]()  # the background thread's turn
    answer = client.get(fill_in, query).json()
    assert answer["complete"] is True
    assert counts_of("outlet", answer["html"])
    # Now the page is whole, and the whole page is stored.
    monkeypatch.setattr(facets, "within", lambda *arguments, **options: pytest.fail("recounted"))
    whole = client.get(CLAIMS, query)
    assert "counting" not in text_of(whole).lower() and counts_of("speaker", whole.content.decode())
    assert "no-store" not in whole["Cache-Control"] and whole["ETag"]
    assert client.get(CLAIMS, query)["X-Read-Cache"] == "hit"
    # A tallied facet gone from the cache (culled) is read from the tables again by the fill-in.
    filterset = ClaimFilterSet(QueryDict("side=us_government"), queryset=Claim.objects.all())
    filterset.is_valid()
    cache.delete(facets._cache_key(filterset, "speaker"))
    answer = client.get(fill_in, {**query, "q": ""}).json()  # (another URL: not the answer kept whole)
    assert answer["complete"] is True and counts_of("speaker", answer["html"]) == {"mike-pompeo": "2"}


# A filter the summary tables cannot count (they count by side, speaker, claim type and whole
# months): a day within a month. All 4 claims.
DATED = {"said_from": "2019-06-15"}


def exact_count_out_of_time(monkeypatch, capped_too=False):
    """The listing's exact count (and with capped_too its count up to the cap) runs out of its budget."""
    calls, within = [], listing.within

    def first_out_of_time(connection, count, milliseconds, **options):
        calls.append(1)
        if len(calls) == 1 or capped_too:
            return facets.OUT_OF_TIME
        return within(connection, count, milliseconds, **options)

    monkeypatch.setattr(listing, "within", first_out_of_time)


def test_a_count_not_even_capped_in_time_says_counting_and_keeps_the_pages(client, debate, monkeypatch):
    """When not even the first 10,001 claims are counted in time the list says "Counting claims…"."""
    exact_count_out_of_time(monkeypatch, capped_too=True)
    monkeypatch.setattr(facets.readcache, "compute_later", lambda job: None)
    response = client.get(CLAIMS, DATED)
    assert "Counting claims…" in text_of(response) and len(summaries(response)) == 4
    assert response["Cache-Control"] == "no-store"


def test_counts_the_summary_tables_answer_are_never_out_of_time(client, debate, monkeypatch):
    """No filter, or side, speaker and claim type only: counted from the summary tables, exact at once."""
    exact_count_out_of_time(monkeypatch, capped_too=True)
    assert "4 claims" in text_of(client.get(CLAIMS))
    assert "2 claims" in text_of(client.get(CLAIMS, {"side": "us_government"}))
    assert client.get("/api/claims/", {"side": "us_government"}).json()["count"] == 2


def test_a_count_out_of_its_budget_says_more_than_and_is_filled_in(client, debate, monkeypatch):
    """Past the count's budget the list says "more than" (its pages all there), then the exact count."""
    later = []
    exact_count_out_of_time(monkeypatch)
    monkeypatch.setattr(listing, "MAX_PAGED_ROWS", 2)
    monkeypatch.setattr(facets.readcache, "compute_later", later.append)
    response = client.get(CLAIMS, DATED)
    assert "More than 10,000 claims (counting…)" in text_of(response)
    assert summaries(response) and response["Cache-Control"] == "no-store"
    fill_in = reverse("claims:claim-facets")
    assert client.get(fill_in, DATED).json() == {"complete": False}
    for job in later:
        job()
    assert client.get(fill_in, DATED).json()["count"] == "4 claims"
    assert "4 claims" in text_of(client.get(CLAIMS, DATED))


def test_the_fill_in_refuses_bad_filters_with_a_400_naming_them(client, debate):
    """/claims/facets/ with an invalid filter answers 400 and the parameter, never a 500."""
    response = client.get(reverse("claims:claim-facets"), {"said_from": "garbage"})
    assert response.status_code == 400 and "said_from" in response.json()["errors"]


def test_speaker_facet_lists_the_busiest_speakers_and_links_to_the_rest(client, debate, monkeypatch):
    """With thousands of speakers the facet shows the top ones, any selected one, and a link to all."""
    monkeypatch.setattr(facets, "FACET_TOP", 1)
    html = client.get(CLAIMS, {"speaker": "tiktok"}).content.decode()
    speakers = html[html.index("<summary>Speaker</summary>") : html.index("<summary>Outlet</summary>")]
    assert re.findall(r'name="speaker" value="([\w-]+)"', speakers) == ["mike-pompeo", "tiktok"]
    assert 'href="/speakers/">Every speaker</a>' in speakers


def test_relation_facet_counts_claims_on_either_side_of_a_rebuttal(client, debate):
    """Each relation counts the claims rebutting or rebutted that way, under the other filters."""
    assert counts_of("relation", client.get(CLAIMS, {"relation": "denies"}).content.decode()) == {
        "denies": "2",
        "disputes": "2",
    }
    assert counts_of("relation", client.get(CLAIMS, {"side": "tiktok_bytedance"}).content.decode()) == {
        "denies": "1"
    }


def test_a_search_with_too_many_matches_to_rank_lists_them_oldest_first(client, db, monkeypatch):
    """Past MAX_PAGED_ROWS matches best-match order is not attempted: time order, and the page says why."""
    ClaimFactory(summary="Data, data and more data: the data question.", said_on=datetime.date(2021, 1, 1))
    ClaimFactory(summary="The app sends data home.", said_on=datetime.date(2020, 1, 1))
    monkeypatch.setattr(filters, "MAX_PAGED_ROWS", 2)
    response = client.get(CLAIMS, {"q": "data"})
    assert summaries(response) == ["The app sends data home.", "Data, data and more data: the data question."]
    if connection.vendor == "postgresql":  # SQLite never ranks: its word match keeps time order
        assert "too many to rank by best match" in text_of(response)


def test_search_finds_words_in_summaries_quotes_and_speaker_names_and_marks_them(client, debate):
    """?q= matches a summary, a quote or a speaker's name, and marks the matched words."""
    response = client.get(CLAIMS, {"q": "transmission"})
    assert summaries(response) == [debate.finding.summary]
    assert '<mark class="match">transmission</mark>' in response.content.decode()
    by_quote = client.get(CLAIMS, {"q": "asked"})
    assert summaries(by_quote) == [debate.denial.summary]
    assert 'if <mark class="match">asked</mark>' in by_quote.content.decode()
    by_speaker = client.get(CLAIMS, {"q": "Pompeo"})
    assert set(summaries(by_speaker)) == {debate.allegation.summary, debate.earlier.summary}
    assert '<mark class="match">Pompeo</mark>' in by_speaker.content.decode()
    assert "matching “Pompeo”" in text_of(by_speaker)


def test_search_needs_every_word_and_combines_with_filters(client, debate):
    """Two words must both match; a search narrows further with other filters."""
    assert summaries(client.get(CLAIMS, {"q": "never provided"})) == [debate.denial.summary]
    assert summaries(client.get(CLAIMS, {"q": "Chinese government", "ordering": "said_on"})) == [
        debate.earlier.summary,  # its quote holds the words, not its summary
        debate.denial.summary,
    ]
    assert summaries(client.get(CLAIMS, {"q": "data", "side": "independent"})) == [debate.finding.summary]
    assert summaries(client.get(CLAIMS, {"q": "zeppelin"})) == []


def test_search_escapes_html_in_the_query_and_the_text(client, debate):
    """A query with markup is shown as text, never as markup."""
    response = client.get(CLAIMS, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


# /claims/<id>/


def test_claim_page_shows_what_a_researcher_needs(client, debate):
    """Summary, speaker, date, venue, type, topics, the quote in its context, and the cite block."""
    response = client.get(debate.allegation.get_absolute_url())
    text = text_of(response)
    html = response.content.decode()
    assert debate.allegation.summary in text
    assert f'href="{debate.pompeo.get_absolute_url()}"' in html
    assert "3 August 2020 (known to the day)" in text
    assert "Press briefing, Washington" in text
    assert "Allegation" in text and "Data access" in text
    # The quote sits in its sentence, marked, with its attribution and a link to its anchor.
    assert (
        'Secretary of State Mike Pompeo said on Monday that <mark class="quote">TikTok was feeding data '
        "directly to the Chinese Communist Party</mark>" in html
    )
    assert "He offered no evidence." in text
    assert "Reported speech, attributed with “Mike Pompeo said on Monday”" in text
    assert f'href="{debate.article.get_absolute_url()}#{debate.allegation_quote.anchor_id}"' in html
    # Its topics were added after it was made: a version of their own (the history's rule).
    debate.allegation.refresh_from_db()
    assert debate.allegation.version == 2
    assert (
        "Pompeo, M. (2020, August 3). TikTok feeds user data directly to the Chinese Communist Party. "
        "(Version 2) [Allegation]. TikTok claims database." in text
    )
    assert f"http://testserver/claims/{debate.allegation.pk}/" in text
    assert f'href="/api/claims/{debate.allegation.pk}/jsonld/"' in html


def test_claim_page_shows_month_precision_as_a_month(client, debate):
    """A claim known only to the month shows "August 2020", never a made-up day."""
    text = text_of(client.get(debate.denial.get_absolute_url()))
    assert "August 2020 (known to the month)" in text
    assert "1 August 2020" not in text


def test_claim_page_lists_rebuttals_both_ways_with_relation_and_note(client, debate):
    """The rebutted claim lists who answered it; the answering claim lists what it answers."""
    rebutted = text_of(client.get(debate.allegation.get_absolute_url()))
    assert (
        f"{debate.denial.summary} — TikTok, August 2020, denies this claim: "
        "The company answers the allegation directly." in rebutted
    )
    assert f"{debate.finding.summary} — Citizen Lab, 22 March 2021, disputes this claim" in rebutted
    rebutting = text_of(client.get(debate.denial.get_absolute_url()))
    assert f"This claim denies {debate.allegation.summary} — Mike Pompeo, 3 August 2020" in rebutting
    assert "No claim in the database answers this one." in rebutting


def test_claim_page_lists_other_claims_by_the_same_speaker(client, debate):
    """Other claims by the same speaker are listed, not the claim itself."""
    response = client.get(debate.allegation.get_absolute_url())
    section = text_of(response).split("Other claims by Mike Pompeo", 1)[1].split("Cite this", 1)[0]
    assert debate.earlier.summary in section
    assert debate.allegation.summary not in section


def test_claim_page_embeds_schema_org_claim_json_ld_safely_escaped(client, debate):
    """The JSON-LD block parses, describes the claim, and a </script> in the text cannot end it."""
    debate.allegation.summary = "Data goes </script><script>alert(1)</script> & more"
    debate.allegation.save()
    html = client.get(debate.allegation.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and "&" not in blocks[0]
    document = json.loads(blocks[0])
    assert document["@type"] == "Claim"
    assert document["author"]["name"] == "Mike Pompeo"
    assert document["appearance"][0]["headline"] == debate.article.headline
    assert "Data goes </script><script>alert(1)</script> & more" in json.dumps(document, ensure_ascii=False)


def test_unknown_claim_is_a_styled_404(client, db):
    """A claim id that does not exist answers 404 with the site's page."""
    response = client.get("/claims/99999/")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


# /speakers/


def test_speaker_list_groups_speakers_by_side_with_claim_counts(client, debate):
    """Speakers appear under their side with their kind, role and number of claims."""
    text = text_of(client.get(reverse("claims:speaker-list")))
    assert "US government Speaker Kind Role Claims Mike Pompeo Person U.S. Secretary of State" in text
    assert "U.S. Department of State Government body 0" in text
    assert (
        text.index("US government") < text.index("TikTok / ByteDance") < text.index("Independent and others")
    )
    assert "TikTok / ByteDance" in text and "Independent and others" in text


def test_speaker_list_pages_by_two_hundred_in_side_order(client, debate):
    """Past 200 speakers the list pages; the sides keep their order across pages."""
    SpeakerFactory.create_batch(200, side=Side.INDEPENDENT)
    first = text_of(client.get(reverse("claims:speaker-list")))
    assert "204 speakers; showing 1–200." in first and "Mike Pompeo" in first
    second = text_of(client.get(reverse("claims:speaker-list"), {"page": 2}))
    assert "showing 201–204" in second and "Independent and others" in second
    assert "Mike Pompeo" not in second


def test_speaker_page_shows_who_they_are_their_claims_and_rebuttals(client, debate):
    """Kind, role, affiliation, claims in time order, who rebutted them and whom they rebutted."""
    response = client.get(debate.pompeo.get_absolute_url())
    text = text_of(response)
    assert "Kind Person" in text and "Role at the time U.S. Secretary of State" in text
    assert "Affiliation U.S. Department of State" in text
    assert text.index(debate.earlier.summary) < text.index(debate.allegation.summary)
    assert f"TikTok denies “ {debate.allegation.summary} ”: {debate.denial.summary}" in text
    assert "Citizen Lab disputes" in text
    assert "Mike Pompeo rebuts no one in the database." in text
    tiktok = text_of(client.get(debate.tiktok.get_absolute_url()))
    assert f"“ {debate.denial.summary} ” denies Mike Pompeo : {debate.allegation.summary}" in tiktok


def test_organisation_page_lists_the_people_speaking_for_it(client, debate):
    """An organisation's page links the speakers affiliated with it."""
    html = client.get(debate.government.get_absolute_url()).content.decode()
    assert f'<a href="{debate.pompeo.get_absolute_url()}">Mike Pompeo</a>' in html


def test_unknown_speaker_is_a_404(client, db):
    """An unknown speaker slug answers 404."""
    assert client.get("/speakers/nobody-at-all/").status_code == 404


def test_speaker_page_lists_claims_50_a_page_in_time_order(client, db):
    """51 claims: the first 50 oldest first on page 1, the newest on page 2, page 3 is a 404."""
    speaker = SpeakerFactory()
    for day in range(51):
        ClaimFactory(
            speaker=speaker,
            said_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
            summary=f"Day {day}.",
        )
    first = client.get(speaker.get_absolute_url())
    listed = summaries(first)
    assert len(listed) == 50 and listed[0] == "Day 0." and listed[-1] == "Day 49."
    assert "Claims 1 to 50 of 51, 50 a page." in text_of(first) and "Page 1 of 2" in text_of(first)
    second = client.get(speaker.get_absolute_url(), {"page": 2})
    assert summaries(second) == ["Day 50."]
    assert client.get(speaker.get_absolute_url(), {"page": 3}).status_code == 404
    assert client.get(speaker.get_absolute_url(), {"page": "x"}).status_code == 404


def test_speaker_page_lists_the_first_rebuttals_and_links_to_the_rest(client, db, monkeypatch):
    """Past the first few rebuttals each way, the page links to the filtered claim list instead."""
    monkeypatch.setattr("claims.views.SpeakerDetailView.rebuttals_shown", 2)
    speaker = SpeakerFactory(slug="busy")
    for day in range(3):
        said_on = datetime.date(2020, 1, 1) + datetime.timedelta(days=day)
        RebuttalFactory(rebutted_claim__speaker=speaker, rebutted_claim__said_on=said_on)
        RebuttalFactory(rebutting_claim__speaker=speaker, rebutting_claim__said_on=said_on)
    response = client.get(speaker.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="relation relation-denies"') == 4
    assert f'href="{CLAIMS}?speaker=busy&amp;is_rebutted=true"' in html
    assert f'href="{CLAIMS}?speaker=busy&amp;rebuts=true"' in html
    assert text_of(response).count("The first 2 are listed.") == 2
    monkeypatch.setattr("claims.views.SpeakerDetailView.rebuttals_shown", 3)
    # Another URL: the first answer is cached for the corpus version, which the patch does not change.
    assert "The first" not in text_of(client.get(speaker.get_absolute_url(), {"page": "1"}))


# /timeline/


def test_timeline_draws_every_claim_as_a_link_grouped_by_side(client, debate):
    """Each claim is a mark linking to its page; speakers are grouped under their side."""
    response = client.get(reverse("claims:timeline"))
    html = response.content.decode()
    assert "<svg" in html
    for claim in (debate.allegation, debate.denial, debate.finding, debate.earlier):
        assert f'<a href="{claim.get_absolute_url()}" aria-label="' in html
    text = text_of(response)
    assert text.index("US government") < text.index("Mike Pompeo") < text.index("TikTok / ByteDance")
    assert text.index("TikTok / ByteDance") < text.index("Independent and others") < text.index("Citizen Lab")
    assert html.count('class="rebuttal-link relation-denies"') == 1
    assert html.count('class="rebuttal-link relation-disputes"') == 1


def test_timeline_accepts_the_claim_list_filters(client, debate):
    """?side= keeps only that side's marks; bad filters give the same message as the list."""
    html = client.get(reverse("claims:timeline"), {"side": "independent"}).content.decode()
    assert f'href="{debate.finding.get_absolute_url()}"' in html
    assert f'href="{debate.allegation.get_absolute_url()}"' not in html
    assert "rebuttal-link" not in html  # the rebutted claim is filtered out
    bad = client.get(reverse("claims:timeline"), {"said_from": "garbage"})
    assert bad.status_code == 200 and "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD" in text_of(bad)
    empty = client.get(reverse("claims:timeline"), {"claim_type": "statistic"})
    assert "No claims to draw for these filters." in text_of(empty)


def marks(response):
    """Each mark's (link, label) in a timeline drawing, unescaped."""
    drawing = re.search(r"<svg.*</svg>", response.content.decode(), flags=re.S).group()
    return [
        (html_module.unescape(href), html_module.unescape(label))
        for href, label in re.findall(r'<a href="([^"]*)" aria-label="([^"]*)">', drawing)
    ]


@pytest.fixture
def counted(monkeypatch):
    """Timelines count claims past 3 of them, with 2 speaker rows, so a few rows exercise it."""
    monkeypatch.setattr("claims.timeline.queries.MAX_DRAWN_CLAIMS", 3)
    monkeypatch.setattr("claims.timeline.queries.MAX_SPEAKER_ROWS", 2)


def test_a_big_result_is_counted_per_speaker_and_month_and_says_so(client, db, counted):
    """Past the threshold, bars count each speaker's claims per month and open them as a list."""
    pompeo = SpeakerFactory(name="Mike Pompeo", slug="pompeo")
    for day in (3, 20, 29):
        ClaimFactory(speaker=pompeo, said_on=datetime.date(2020, 8, day))
    ClaimFactory(speaker=pompeo, said_on=datetime.date(2020, 9, 1), said_on_precision="month")
    ClaimFactory(speaker=pompeo, said_on=datetime.date(2021, 1, 1), said_on_precision="year")
    response = client.get(reverse("claims:timeline"))
    assert "These 5 claims are too many to draw one by one, so they are counted" in text_of(response)
    assert (
        "narrow the filters below (a side, a speaker from the claim list, a shorter period or a "
        "search) to 3 claims or fewer" in text_of(response)
    )
    assert marks(response) == [
        (
            f"{CLAIMS}?speaker=pompeo&said_from=2021-01-01&said_to=2021-12-31",
            "1 claim by Mike Pompeo, dated only to the year 2021",
        ),
        (
            f"{CLAIMS}?speaker=pompeo&said_from=2020-08-01&said_to=2020-08-31",
            "3 claims by Mike Pompeo, August 2020",
        ),
        (
            f"{CLAIMS}?speaker=pompeo&said_from=2020-09-01&said_to=2020-09-30",
            "1 claim by Mike Pompeo, September 2020",
        ),
    ]
    assert response.content.decode().count('class="bar side-us_government bar-year"') == 1


def test_counted_rows_are_the_busiest_speakers_then_other_speakers_per_side(client, db, counted):
    """Speakers beyond the busiest share their side's "Other speakers" row, linking to the side."""
    busy, busier, quiet = (
        SpeakerFactory(name="Busy"),
        SpeakerFactory(name="Busier"),
        SpeakerFactory(name="Quiet"),
    )
    lab = SpeakerFactory(name="Lab", side=Side.INDEPENDENT)
    for speaker, count in ((busy, 2), (busier, 3), (quiet, 1), (lab, 1)):
        ClaimFactory.create_batch(count, speaker=speaker)
    response = client.get(reverse("claims:timeline"))
    text = text_of(response)
    assert text.index("US government Busier Busy Other speakers") < text.index("Independent and others")
    assert "Independent and others Other speakers" in text and "Lab" not in text
    labels = dict((label, href) for href, label in marks(response))
    assert labels["1 claim by other speakers (US government), August 2020"].startswith(
        f"{CLAIMS}?side=us_government&"
    )
    assert f"{CLAIMS}?side=independent&said_from=2020-08-01&said_to=2020-08-31" in labels.values()


def test_counted_marks_keep_the_page_filters_and_count_rebuttals_between_them(client, db, counted):
    """A filter stays on every bar's link; rebuttals between two bars are one counted curve."""
    state, tiktok = SpeakerFactory(slug="state"), SpeakerFactory(slug="tiktok", side=Side.TIKTOK_BYTEDANCE)
    for _ in range(2):
        RebuttalFactory(
            rebutted_claim__speaker=state,
            rebutting_claim__speaker=tiktok,
            rebutting_claim__claim_type="allegation",
        )
    ClaimFactory(speaker=state, claim_type=ClaimType.DENIAL)
    response = client.get(reverse("claims:timeline"), {"claim_type": "allegation"})
    assert {href for href, _ in marks(response)} == {
        f"{CLAIMS}?speaker=state&claim_type=allegation&said_from=2020-08-01&said_to=2020-08-31",
        f"{CLAIMS}?speaker=tiktok&claim_type=allegation&said_from=2020-08-01&said_to=2020-08-31",
    }
    html = response.content.decode()
    assert html.count('class="rebuttal-link relation-denies link-many"') == 1
    assert "<title>2 rebuttals: 2 claims by Speaker" in html


def two_rebuttals_with_curves_out_of_time(monkeypatch):
    """Two rebuttals between two speakers' claims; the timeline's curves (not its bars) out of time.

    Returns the list the background jobs are handed to, to run them when the test says.
    """
    from claims.timeline import drawing

    state, tiktok = SpeakerFactory(slug="state"), SpeakerFactory(slug="tiktok", side=Side.TIKTOK_BYTEDANCE)
    RebuttalFactory.create_batch(2, rebutted_claim__speaker=state, rebutting_claim__speaker=tiktok)
    later, within = [], drawing.within

    def curves_out_of_time(connection, count, milliseconds, savepoint=False):
        # The bars are counted in time (the first call); the curves (with a savepoint) are not.
        return drawing.OUT_OF_TIME if savepoint else within(connection, count, milliseconds)

    monkeypatch.setattr(drawing, "within", curves_out_of_time)
    monkeypatch.setattr(drawing.readcache, "compute_later", later.append)
    return later


def test_counted_curves_out_of_their_budget_come_later_and_the_drawing_is_filled_in(
    client, db, counted, monkeypatch
):
    """Curves not counted within the budget: bars at once, "still being counted", then the whole drawing."""
    later = two_rebuttals_with_curves_out_of_time(monkeypatch)
    timeline = reverse("claims:timeline")
    response = client.get(timeline)
    html = response.content.decode()
    assert "The rebuttal curves between these bars are still being counted." in text_of(response)
    assert len(marks(response)) == 2 and "rebuttal-link" not in html  # the bars, not yet the curves
    assert 'data-fill-in="/timeline/drawing/?"' in html and "js/fill-in" in html
    assert response["Cache-Control"] == "no-store" and "ETag" not in response
    # The fill-in only reads the cache: nothing there yet, and it does not count.
    fill_in = reverse("claims:timeline-drawing")
    assert client.get(fill_in).json() == {"complete": False}
    again = client.get(timeline)  # meanwhile: the bars again, and no second count of the curves
    assert len(marks(again)) == 2 and "still being counted" in text_of(again) and len(later) == 1
    later[0]()  # the background thread's turn
    answer = client.get(fill_in).json()
    assert answer["complete"] is True and 'class="rebuttal-link relation-denies link-many"' in answer["html"]
    # Now the page is whole (no budget needed: read from the cache), and the whole page is stored.
    whole = client.get(timeline)
    assert "still being counted" not in text_of(whole) and "rebuttal-link" in whole.content.decode()
    assert "no-store" not in whole["Cache-Control"] and whole["ETag"]
    assert client.get(timeline)["X-Read-Cache"] == "hit"


def test_a_counted_drawing_out_of_its_budget_says_so_until_it_is_counted(client, db, counted, monkeypatch):
    """A search's counted drawing (not from the summary tables) not in time: a note, then the drawing."""
    from claims.timeline import drawing

    ClaimFactory.create_batch(4, summary="Data sent abroad.", speaker=SpeakerFactory(name="Ann Analyst"))
    later = []
    monkeypatch.setattr(drawing, "within", lambda *arguments, **options: drawing.OUT_OF_TIME)
    monkeypatch.setattr(drawing.readcache, "compute_later", later.append)
    response = client.get(reverse("claims:timeline"), {"q": "data"})
    assert "The timeline of these claims is still being counted." in text_of(response)
    assert re.search(r"More than \d+ claims: too many to draw one by one", text_of(response))
    assert "No claims to draw" not in text_of(response) and response["Cache-Control"] == "no-store"
    later[0]()
    answer = client.get(reverse("claims:timeline-drawing"), {"q": "data"}).json()
    assert answer["complete"] is True and "4 claims by Ann Analyst, August 2020" in answer["html"]


def test_the_timeline_fill_in_names_a_bad_parameter(client, db):
    """The fill-in answers bad filters as the API does: a 400 naming the parameter."""
    response = client.get(reverse("claims:timeline-drawing"), {"said_from": "soon"})
    assert response.status_code == 400 and "said_from" in response.json()["errors"]


def test_counted_timeline_counts_each_claim_once_whatever_the_sort(client, db, counted):
    """Sorting by rebuttals (which joins them) does not count a claim rebutted three times thrice."""
    rebutted = ClaimFactory()
    RebuttalFactory.create_batch(3, rebutted_claim=rebutted)
    for query in ({}, {"ordering": "-rebutted_by"}, {"q": "Summary"}):
        assert "These 4 claims are too many" in text_of(client.get(reverse("claims:timeline"), query)), query


def test_a_narrow_filter_draws_each_claim_again(client, db, counted):
    """Filtered down to the threshold, the timeline draws one mark per claim."""
    speaker = SpeakerFactory(slug="few")
    ClaimFactory.create_batch(2, speaker=speaker, said_on=datetime.date(2021, 5, 5))
    ClaimFactory.create_batch(4)
    response = client.get(reverse("claims:timeline"), {"speaker": "few"})
    html = response.content.decode()
    assert "too many to draw" not in text_of(response) and 'class="bar' not in html
    assert f'<a href="{CLAIMS}?speaker=few&amp;said_from=2021-05-05&amp;said_to=2021-05-05"' in html
    assert '<text class="mark-count"' in html


# /articles/


def test_article_list_shows_outlet_date_and_quote_counts(client, debate):
    """Each article with its outlet, date and how many quotes and claims it holds."""
    text = text_of(client.get(reverse("sources:article-list")))
    assert f"{debate.article.headline} Reuters · original 3 August 2020 4 4" in text


def test_article_list_pages_by_fifty_with_counts_on_every_page(client, debate):
    """Past 50 articles the list pages; an article on page 2 still shows its own counts."""
    ArticleFactory.create_batch(50, published_on=datetime.date(2019, 1, 1))
    first = text_of(client.get(reverse("sources:article-list")))
    assert "51 articles, oldest first; showing 1–50." in first and debate.article.headline not in first
    second = text_of(client.get(reverse("sources:article-list"), {"page": 2}))
    assert f"{debate.article.headline} Reuters · original 3 August 2020 4 4" in second
    assert "showing 51–51" in second
    assert client.get(reverse("sources:article-list"), {"page": 3}).status_code == 404


def test_article_page_highlights_every_quote_with_an_anchor_and_a_claim_link(client, debate):
    """Every quote is marked, carries its anchor id once, and links to its claim."""
    html = client.get(debate.article.get_absolute_url()).content.decode()
    for quote in (debate.allegation_quote, debate.denial_quote, debate.finding_quote, debate.fragment_quote):
        assert html.count(f'id="{quote.anchor_id}"') == 1
        assert f'href="{quote.claim.get_absolute_url()}"' in html
    assert (
        f'<mark class="quote" id="{debate.allegation_quote.anchor_id}" data-claim="{debate.allegation.pk}">'
        "TikTok was feeding data directly to the Chinese Communist Party</mark>" in html
    )


def test_article_page_nests_overlapping_quotes(client, debate):
    """A quote inside another is marked inside the outer mark, both ids present."""
    html = client.get(debate.article.get_absolute_url()).content.decode()
    outer, inner = debate.denial_quote, debate.fragment_quote
    assert (
        f'<mark class="quote" data-claim="{outer.claim_id}"><mark class="quote" id="{inner.anchor_id}" '
        f'data-claim="{inner.claim_id}">user data to the Chinese government</mark></mark>' in html
    )
    assert (
        f'<mark class="quote" id="{outer.anchor_id}" data-claim="{outer.claim_id}">We have never provided'
        in html
    )


def test_unknown_article_is_a_404(client, db):
    """An unknown article slug answers 404."""
    assert client.get("/articles/no-such-article/").status_code == 404


# /


def test_home_shows_counts_timeline_most_rebutted_and_entry_points(client, debate):
    """The start page: numbers, a small timeline by side, the most rebutted claim, links onward."""
    response = client.get("/")
    text = text_of(response)
    assert "4 claims" in text and "1 rebutted" in text and "4 speakers" in text
    assert "1 articles from 1 outlets" in text and "2 rebuttals" in text
    assert 'class="timeline timeline-compact"' in response.content.decode()
    most = text.split("Most rebutted claims", 1)[1]
    assert most.strip().startswith(debate.allegation.summary)
    assert "rebutted by 2" in most
    assert f'href="{CLAIMS}?claim_type=denial"' in response.content.decode()


def test_home_lists_the_five_most_rebutted_claims_ties_by_date(client, db):
    """Five claims at most, the most rebutted first; equal counts in date order (then by id)."""
    rebuttals = {"most": 3, "late tie": 2, "early tie": 2, "tie a": 1, "tie b": 1, "tie c": 1}
    dates = {"late tie": datetime.date(2021, 5, 1), "early tie": datetime.date(2020, 1, 1)}
    for summary, count in rebuttals.items():
        claim = ClaimFactory(summary=f"{summary}.", said_on=dates.get(summary, datetime.date(2020, 8, 1)))
        RebuttalFactory.create_batch(count, rebutted_claim=claim)
    most = text_of(client.get("/")).split("Most rebutted claims", 1)[1]
    shown = [summary for summary in rebuttals if f"{summary}." in most]
    assert shown == ["most", "late tie", "early tie", "tie a", "tie b"]
    assert sorted(shown, key=lambda summary: most.index(f"{summary}.")) == [
        "most",
        "early tie",
        "late tie",
        "tie a",
        "tie b",
    ]


def test_home_counts_a_big_database_by_side_and_shows_a_write_at_once(client, db, counted):
    """Past the threshold the strip counts claims per side and month; a write shows at once."""
    ClaimFactory.create_batch(3, speaker__side=Side.US_GOVERNMENT)
    ClaimFactory(speaker__side=Side.INDEPENDENT, said_on=datetime.date(2021, 3, 3))
    response = client.get("/")
    assert ("3 claims by US government, August 2020") in [label for _, label in marks(response)]
    assert f"{CLAIMS}?side=independent&said_from=2021-03-01&said_to=2021-03-31" in [
        href for href, _ in marks(response)
    ]
    ClaimFactory()
    assert "5 claims" in text_of(client.get("/"))  # the figures are cached per corpus version


def test_home_with_an_empty_database_still_answers(client, db):
    """No data yet: the start page says so instead of failing."""
    response = client.get("/")
    assert response.status_code == 200
    assert "No rebuttals recorded yet." in text_of(response)


def test_every_page_has_landmarks_navigation_and_no_inline_script_or_style(client, debate):
    """One layout: main landmark, navigation, no inline code the Content-Security-Policy would block."""
    pages = [
        "/",
        CLAIMS,
        debate.allegation.get_absolute_url(),
        reverse("claims:speaker-list"),
        debate.pompeo.get_absolute_url(),
        reverse("sources:article-list"),
        debate.article.get_absolute_url(),
        reverse("claims:timeline"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert '<main id="main"' in html and '<nav aria-label="Main">' in html, url
        assert " style=" not in html and "<style" not in html, url
        for script in re.findall(r"<script\b[^>]*>", html):
            assert 'type="application/ld+json"' in script, url


# Query budgets: the same number of queries for 3 rows as for 30.


def pinned(django_assert_max_num_queries, client, url, budget):
    response = None
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("rows", [3, 30])
def test_list_pages_keep_their_query_budget_as_rows_grow(client, django_assert_max_num_queries, rows):
    """Claim, speaker and article lists, timeline and home use a fixed number of queries."""
    make_many(rows)
    quote = QuoteFactory(claim__speaker__slug="pompeo", article__slug="story", article__outlet__slug="wire")
    quote.claim.topics.add(TopicFactory(slug="data"))
    client.get(CLAIMS, {"q": "data"})  # once per process, not per request: is there an FTS5 table
    # Ten facet counts and four value-name lookups; on PostgreSQL each count runs in a savepoint
    # (its time limit), which adds a SAVEPOINT and a RELEASE per count and three around them.
    claims_budget = 18 if connection.vendor == "sqlite" else 42
    pinned(django_assert_max_num_queries, client, CLAIMS, claims_budget)
    # + the ids of the side's speakers with claims (claims.listing: once per corpus version),
    # + whether rebutted claims fill the page ("Most rebutted": filters.rebutted_first_within_pages)
    pinned(
        django_assert_max_num_queries,
        client,
        f"{CLAIMS}?q=data&side=us_government&ordering=-rebutted_by",
        claims_budget + 2,
    )
    every_model_filter = f"{CLAIMS}?speaker=pompeo&topic=data&article=story&outlet=wire"
    assert summaries(
        pinned(django_assert_max_num_queries, client, every_model_filter, claims_budget + 12)
    ) == [quote.claim.summary]
    pinned(django_assert_max_num_queries, client, reverse("claims:speaker-list"), 2)
    pinned(django_assert_max_num_queries, client, reverse("sources:article-list"), 3)
    # One query more than the drawing: the summary table says whether to draw or count; and one
    # for the ids of the side's speakers with claims (claims.listing).
    pinned(django_assert_max_num_queries, client, f"{reverse('claims:timeline')}?side=us_government", 4)
    # + the summary table (draw or count) and articles and outlets counted apart (no join); the
    # most rebutted claims' ids, then those claims
    pinned(django_assert_max_num_queries, client, "/", 11)


@pytest.mark.parametrize("rows", [3, 30])
def test_counted_timeline_keeps_its_query_budget_as_rows_grow(
    client, django_assert_max_num_queries, counted, rows
):
    """Counted, the timeline and home use a fixed number of queries, and fewer once cached."""
    make_many(rows)
    SpeakerFactory.create_batch(rows)
    # From the summary tables: the total, the speakers, their claims per speaker; bars of the busiest
    # speakers and of each side; then the rebuttal links (6 small queries, was 4 over the claims).
    # On PostgreSQL the drawing's time limit (claims/timeline/drawing.py) adds 7 statements: a
    # SAVEPOINT and SET LOCAL statement_timeout for the bars, the same for the curves, releases.
    limits = 0 if connection.vendor == "sqlite" else 7
    pinned(django_assert_max_num_queries, client, reverse("claims:timeline"), 6 + limits)
    # + the ids of the side's speakers with claims (claims.listing: once per corpus version)
    side = f"{reverse('claims:timeline')}?side=us_government"
    pinned(django_assert_max_num_queries, client, side, 7 + limits)
    pinned(django_assert_max_num_queries, client, reverse("claims:timeline"), 1)
    # + the summary table (draw or count) and articles and outlets counted apart (no join); the
    # most rebutted claims' ids, then those claims
    pinned(django_assert_max_num_queries, client, "/", 11 + limits)
    pinned(django_assert_max_num_queries, client, "/", 1)


@pytest.mark.parametrize("rows", [3, 30])
def test_detail_pages_keep_their_query_budget_as_rows_grow(client, django_assert_max_num_queries, rows):
    """A claim, speaker or article with many quotes and rebuttals uses a fixed number of queries."""
    speaker = SpeakerFactory(affiliation=SpeakerFactory())
    article = ArticleFactory()
    claim = ClaimFactory(speaker=speaker)
    for _ in range(rows):
        other = ClaimFactory(speaker=speaker, claim_type=ClaimType.DENIAL)
        QuoteFactory(claim=other, article=article)
        RebuttalFactory(rebutting_claim=other, rebutted_claim=claim)
        RebuttalFactory(
            rebutting_claim=claim, rebutted_claim=ClaimFactory(), relation=RebuttalRelation.QUALIFIES
        )
        claim.topics.add(TopicFactory())
        SpeakerFactory(affiliation=speaker)
    QuoteFactory(claim=claim, article=article, text="a spokesperson said")
    pinned(django_assert_max_num_queries, client, claim.get_absolute_url(), 7)  # 7th: its corrections
    # Speaker, members, the page's count, its claims and their rebuttal counts, both rebuttal lists.
    pinned(django_assert_max_num_queries, client, speaker.get_absolute_url(), 7)
    pinned(django_assert_max_num_queries, client, article.get_absolute_url(), 3)  # 3rd: its stored pages


def test_month_precision_claims_match_overlapping_ranges_on_the_page(client, db):
    """A claim dated only to July 2020 is listed for a range ending on 1 July."""
    july = ClaimFactory(said_on=datetime.date(2020, 7, 1), said_on_precision="month", summary="In July.")
    ClaimFactory(said_on=datetime.date(2020, 9, 1), summary="In September.")
    response = client.get(CLAIMS, {"said_from": "2020-07-20", "said_to": "2020-07-21"})
    assert summaries(response) == [july.summary]
    assert "Said from: 2020-07-20" in text_of(response)


def test_sides_fall_back_to_side_order_in_the_speaker_list(client, db):
    """Speakers list their side's label even when only one side has speakers."""
    SpeakerFactory(name="Only One", side=Side.INDEPENDENT)
    assert "Independent and others" in text_of(client.get(reverse("claims:speaker-list")))


def test_quote_at_helper_anchors_exactly(debate):
    """The test helper places quotes at their exact offsets (guards the fixtures above)."""
    quote = quote_at(debate.finding, debate.article, "similar to other social media apps")
    assert quote.verify() == "exact"


def test_server_error_page_is_the_styled_one(rf):
    """Django's 500 handler renders the site's own page, with no database or context needed."""
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert '<nav aria-label="Main">' in response.content.decode()


def test_search_results_are_ranked_on_postgresql_and_chronological_on_sqlite(client, db):
    """PostgreSQL lists the best match first; SQLite's word match keeps time order."""
    once = ClaimFactory(summary="The app sends data home.", said_on=datetime.date(2020, 1, 1))
    often = ClaimFactory(
        summary="Data, data and more data: the data question.", said_on=datetime.date(2021, 1, 1)
    )
    ClaimFactory(summary="Nothing relevant here.")
    listed = summaries(client.get(CLAIMS, {"q": "data"}))
    if connection.vendor == "postgresql":
        assert listed == [often.summary, once.summary]
    else:
        assert listed == [once.summary, often.summary]
    assert summaries(client.get(CLAIMS, {"q": "data", "ordering": "-said_on"})) == [
        often.summary,
        once.summary,
    ]


def test_a_quote_whose_anchor_went_stale_is_flagged_not_marked_in_the_wrong_place(client, debate):
    """If the article text no longer holds the quote at its offsets, pages say so instead of guessing."""
    from claims.models import Quote

    Quote.objects.filter(pk=debate.finding_quote.pk).update(start=0, end=10)
    article = text_of(client.get(debate.article.get_absolute_url()))
    assert "not found at its recorded place: not marked" in article
    html = client.get(debate.article.get_absolute_url()).content.decode()
    assert f'id="{debate.finding_quote.anchor_id}"' not in html
    claim = text_of(client.get(debate.finding.get_absolute_url()))
    assert "not found at its recorded place in the article" in claim
