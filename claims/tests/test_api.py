import csv
import datetime
import io
import json
import re
from itertools import combinations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from claims.api import viewsets
from claims.api.representation import CLAIM_EXPANDABLE
from claims.api.serializers import ClaimSerializer
from claims.models import Claim, ClaimType, Quote, Rebuttal, Side, SpeakerKind
from claims.tests.factories import (
    ClaimFactory,
    QuoteFactory,
    RebuttalFactory,
    SpeakerFactory,
    TopicFactory,
)
from sources.tests.factories import ArticleFactory, OutletFactory
from tiktok_claims.api.csv_export import neutralise_formula

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def user_with(*codenames):
    user = User.objects.create_user("curator", password="a long test password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


# Reading


def test_claim_detail_links_speaker_quotes_articles_and_rebuttals_both_ways(client):
    """A claim links its API and web URLs, speaker, quotes, articles, and the claims on either side."""
    quote = QuoteFactory(claim__speaker__slug="mike-pompeo")
    claim = quote.claim
    answer = RebuttalFactory(rebutted_claim=claim).rebutting_claim
    target = RebuttalFactory(rebutting_claim=claim).rebutted_claim

    data = client.get(f"/api/claims/{claim.pk}/").json()

    assert data["url"] == f"http://testserver/api/claims/{claim.pk}/"
    assert data["web_url"] == f"http://testserver/claims/{claim.pk}/"
    assert data["speaker"] == "http://testserver/api/speakers/mike-pompeo/"
    assert data["quotes"] == [f"http://testserver/api/quotes/{quote.pk}/"]
    assert data["articles"] == [f"http://testserver/api/articles/{quote.article.slug}/"]
    assert data["rebutted_by"] == [f"http://testserver/api/claims/{answer.pk}/"]
    assert data["rebuts"] == [f"http://testserver/api/claims/{target.pk}/"]
    assert data["jsonld"] == f"http://testserver/api/claims/{claim.pk}/jsonld/"


def test_claims_filter_by_speaker_slug_like_the_claims_page(client):
    """?speaker=<slug> returns only that speaker's claims."""
    pompeo = SpeakerFactory(slug="mike-pompeo")
    ClaimFactory(speaker=pompeo, summary="Pompeo's claim.")
    ClaimFactory(summary="Someone else's claim.")

    data = client.get("/api/claims/", {"speaker": "mike-pompeo"}).json()

    assert data["count"] == 1
    assert [claim["summary"] for claim in data["results"]] == ["Pompeo's claim."]


def test_claims_filters_combine_side_type_and_date(client):
    """Side, claim type and date filters narrow the list together."""
    tiktok = SpeakerFactory(side=Side.TIKTOK_BYTEDANCE)
    ClaimFactory(
        speaker=tiktok, claim_type=ClaimType.DENIAL, said_on=datetime.date(2020, 7, 1), summary="Kept."
    )
    ClaimFactory(
        speaker=tiktok, claim_type=ClaimType.DENIAL, said_on=datetime.date(2019, 7, 1), summary="Too early."
    )
    ClaimFactory(claim_type=ClaimType.DENIAL, said_on=datetime.date(2020, 7, 1), summary="Other side.")

    data = client.get(
        "/api/claims/", {"side": "tiktok_bytedance", "claim_type": "denial", "said_from": "2020-01-01"}
    ).json()

    assert [claim["summary"] for claim in data["results"]] == ["Kept."]


def test_a_side_and_type_no_speaker_pairs_list_nothing_and_a_speaker_moving_side_moves_its_claims(client):
    """A side with a type none of its speakers used lists nothing; a speaker moving side takes its claims."""
    speaker = SpeakerFactory(side=Side.TIKTOK_BYTEDANCE)
    ClaimFactory(speaker=speaker, claim_type=ClaimType.DENIAL, summary="A denial.")
    ClaimFactory(speaker=SpeakerFactory(side=Side.US_GOVERNMENT), claim_type=ClaimType.ALLEGATION)
    query = {"side": "us_government", "claim_type": "denial"}
    assert client.get("/api/claims/", query).json()["count"] == 0
    assert "No claims match these filters" in client.get("/claims/", query).content.decode()
    speaker.side = Side.US_GOVERNMENT
    speaker.save()
    data = client.get("/api/claims/", query).json()
    assert data["count"] == 1 and [claim["summary"] for claim in data["results"]] == ["A denial."]
    both = client.get("/api/claims/", {"side": ["us_government", "independent"]}).json()
    assert both["count"] == 2


def test_claims_search_matches_summary_and_q_is_the_same(client):
    """search and q both find a claim by a word of its summary."""
    ClaimFactory(summary="TikTok shares data with Beijing.")
    ClaimFactory(summary="Unrelated.")

    by_search = client.get("/api/claims/", {"search": "Beijing"}).json()
    by_q = client.get("/api/claims/", {"q": "Beijing"}).json()

    assert [claim["summary"] for claim in by_search["results"]] == ["TikTok shares data with Beijing."]
    assert by_q["results"] == by_search["results"]


def test_claims_ordering_newest_first(client):
    """ordering=-said_on puts the latest claim first."""
    ClaimFactory(summary="Old.", said_on=datetime.date(2019, 1, 1))
    ClaimFactory(summary="New.", said_on=datetime.date(2021, 1, 1))

    data = client.get("/api/claims/", {"ordering": "-said_on"}).json()

    assert [claim["summary"] for claim in data["results"]] == ["New.", "Old."]


def test_claims_expand_embeds_speaker_and_quotes(client):
    """?expand=speaker,quotes embeds the speaker and the quotes instead of links."""
    quote = QuoteFactory(claim__speaker__name="Mike Pompeo")

    data = client.get("/api/claims/", {"expand": "speaker,quotes"}).json()

    [claim] = data["results"]
    assert claim["speaker"]["name"] == "Mike Pompeo"
    assert claim["quotes"][0]["text"] == quote.text
    assert (
        claim["quotes"][0]["web_url"] == f"http://testserver/articles/{quote.article.slug}/#quote-{quote.pk}"
    )


def test_quotes_expand_article(client):
    """?expand=article embeds the quote's article."""
    QuoteFactory(article__headline="The report")

    data = client.get("/api/quotes/", {"expand": "article"}).json()

    assert data["results"][0]["article"]["headline"] == "The report"


def test_claim_jsonld_endpoint_serves_schema_org_claim(client):
    """The claim's JSON-LD is served as application/ld+json with its author."""
    claim = ClaimFactory(speaker__name="Mike Pompeo")

    response = client.get(f"/api/claims/{claim.pk}/jsonld/")

    assert response["Content-Type"].startswith("application/ld+json")
    assert response.json()["@type"] == "Claim"
    assert response.json()["author"]["name"] == "Mike Pompeo"


def test_quote_annotation_endpoint_serves_a_web_annotation(client):
    """The quote's annotation carries its exact words and offsets."""
    quote = QuoteFactory()

    data = client.get(f"/api/quotes/{quote.pk}/annotation/").json()

    assert data["type"] == "Annotation"
    assert data["target"]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": quote.start,
        "end": quote.end,
    }


