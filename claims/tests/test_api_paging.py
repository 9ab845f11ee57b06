import datetime
import re

import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Claim
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory
from sources.tests.factories import ArticleFactory
from tiktok_claims import paging

pytestmark = pytest.mark.django_db

DAY = datetime.date(2020, 8, 1)


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def small_caps(monkeypatch):
    """Paging stops after 4 rows and counts from 4 are cached, so a few claims show both."""
    monkeypatch.setattr(paging, "MAX_PAGED_ROWS", 4)


def test_pages_stop_at_the_row_cap_with_a_message(client, small_caps):
    """A page starting past the cap is a JSON 400 naming page and saying how to get the rest."""
    ClaimFactory.create_batch(6)
    assert client.get("/api/claims/?page_size=2&page=2").status_code == 200
    response = client.get("/api/claims/?page_size=2&page=3")
    assert response.status_code == 400
    assert "pages stop at row 4" in response.json()["page"][0]


def test_a_count_is_cached_for_the_corpus_version_and_a_write_recounts(client, small_caps):
    """Counts come from the cache until the next write, which every next answer shows at once."""
    ClaimFactory.create_batch(3)
    assert client.get("/api/claims/").json()["count"] == 3
    ClaimFactory()
    assert client.get("/api/claims/").json()["count"] == 4
    ClaimFactory()
    assert client.get("/api/claims/").json()["count"] == 5
    assert client.get("/api/claims/?page_size=5").json()["count"] == 5


def walk(client, url, link):
    """The pages met by following `link` (next or previous) from url: each page's summaries."""
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([claim["summary"] for claim in body["results"]])
        url = body[link]
    return pages


@pytest.mark.parametrize("ordering", ["said_on", "-said_on"])
def test_cursor_links_walk_every_claim_once_in_order_past_the_page_cap(client, small_caps, ordering):
    """next links go past the numbered pages' cap, ties on a date in id order; previous links walk back."""
    for day in (3, 1, 2, 1, 1, 3, 2):
        ClaimFactory(said_on=datetime.date(2020, 8, day))
    tie_break = "-pk" if ordering.startswith("-") else "pk"
    expected = list(Claim.objects.order_by(ordering, tie_break).values_list("summary", flat=True))
    url = f"/api/claims/?ordering={ordering}&page_size=2"

    first = client.get(url).json()
    forward = walk(client, url, "next")
    # A cursor past the last row in this order: previous links walk back from the end.
    end_of_list = "0001-01-01,1" if ordering.startswith("-") else "9999-12-31,1"
    backward = walk(client, f"{url}&before={end_of_list}", "previous")

    assert first["count"] == 7 and first["previous"] is None and "after=" in first["next"]
    assert [summary for page in forward for summary in page] == expected
    assert [summary for page in reversed(backward) for summary in page] == expected


def test_a_numbered_page_links_to_its_neighbours_by_cursor(client):
    """From page 2, previous and next are cursors to the rows just before and just after it."""
    ClaimFactory.create_batch(5)
    ids = list(Claim.objects.order_by("said_on", "pk").values_list("pk", flat=True))

    body = client.get("/api/claims/?page=2&page_size=2").json()
    before = client.get(body["previous"]).json()
    after = client.get(body["next"]).json()

    assert [claim["url"] for claim in before["results"]] == [
        f"http://testserver/api/claims/{pk}/" for pk in ids[:2]
    ]
    assert [claim["url"] for claim in after["results"]] == [
        f"http://testserver/api/claims/{pk}/" for pk in ids[4:]
    ]
    assert after["next"] is None


def test_orders_without_a_keyset_keep_page_number_links(client):
    """Most rebutted first pages by number, as before."""
    ClaimFactory.create_batch(3)

    body = client.get("/api/claims/?ordering=-rebutted_by&page_size=2").json()

    assert body["next"] == "http://testserver/api/claims/?ordering=-rebutted_by&page=2&page_size=2"


def test_a_cursor_keeps_the_filters(client):
    """A cursor link keeps every other parameter and pages within the filtered claims."""
    kept = ClaimFactory.create_batch(3, claim_type="denial")
    ClaimFactory.create_batch(3, claim_type="allegation")

    body = client.get("/api/claims/?claim_type=denial&page_size=2").json()
    rest = client.get(body["next"]).json()

    assert "claim_type=denial" in body["next"]
    assert body["count"] == rest["count"] == 3
    assert rest["results"][0]["key"] == kept[2].key


@pytest.fixture
def rank_cap(monkeypatch):
    """A search matching 3 claims or more is too many to rank (MAX_PAGED_ROWS, as on /claims/)."""
    from claims import filters

    monkeypatch.setattr(filters, "MAX_PAGED_ROWS", 3)


def data_claims(count=2):
    """count claims matching "data": one saying it often in 2021, the others once, in 2020 and before."""
    ClaimFactory(summary="Data, data and more data: the data question.", said_on=datetime.date(2021, 1, 1))
    for year in range(2020, 2020 - count + 1, -1):
        ClaimFactory(summary=f"The app sends data home in {year}.", said_on=datetime.date(year, 1, 1))
    ClaimFactory(summary="Nothing relevant here.")


def searched(client, params=None):
    return client.get("/api/claims/", {"search": "data", "page_size": 2, **(params or {})}).json()


def test_a_search_is_ranked_on_postgresql_and_says_so(client, rank_cap):
    """Below the cap PostgreSQL lists the best match first ("rank"); SQLite's word match keeps time order."""
    data_claims()
    body = searched(client, {"page_size": 1})

    summaries = [claim["summary"] for claim in body["results"]]
    if connection.vendor == "postgresql":
        assert body["ordering"] == "rank"
        assert summaries[0] == "Data, data and more data: the data question."
        assert "page=2" in body["next"]
    else:
        assert body["ordering"] == "said_on"
        assert summaries[0] == "The app sends data home in 2020."
        assert "after=2020-01-01" in body["next"]


def test_a_search_matching_too_many_to_rank_is_in_time_order_and_says_so(client, rank_cap):
    """From the cap on, on either database, the matches are oldest first, said so, and paged by cursor."""
    data_claims(count=3)
    body = searched(client)

    assert body["count"] == 3
    assert body["ordering"] == "said_on"
    assert [claim["summary"] for claim in body["results"]] == [
        "The app sends data home in 2019.",
        "The app sends data home in 2020.",
    ]
    rest = client.get(body["next"]).json()
    assert "after=2020-01-01" in body["next"]
    assert [claim["summary"] for claim in rest["results"]] == ["Data, data and more data: the data question."]


def test_an_ordering_asked_for_is_kept_and_named(client, rank_cap):
    """ordering=-said_on is newest first whatever the number of matches, and the answer names it."""
    data_claims(count=3)
    body = searched(client, {"ordering": "-said_on"})

    assert body["ordering"] == "-said_on"
    assert body["results"][0]["summary"] == "Data, data and more data: the data question."


@pytest.mark.parametrize("count", [2, 3])
def test_a_search_is_counted_once(client, rank_cap, django_assert_max_num_queries, count):
    """Ranked or not, a search page runs the list's usual queries: the count is not run twice."""
    data_claims(count)
    # The page's claims, speakers, topics, quotes, articles, rebuttals, and each claim's last change.
    with django_assert_max_num_queries(7):
        searched(client)


@pytest.mark.parametrize("ordering", ["said_on", "-said_on", "-rebutted_by"])
def test_deep_pages_read_their_ids_first_and_list_the_same_rows(client, monkeypatch, ordering):
    """Past DEFERRED_FROM_ROW a page's ids come first (OFFSET over ids only), then its rows: the
    same rows in the same order as one query gives, on the API, /claims/ and a speaker's page."""
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    from claims.tests.factories import RebuttalFactory
    from claims.tests.test_views import summaries

    speaker = SpeakerFactory()
    claims = [ClaimFactory(said_on=datetime.date(2020, 8, 1 + n % 5), speaker=speaker) for n in range(9)]
    for n in range(3, 9):  # claims 0, 1 and 2 rebutted twice each
        RebuttalFactory(rebutting_claim=claims[n], rebutted_claim=claims[n % 3])

    def api_pages():
        cache.clear()  # (the answers are kept whole for the corpus version)
        return [
            [
                claim["url"]
                for claim in client.get(f"/api/claims/?ordering={ordering}&page_size=2&page={page}").json()[
                    "results"
                ]
            ]
            for page in range(1, 6)
        ]

    def html_pages():
        cache.clear()
        return [summaries(client.get(f"/claims/?ordering={ordering}&page={page}")) for page in (1, 2)] + [
            summaries(client.get(f"/speakers/{speaker.slug}/?page={page}")) for page in (1, 2)
        ]

    monkeypatch.setattr("claims.views.ClaimListView.paginate_by", 5)
    monkeypatch.setattr("claims.views.SpeakerDetailView.claims_per_page", 5)
    expected_api, expected_html = api_pages(), html_pages()
    assert len(set(sum(expected_api, []))) == len(set(sum(expected_html[:2], []))) == len(claims)
    monkeypatch.setattr(paging, "DEFERRED_FROM_ROW", 2)
    with CaptureQueriesContext(connection) as queries:
        assert api_pages() == expected_api
    ids_first = [query["sql"] for query in queries if 'AS "pk" FROM "claims_claim"' in query["sql"]]
    assert any("OFFSET 2" in sql for sql in ids_first) and any("OFFSET 8" in sql for sql in ids_first)
    with CaptureQueriesContext(connection) as queries:
        pages = html_pages()
    ids_first = [query["sql"] for query in queries if 'AS "pk" FROM "claims_claim"' in query["sql"]]
    assert any("OFFSET 5" in sql and "speaker_id" in sql for sql in ids_first)  # the speaker's page 2
    monkeypatch.setattr(paging, "DEFERRED_FROM_ROW", 1_000)
    assert pages == html_pages() == expected_html


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/speakers/?ordering=side", lambda: [SpeakerFactory(side="independent") for _ in range(7)]),
        ("/api/articles/?ordering=published_on", lambda: ArticleFactory.create_batch(7, published_on=DAY)),
        ("/api/quotes/?ordering=start", lambda: QuoteFactory.create_batch(7, start=0, end=4)),
        ("/api/rebuttals/?ordering=relation", lambda: [RebuttalFactory(relation="denies") for _ in range(7)]),
    ],
)
def test_pages_of_an_order_with_ties_list_every_row_once(client, monkeypatch, url, make):
    """Ties in the order asked for are broken by id, so walking the pages (past the ids-first
    switch too) meets every row once; the SQL says so."""
    from django.test.utils import CaptureQueriesContext

    make()
    monkeypatch.setattr(paging, "DEFERRED_FROM_ROW", 4)
    seen, ordered = [], []
    for page in range(1, 5):
        with CaptureQueriesContext(connection) as queries:  # (one request at a time)
            results = client.get(f"{url}&page_size=2&page={page}").json()["results"]
        seen += [row["url"] for row in results]
        ordered += [query["sql"] for query in queries if re.search(r"ORDER BY .* LIMIT \d", query["sql"])]
    assert len(seen) == len(set(seen)) == client.get(url).json()["count"]
    # The page's rows, or past the switch its ids (the id then named by its place: 1), by id last.
    assert len(ordered) == 4 and all(re.search(r'ORDER BY .*("id"|1) ASC LIMIT', sql) for sql in ordered)