def test_quotes_filter_by_article_and_mode(client):
    """Quotes filter by article slug and by mode."""
    article = ArticleFactory(slug="the-article")
    QuoteFactory(article=article, mode="direct", text="We have never provided user data")
    QuoteFactory(article=article, mode="reported")
    QuoteFactory(mode="direct", text="We have never provided user data")

    data = client.get("/api/quotes/", {"article": "the-article", "mode": "direct"}).json()

    assert [quote["text"] for quote in data["results"]] == ["We have never provided user data"]
    assert data["results"][0]["status"] == "exact"


def test_rebuttals_filter_by_relation_and_either_claim(client):
    """Rebuttals filter by relation and by a claim on either side."""
    rebuttal = RebuttalFactory(relation="disputes", note="Kept.")
    RebuttalFactory(relation="denies", rebutted_claim=rebuttal.rebutted_claim)
    RebuttalFactory(relation="disputes")

    data = client.get("/api/rebuttals/", {"relation": "disputes", "claim": rebuttal.rebutted_claim_id}).json()

    assert [item["note"] for item in data["results"]] == ["Kept."]


def test_speakers_filter_by_kind_and_side(client):
    """Speakers filter by kind and side."""
    SpeakerFactory(name="ByteDance", kind=SpeakerKind.COMPANY, side=Side.TIKTOK_BYTEDANCE)
    SpeakerFactory(name="Pompeo", kind=SpeakerKind.PERSON, side=Side.US_GOVERNMENT)

    data = client.get("/api/speakers/", {"kind": "company", "side": "tiktok_bytedance"}).json()

    assert [speaker["name"] for speaker in data["results"]] == ["ByteDance"]
    assert data["results"][0]["web_url"].endswith("/speakers/" + data["results"][0]["slug"] + "/")


def test_topics_list_and_detail(client):
    """Topics list and have a detail by slug."""
    TopicFactory(name="Data storage", slug="data-storage")

    assert client.get("/api/topics/").json()["results"][0]["name"] == "Data storage"
    assert client.get("/api/topics/data-storage/").json()["slug"] == "data-storage"


def test_api_root_lists_every_resource(client):
    """The browsable root links all seven resources."""
    data = client.get("/api/").json()

    assert set(data) == {"outlets", "articles", "speakers", "claims", "quotes", "rebuttals", "topics"}


# The browsable API's filter form


def filter_form(client, path):
    """The browsable API's filter form on path, as HTML."""
    html = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    start = html.index('<form class="form" action="" method="get">')
    return html[start : html.index("</form>", start)]


def test_filter_form_takes_speakers_and_articles_as_slugs_not_a_list_of_every_row(client):
    """The claims' filter form has text boxes for model filters, showing the values given, and no row list."""
    SpeakerFactory(slug="mike-pompeo")
    SpeakerFactory(slug="tiktok")
    ArticleFactory(slug="pompeo-says")

    form = filter_form(client, "/api/claims/?speaker=mike-pompeo&speaker=tiktok")

    assert re.findall(r'<input type="text" name="speaker"(?: value="([\w-]+)")?', form) == [
        "mike-pompeo",
        "tiktok",
        "",
    ]
    assert '<input type="text" name="article" placeholder="slug" id="id_article">' in form
    assert '<option value="pompeo-says"' not in form
    assert '<label for="id_outlet">Outlet:</label>' in form


def test_quote_and_rebuttal_filter_forms_take_claim_ids_as_text(client):
    """The quotes' and rebuttals' filter forms take a claim id in a text box, not a list of every claim."""
    rebuttal = RebuttalFactory()

    for path, name in [("/api/quotes/", "claim"), ("/api/rebuttals/", "rebutted_claim")]:
        form = filter_form(client, path)
        assert f'<input type="text" name="{name}" placeholder="id" id="id_{name}">' in form
        assert f'<option value="{rebuttal.rebutted_claim_id}"' not in form


def test_an_empty_filter_box_is_ignored(client):
    """?speaker=&speaker=<slug>, as the form sends with a box left empty, filters by the one given."""
    pompeo = SpeakerFactory(slug="mike-pompeo")
    ClaimFactory(speaker=pompeo, summary="Pompeo's claim.")
    ClaimFactory(summary="Someone else's claim.")

    response = client.get("/api/claims/?speaker=&speaker=mike-pompeo&article=")

    assert [claim["summary"] for claim in response.json()["results"]] == ["Pompeo's claim."]


# CSV


def test_claims_csv_is_the_whole_filtered_list_with_readable_names(client):
    """format=csv returns every matching claim, not one page, with speaker and article names."""
    pompeo = SpeakerFactory(name="Mike Pompeo", slug="mike-pompeo")
    article = ArticleFactory(headline="Pompeo speaks", outlet=OutletFactory(name="Reuters", slug="reuters"))
    for _ in range(3):
        QuoteFactory(claim=ClaimFactory(speaker=pompeo), article=article)
    ClaimFactory(summary="Not Pompeo.")

    response = client.get("/api/claims/", {"speaker": "mike-pompeo", "format": "csv", "page_size": 1})

    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert len(rows) == 3
    assert {row["speaker"] for row in rows} == {"Mike Pompeo"}
    assert {row["articles"] for row in rows} == {"Pompeo speaks"}
    assert {row["outlets"] for row in rows} == {"Reuters"}


def test_csv_by_accept_header(client):
    """Accept: text/csv gets CSV too."""
    ClaimFactory(summary="A claim.")

    response = client.get("/api/claims/", HTTP_ACCEPT="text/csv")

    assert [row["summary"] for row in csv_rows(response)] == ["A claim."]


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_spreadsheet_formulas(client, dangerous):
    """A cell starting with = + - @ tab or CR gets a leading apostrophe."""
    ClaimFactory(summary=dangerous)

    [row] = csv_rows(client.get("/api/claims/", {"format": "csv"}))

    assert row["summary"] == "'" + dangerous


@pytest.mark.parametrize(
    "resource", ["outlets", "articles", "speakers", "claims", "quotes", "rebuttals", "topics"]
)
def test_every_list_has_csv(client, resource):
    """Every list answers format=csv with a header row and one row per item."""
    RebuttalFactory()
    QuoteFactory()
    TopicFactory()

    response = client.get(f"/api/{resource}/", {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(csv_rows(response)) == client.get(f"/api/{resource}/").json()["count"]


def test_csv_errors_stay_json(client):
    """A bad filter asked as CSV still answers with a JSON 400."""
    response = client.get("/api/claims/", {"format": "csv", "said_from": "yesterday"})

    assert response.status_code == 400
    assert "said_from" in response.json()


# Bad input


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"said_from": "2020-13-45"}, "said_from"),
        ({"claim_type": "rumour"}, "claim_type"),
        ({"speaker": "nobody"}, "speaker"),
        ({"q": "data\x00"}, "q"),
        ({"search": "x\x00y"}, "search"),
        ({"ordering": "summary"}, "ordering"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "9" * 40}, "page_size"),
        ({"page": "two"}, "page"),
        ({"page": "99"}, "page"),
        ({"page": "²"}, "page"),  # a digit to str.isdigit(), not to int()
        ({"page": "9" * 23, "ordering": "-rebutted_by"}, "page"),
        ({"page_size": "²"}, "page_size"),
        ({"format": "xml"}, "format"),
        ({"format": "xml", "page": "2"}, "format"),
        ({"after": "yesterday"}, "after"),
        ({"after": "2020-02-30,1"}, "after"),
        ({"after": "2020-08-12,"}, "after"),
        ({"before": "2020-08-12,abc"}, "before"),
        ({"after": "2020-08-12," + "9" * 30}, "after"),
        ({"after": "2020-08-12,1", "before": "2020-08-12,2"}, "after"),
        ({"after": "2020-08-12,1", "page": "2"}, "after"),
        ({"after": "2020-08-12,1", "ordering": "-rebutted_by"}, "after"),
        ({"expand": "everything"}, "expand"),
    ],
)
def test_bad_claim_parameters_are_400_naming_the_parameter(client, params, name):
    """Each invalid parameter is refused with a JSON 400 keyed by its name."""
    response = client.get("/api/claims/", params)

    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/quotes/?claim=abc", "claim"),
        ("/api/quotes/?claim=" + "9" * 30, "claim"),
        ("/api/quotes/?mode=shouted", "mode"),
        ("/api/rebuttals/?rebutted_claim=99999999999999999999", "rebutted_claim"),
        ("/api/rebuttals/?relation=agrees", "relation"),
        ("/api/speakers/?side=moon", "side"),
        ("/api/articles/?published_from=20200101", "published_from"),
        ("/api/articles/?outlet=%00", "outlet"),
        ("/api/quotes/?format=xml", "format"),
        ("/api/?format=csv", "format"),
        ("/api/claims/1/jsonld/?format=csv", "format"),
    ],
)
def test_bad_parameters_on_other_lists_are_400(client, path, name):
    """Other lists refuse bad ids, huge numbers, unknown choices, bad dates and NUL with a 400."""
    response = client.get(path)

    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/claims/999999/",
        "/api/claims/99999999999999999999999/",
        "/api/claims/abc/",
        "/api/speakers/nobody/",
        "/api/nothing-here/",
    ],
)
def test_missing_items_and_urls_are_json_404(client, path):
    """Missing items and unknown URLs under /api/ are JSON 404s."""
    ClaimFactory()

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_url_without_trailing_slash_redirects(client):
    """/api/claims redirects to /api/claims/ rather than 404."""
    response = client.get("/api/claims?speaker=x")

    assert response.status_code == 301
    assert response["Location"] == "/api/claims/?speaker=x"


# Query budgets


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        # ... and one for each claim's last change (`modified`, from the history table).
        ("/api/claims/", 7),
        ("/api/claims/?expand=speaker,quotes,topics", 8),
        ("/api/quotes/", 2),
        ("/api/quotes/?expand=article", 2),
        ("/api/rebuttals/", 2),
        ("/api/speakers/", 2),
        ("/api/articles/", 2),
        ("/api/outlets/", 2),
        ("/api/topics/", 2),
        # The count, the rows with their kept lists, the topics' and outlets' names; on PostgreSQL
        # also the stream's transaction settings (tiktok_claims/streaming.py).
        ("/api/claims/?format=csv", 7),
        ("/api/quotes/?format=csv", 2),
    ],
)
def test_list_query_budget_does_not_grow_with_page_size(client, django_assert_max_num_queries, path, budget):
    """A page of 5 and a page of 50 run the same small number of queries."""
    topic = TopicFactory()
    for number in range(50):
        quote = QuoteFactory(claim__speaker__affiliation=SpeakerFactory() if number % 2 else None)
        quote.claim.topics.add(topic)
        RebuttalFactory(rebutted_claim=quote.claim)
    separator = "&" if "?" in path else "?"
    for page_size in (5, 50):
        with django_assert_max_num_queries(budget):
            response = client.get(f"{path}{separator}page_size={page_size}")
            response.getvalue()  # a streamed CSV runs its queries as it is read
        assert response.status_code == 200


# Permissions and writes


def test_anonymous_write_is_refused(client):
    """An anonymous POST is refused with 401 or 403 and nothing is created."""
    response = client.post("/api/topics/", {"name": "New", "slug": "new"}, format="json")

    assert response.status_code in {401, 403}
    assert not Claim.objects.exists()


def test_staff_without_the_permission_is_refused():
    """A signed-in staff user without add_claim cannot create a claim."""
    speaker = SpeakerFactory(slug="pompeo")
    client = token_client(user_with("view_claim"))

    response = client.post(
        "/api/claims/",
        {
            "key": "k",
            "speaker": f"http://testserver/api/speakers/{speaker.slug}/",
            "summary": "S.",
            "claim_type": "allegation",
            "said_on": "2020-08-12",
        },
        format="json",
    )

    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_staff_with_the_permission_creates_a_claim():
    """A staff user with add_claim creates a claim through the API with a token."""
    speaker = SpeakerFactory(slug="pompeo")
    topic = TopicFactory(slug="storage")
    client = token_client(user_with("add_claim"))

    response = client.post(
        "/api/claims/",
        {
            "key": "pompeo-new",
            "speaker": f"http://testserver/api/speakers/{speaker.slug}/",
            "summary": "A new claim.",
            "claim_type": "allegation",
            "said_on": "2020-08-01",
            "said_on_precision": "month",
            "topics": ["http://testserver/api/topics/storage/"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(key="pompeo-new")
    assert claim.speaker == speaker
    assert list(claim.topics.all()) == [topic]
    assert response.json()["said"] == "2020-08"


def test_claim_write_refuses_a_month_date_not_on_the_first(client):
    """A month-precision date that is not the 1st is refused naming said_on, like the admin."""
    speaker = SpeakerFactory(slug="pompeo")
    client = token_client(user_with("add_claim"))

    response = client.post(
        "/api/claims/",
        {
            "key": "k",
            "speaker": f"http://testserver/api/speakers/{speaker.slug}/",
            "summary": "S.",
            "claim_type": "allegation",
            "said_on": "2020-08-12",
            "said_on_precision": "month",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "said_on" in response.json()


def quote_payload(article, claim, **fields):
    return {
        "claim": f"http://testserver/api/claims/{claim.pk}/",
        "article": f"http://testserver/api/articles/{article.slug}/",
        "text": "a spokesperson said",
        "mode": "reported",
        **fields,
    }


def test_quote_write_refuses_text_not_at_its_offsets():
    """A quote whose text is not at its offsets is refused with a 400 naming start."""
    article = ArticleFactory()
    claim = ClaimFactory()
    client = token_client(user_with("add_quote"))

    response = client.post("/api/quotes/", quote_payload(article, claim, start=0, end=19), format="json")

    assert response.status_code == 400
    assert "start" in response.json()
    assert not Quote.objects.exists()


def test_quote_write_computes_missing_offsets():
    """A quote sent without offsets is anchored at the place its text occurs."""
    article = ArticleFactory()
    claim = ClaimFactory()
    client = token_client(user_with("add_quote"))

    response = client.post("/api/quotes/", quote_payload(article, claim), format="json")

    assert response.status_code == 201, response.json()
    quote = Quote.objects.get()
    assert article.text[quote.start : quote.end] == "a spokesperson said"
    assert response.json()["status"] == "exact"


def test_quote_write_refuses_text_not_in_the_article():
    """A quote whose text is nowhere in the article is refused naming text."""
    client = token_client(user_with("add_quote"))

    response = client.post(
        "/api/quotes/", quote_payload(ArticleFactory(), ClaimFactory(), text="never written"), format="json"
    )

    assert response.status_code == 400
    assert "text" in response.json()


def test_rebuttal_write_refuses_a_claim_against_itself():
    """A rebuttal of a claim by itself is refused with a 400, not a database error."""
    claim = ClaimFactory()
    client = token_client(user_with("add_rebuttal"))
    link = f"http://testserver/api/claims/{claim.pk}/"

    response = client.post(
        "/api/rebuttals/",
        {"rebutting_claim": link, "rebutted_claim": link, "relation": "denies"},
        format="json",
    )

    assert response.status_code == 400
    assert "rebutted_claim" in response.json()


def test_duplicate_rebuttal_is_refused_with_400():
    """A second rebuttal for the same ordered pair is a 400, not an integrity error."""
    rebuttal = RebuttalFactory()
    client = token_client(user_with("add_rebuttal"))

    response = client.post(
        "/api/rebuttals/",
        {
            "rebutting_claim": f"http://testserver/api/claims/{rebuttal.rebutting_claim_id}/",
            "rebutted_claim": f"http://testserver/api/claims/{rebuttal.rebutted_claim_id}/",
            "relation": "disputes",
        },
        format="json",
    )

    assert response.status_code == 400


def test_stale_if_match_is_refused_and_nothing_is_overwritten():
    """Two API writers: the second, sending the ETag it read before the first saved, gets a 412."""
    claim = ClaimFactory(summary="As read.")
    client = token_client(user_with("change_claim"))
    etag = client.get(f"/api/claims/{claim.pk}/")["ETag"]
    assert etag == '"1"'

    first = client.patch(
        f"/api/claims/{claim.pk}/", {"summary": "First writer."}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] == '"2"'
    second = client.patch(
        f"/api/claims/{claim.pk}/", {"summary": "Second writer."}, format="json", HTTP_IF_MATCH=etag
    )

    assert second.status_code == 412
    assert "changed after you read it" in second.json()["detail"] and 'ETag "2"' in second.json()["detail"]
    claim.refresh_from_db()
    assert claim.summary == "First writer." and claim.version == 2


def test_writes_without_if_match_still_work_and_any_matches_star():
    """If-Match is optional; `*` matches whatever the version."""
    speaker = SpeakerFactory(name="Before")
    client = token_client(user_with("change_speaker"))
    assert client.get(f"/api/speakers/{speaker.slug}/")["ETag"] == '"1"'

    url = f"/api/speakers/{speaker.slug}/"
    assert client.patch(url, {"name": "Middle"}, format="json").status_code == 200
    star = client.patch(url, {"name": "After"}, format="json", HTTP_IF_MATCH="*")

    assert star.status_code == 200 and star["ETag"] == '"3"'


def test_stale_if_match_keeps_a_rebuttal_from_being_deleted():
    """A DELETE naming an older version is refused and the row stays."""
    rebuttal = RebuttalFactory()
    client = token_client(user_with("change_rebuttal", "delete_rebuttal"))
    stale = client.get(f"/api/rebuttals/{rebuttal.pk}/")["ETag"]
    url = f"/api/rebuttals/{rebuttal.pk}/"
    assert client.patch(url, {"note": "Checked."}, format="json").status_code == 200

    response = client.delete(url, HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert Rebuttal.objects.filter(pk=rebuttal.pk).exists()


def test_update_keeps_history():
    """A PATCH through the API is recorded in the claim's history."""
    claim = ClaimFactory(summary="Before.")
    client = token_client(user_with("change_claim"))

    response = client.patch(f"/api/claims/{claim.pk}/", {"summary": "After."}, format="json")

    assert response.status_code == 200, response.json()
    assert [record.summary for record in claim.history.order_by("history_date")] == ["Before.", "After."]


def test_session_authentication_writes_too():
    """A signed-in session with the permission can write (with its CSRF token)."""
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user_with("add_topic"))

    response = client.post("/api/topics/", {"name": "Storage", "slug": "storage"}, format="json")

    assert response.status_code == 201


# Throttling


def test_anonymous_requests_are_throttled_with_a_clear_429(client):
    """Past the anonymous rate, the API answers 429 in JSON with Retry-After."""
    rates = {"DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    from django.conf import settings

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, **rates}):
        statuses = [client.get("/api/topics/").status_code for _ in range(3)]
        response = client.get("/api/topics/")

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert "Too many requests" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_expand_is_ignored_on_writes_so_links_stay_writable():
    """A POST with ?expand=speaker still takes the speaker as a link and answers with the link."""
    speaker = SpeakerFactory(slug="pompeo")
    client = token_client(user_with("add_claim"))

    response = client.post(
        "/api/claims/?expand=speaker",
        {
            "key": "k",
            "speaker": f"http://testserver/api/speakers/{speaker.slug}/",
            "summary": "S.",
            "claim_type": "allegation",
            "said_on": "2020-08-12",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["speaker"] == "http://testserver/api/speakers/pompeo/"


@pytest.mark.django_db
def test_related_list_links_keep_a_valid_query_string_when_a_format_is_asked(client):
    """A speaker's `claims` link stays one query string even when the request named ?format=json."""
    speaker = SpeakerFactory(slug="mike-pompeo")
    body = client.get(f"/api/speakers/{speaker.slug}/?format=json").json()
    assert body["claims"].endswith("/api/claims/?format=json&speaker=mike-pompeo")
    assert client.get(body["claims"]).status_code == 200


# The fast read path against DRF's serializers, on the real corpus


@pytest.fixture
def corpus(db):
    call_command("load_corpus", verbosity=0)
    return Claim.objects.count()


def serialized(path, expand, claims=None):
    """What ClaimSerializer gives for the claims (every claim, in the list's order) at this URL."""
    request = Request(APIRequestFactory().get(path), parsers=[])
    view = viewsets.ClaimViewSet(request=request, format_kwarg=None, action="list", kwargs={})
    queryset = view.get_queryset() if claims is None else view.get_queryset().filter(pk__in=claims)
    data = ClaimSerializer(queryset, many=True, context={"request": request, "expand": expand}).data
    return json.loads(json.dumps(data))


EXPANSIONS = [
    set(names) for size in range(len(CLAIM_EXPANDABLE) + 1) for names in combinations(CLAIM_EXPANDABLE, size)
]


@pytest.mark.parametrize("expand", EXPANSIONS, ids=lambda names: ",".join(sorted(names)) or "none")
def test_list_equals_the_serializer_for_every_corpus_claim(client, corpus, expand):
    """Every claim of the corpus, in every expansion, is what ClaimSerializer would give, key for key."""
    query = f"page_size=200&expand={','.join(sorted(expand))}"

    body = client.get(f"/api/claims/?{query}").json()

    expected = serialized(f"/api/claims/?{query}", expand)
    assert body["count"] == corpus
    assert body["results"] == expected
    assert json.dumps(body["results"]) == json.dumps(expected)  # the keys in the same order too


def test_detail_and_format_json_equal_the_serializer(client, corpus):
    """A claim's detail, and links under ?format=json, are the serializer's too."""
    for claim_id in Claim.objects.values_list("pk", flat=True)[:40]:
        path = f"/api/claims/{claim_id}/?format=json&expand=speaker,quotes,topics"
        [expected] = serialized(path, set(CLAIM_EXPANDABLE), claims=[claim_id])
        assert client.get(path).json() == expected
    listed = client.get("/api/claims/?format=json&expand=speaker").json()["results"]
    assert listed == serialized("/api/claims/?format=json&expand=speaker", {"speaker"})[:50]


def reference_csv_rows():
    """The claims CSV as the instance-by-instance export wrote it before it streamed values rows."""
    claims = Claim.objects.select_related("speaker").chronological()
    return [
        {
            "id": str(claim.pk),
            "key": claim.key,
            "said": claim.said_on_iso,
            "speaker": claim.speaker.name,
            "side": claim.speaker.get_side_display(),
            "claim_type": claim.get_claim_type_display(),
            "summary": neutralise_formula(claim.summary),
            "venue": neutralise_formula(claim.venue),
            "topics": "; ".join(topic.name for topic in claim.topics.all()),
            "articles": "; ".join(dict.fromkeys(quote.article.headline for quote in claim.quotes.all())),
            "outlets": "; ".join(dict.fromkeys(quote.article.outlet.name for quote in claim.quotes.all())),
            "rebuts": "; ".join(rebuttal.rebutted_claim.key for rebuttal in claim.rebuttals_made.all()),
            "rebutted_by": "; ".join(
                rebuttal.rebutting_claim.key for rebuttal in claim.rebuttals_received.all()
            ),
            "web_url": "http://testserver" + claim.get_absolute_url(),
            "said_on_precision": claim.said_on_precision,
            "speaker_slug": claim.speaker.slug,
            "topic_slugs": "; ".join(topic.slug for topic in claim.topics.all()),
            "article_slugs": "; ".join(dict.fromkeys(quote.article.slug for quote in claim.quotes.all())),
            "outlet_slugs": "; ".join(
                dict.fromkeys(quote.article.outlet.slug for quote in claim.quotes.all())
            ),
        }
        for claim in claims
    ]


def test_claims_csv_equals_the_instance_export_on_the_corpus(client, corpus, monkeypatch):
    """The streamed CSV, read in chunks smaller than the corpus, has the same rows as before."""
    monkeypatch.setattr(viewsets, "CSV_CHUNK_ROWS", 7)

    response = client.get("/api/claims/", {"format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    assert csv_rows(response) == reference_csv_rows()


def test_claims_csv_over_the_row_limit_is_refused_with_the_count(client):
    """Past API_CSV_MAX_ROWS the export is a 400 naming format with the count, not a cut-short file."""
    ClaimFactory.create_batch(3, claim_type="denial")
    ClaimFactory()

    with override_settings(API_CSV_MAX_ROWS=3):
        refused = client.get("/api/claims/", {"format": "csv"})
        narrowed = client.get("/api/claims/", {"format": "csv", "claim_type": "denial"})

    assert refused.status_code == 400
    assert "would hold 4 rows" in refused.json()["format"][0]
    assert len(csv_rows(narrowed)) == 3


def test_search_keeps_the_asked_order_and_pages_by_cursor(client):
    """?search= with ordering=-said_on is newest first (not by rank), and its next link is a cursor."""
    for year in (2019, 2021, 2020):
        ClaimFactory(summary=f"Servers in {year}.", said_on=datetime.date(year, 1, 1))

    body = client.get("/api/claims/", {"search": "servers", "ordering": "-said_on", "page_size": 2}).json()

    assert [claim["summary"] for claim in body["results"]] == ["Servers in 2021.", "Servers in 2020."]
    assert "after=2020-01-01" in body["next"]
