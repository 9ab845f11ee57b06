"""Independent clients read the API: an annotation client, an OpenAPI validator, csv, a JSON-LD processor."""

import codecs
import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.core.management import call_command
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from openapi_schema_validator import OAS30Validator
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.api.representation import CLAIM_EXPANDABLE
from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from sources.models import Article, Outlet
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# The W3C Web Annotation context as published at http://www.w3.org/ns/anno.jsonld.
ANNOTATION_CONTEXT = json.loads((Path(__file__).parent / "contexts" / "anno.jsonld").read_text())


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def corpus(db):
    call_command("load_corpus", verbosity=0)


def path_of(url):
    """The path and query of an absolute URL the API gave, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_no_term_dropped(document, contexts):
    """PyLD expands the document and compacts it back unchanged: every term maps to an IRI."""
    options = {"documentLoader": FrozenDocumentLoader(documents=contexts)}
    expanded = jsonld.expand(document, options)
    compacted = jsonld.compact(expanded, document["@context"], options)
    assert compacted == document
    return expanded


# Web Annotations, as an annotation client anchors them


def test_every_corpus_annotation_anchors_on_its_plain_text_source(client, corpus):
    """For each quote, target.source sliced at the offsets is exact, between its prefix and suffix."""
    quotes = Quote.objects.order_by("pk")
    assert quotes.count() > 50
    texts = {}
    for quote in quotes:
        annotation = client.get(f"/api/quotes/{quote.pk}/annotation/").json()
        source = annotation["target"]["source"]
        if source["id"] not in texts:
            response = client.get(path_of(source["id"]))
            assert response.status_code == 200
            assert response["Content-Type"] == "text/plain; charset=utf-8"
            texts[source["id"]] = response.content.decode("utf-8")
        text = texts[source["id"]]
        exact, position = annotation["target"]["selector"]
        start, end = position["start"], position["end"]

        assert text[start:end] == exact["exact"]
        assert text[:start].endswith(exact["prefix"])
        assert text[end:].startswith(exact["suffix"])
        assert text.count(exact["prefix"] + exact["exact"] + exact["suffix"]) == 1
    assert len(texts) == Quote.objects.values("article").distinct().count()


def test_plain_text_is_the_stored_text_byte_for_byte(client):
    """text.txt is the article's stored text in UTF-8, line breaks untouched, readable from other sites."""
    article = ArticleFactory(text="Zhang Yiming — “we won’t”.\r\nSecond line\n\nthird  ")

    response = client.get(f"/articles/{article.slug}/text.txt")

    assert response.content == article.text.encode("utf-8")
    assert response["ETag"] == f'"{article.text_sha256}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/articles/no-such-article/text.txt").status_code == 404


def test_annotation_is_dereferenceable_created_and_credited(client, corpus):
    """The annotation's id answers with the same annotation; it names its creator, creation time and page."""
    quote = Quote.objects.select_related("article").order_by("pk").first()
    annotation = client.get(f"/api/quotes/{quote.pk}/annotation/").json()

    assert client.get(path_of(annotation["id"])).json() == annotation
    assert annotation["created"].startswith("20")
    assert annotation["creator"]["type"] == "Organization"
    assert path_of(annotation["target"]["scope"]) == quote.article.get_absolute_url()
    assert client.get(path_of(annotation["target"]["scope"])).status_code == 200


def test_annotation_expands_with_every_term_in_the_web_annotation_vocabulary(client, corpus):
    """PyLD, given the W3C context, expands every term of the annotation to the oa/dcterms IRIs."""
    quote = Quote.objects.order_by("pk").first()
    annotation = client.get(f"/api/quotes/{quote.pk}/annotation/").json()

    [node] = assert_no_term_dropped(annotation, {"http://www.w3.org/ns/anno.jsonld": ANNOTATION_CONTEXT})

    oa, dcterms = "http://www.w3.org/ns/oa#", "http://purl.org/dc/terms/"
    [target] = node[oa + "hasTarget"]
    [source] = target[oa + "hasSource"]
    assert source["@id"] == annotation["target"]["source"]["id"]
    assert source["http://purl.org/dc/elements/1.1/format"] == [{"@value": "text/plain"}]
    assert target[oa + "hasScope"] == [{"@id": annotation["target"]["scope"]}]
    assert node[dcterms + "created"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    [creator] = node[dcterms + "creator"]
    assert creator["@type"] == ["http://xmlns.com/foaf/0.1/Organization"]


# Every response, as an OpenAPI validator (openapi-core) checks it against /api/schema/


@pytest.fixture
def openapi(client):
    """The published schema, loaded by openapi-core (which checks the schema itself on loading)."""
    # openapi-core reads bodies of media types it does not know as bytes: CSV is UTF-8 text and
    # JSON-LD is JSON.
    config = Config(
        extra_media_type_deserializers={"text/csv": plain_loads, "application/ld+json": json_loads}
    )
    return OpenAPI.from_dict(client.get("/api/schema/", {"format": "json"}).json(), config=config)


def as_requests(response):
    """The test client's request and response as the requests library's, as a client holds them."""
    request = requests.Request("GET", response.wsgi_request.build_absolute_uri())
    answer = requests.Response()
    answer.status_code = response.status_code
    answer.headers = requests.structures.CaseInsensitiveDict(response.headers)
    answer._content = response.getvalue()
    return RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(answer)


def validated(openapi, client, path, **params):
    """GET path; openapi-core validates the request against the schema and the response too."""
    response = client.get(path, params)
    assert response.status_code == 200, (path, params, response.getvalue()[:300])
    request, answer = as_requests(response)
    openapi.validate_request(request)
    openapi.validate_response(request, answer)
    return response


ITEMS = {
    "outlets": lambda: Outlet.objects.values_list("slug", flat=True),
    "articles": lambda: Article.objects.values_list("slug", flat=True),
    "speakers": lambda: Speaker.objects.values_list("slug", flat=True),
    "claims": lambda: Claim.objects.values_list("pk", flat=True),
    "quotes": lambda: Quote.objects.values_list("pk", flat=True),
    "rebuttals": lambda: Rebuttal.objects.values_list("pk", flat=True),
    "topics": lambda: Topic.objects.values_list("slug", flat=True),
}
EXPANDABLE = {"claims": CLAIM_EXPANDABLE, "quotes": ("article",)}


def expansions(resource):
    """No expansion, each expandable name alone, and all of them together."""
    names = EXPANDABLE.get(resource, ())
    return [None, *names, *([",".join(names)] if len(names) > 1 else [])]


@pytest.mark.parametrize("resource", list(ITEMS))
def test_every_list_and_item_response_matches_the_schema(client, corpus, openapi, resource):
    """Each list (JSON pages followed to the end, CSV) and each item, in every expansion, validates."""
    for expand in expansions(resource):
        params = {"expand": expand} if expand else {}
        url, pages = f"/api/{resource}/", 0
        while url:
            body = validated(openapi, client, path_of(url), **(params if pages == 0 else {})).json()
            url, pages = body["next"], pages + 1
        for key in ITEMS[resource]():
            validated(openapi, client, f"/api/{resource}/{key}/", **params)
    validated(openapi, client, f"/api/{resource}/", format="csv")
    validated(openapi, client, f"/api/{resource}/", format="json", page_size=200)


def test_claim_pages_by_cursor_and_search_match_the_schema(client, corpus, openapi):
    """Cursor pages both ways, a newest-first order and a search validate as the first page does."""
    first = validated(openapi, client, "/api/claims/", page_size=10, expand="speaker").json()
    second = validated(openapi, client, path_of(first["next"])).json()
    validated(openapi, client, path_of(second["previous"]))
    validated(openapi, client, "/api/claims/", ordering="-said_on", search="data")


@pytest.mark.parametrize("resource,action", [("claims", "jsonld"), ("quotes", "annotation")])
def test_every_jsonld_response_matches_the_schema(client, corpus, openapi, resource, action):
    """Each claim's JSON-LD and each quote's annotation validates, as JSON-LD and as format=json."""
    for key in ITEMS[resource]():
        for format in ("jsonld", "json"):
            response = validated(openapi, client, f"/api/{resource}/{key}/{action}/", format=format)
            assert response["Content-Type"].startswith(f"application/{format.replace('jsonld', 'ld+json')}")


def test_every_advertised_format_is_answered_and_no_other(client, corpus):
    """Each GET operation answers every ?format= its schema lists, and its description names no other."""
    document = client.get("/api/schema/", {"format": "json"}).json()
    for path, path_item in document["paths"].items():
        if "get" not in path_item:  # a POST-only operation (/api/quotes/from-selection/)
            continue
        [format] = [p for p in path_item["get"].get("parameters", []) if p["name"] == "format"] or [None]
        if format is None or path.startswith("/api/schema"):
            continue
        resource = path.split("/")[2]
        url = re.sub(r"\{\w+\}", str(ITEMS[resource]()[0]), path)
        for name in format["schema"]["enum"]:
            assert client.get(url, {"format": name}).status_code == 200, (url, name)
        named = set(re.findall(r"(\w+): ", format["description"]))
        assert named == set(format["schema"]["enum"]), path


def test_blank_url_fields_are_declared_so_a_blank_value_matches(client):
    """A blank source_url, homepage or wikidata_id validates against its schema, formats not checked."""
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for component, field in [("Article", "source_url"), ("Outlet", "homepage"), ("Speaker", "wikidata_id")]:
        OAS30Validator(schemas[component]["properties"][field]).validate("")


def test_cursor_links_are_shown_as_cursors_in_the_schema(client):
    """The claims list's next and previous links are shown with after= and before=, as they are given."""
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    page = schemas["PaginatedClaimList"]["properties"]
    assert "?after=" in page["next"]["example"]
    assert "?before=" in page["previous"]["example"]


# CSV, as Python's csv module (a program) and a spreadsheet read it

OLD_CLAIM_COLUMNS = [
    "id",
    "key",
    "said",
    "speaker",
    "side",
    "claim_type",
    "summary",
    "venue",
    "topics",
    "articles",
    "outlets",
    "rebuts",
    "rebutted_by",
    "web_url",
]


def read_csv(response, encoding="utf-8"):
    return list(csv.DictReader(io.StringIO(response.getvalue().decode(encoding), newline="")))


@pytest.fixture
def formula_like_claim():
    """A claim whose summary and venue start as a spreadsheet formula would."""
    topic = TopicFactory(name="Data access", slug="data-access")
    claim = ClaimFactory(
        summary="-3.2% of US users' data left the country, the report said.",
        venue="=Senate hearing",
        speaker=SpeakerFactory(name="@TikTokPolicy", slug="tiktok-policy"),
    )
    claim.topics.add(topic)
    QuoteFactory(claim=claim)
    return claim


def test_csv_cells_are_neutralised_for_spreadsheets_by_default(client, formula_like_claim):
    """Without csv_raw, a cell starting with - = @ gets a leading apostrophe, as the schema says."""
    [row] = read_csv(client.get("/api/claims/", {"format": "csv"}))

    assert row["summary"] == "'-3.2% of US users' data left the country, the report said."
    assert row["venue"] == "'=Senate hearing"
    assert row["speaker"] == "'@TikTokPolicy"
    operation = client.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/claims/"]["get"]
    assert "apostrophe" in operation["responses"]["200"]["content"]["text/csv"]["schema"]["description"]
    assert "csv_raw" in {parameter["name"] for parameter in operation["parameters"]}


@pytest.mark.parametrize("resource", ["claims", "quotes", "rebuttals", "speakers"])
def test_csv_raw_round_trips_every_value_exactly(client, formula_like_claim, resource):
    """With csv_raw=1 the csv module reads back the stored values, sign and at-sign included."""
    RebuttalFactory(rebutting_claim=formula_like_claim)

    rows = read_csv(client.get(f"/api/{resource}/", {"format": "csv", "csv_raw": "1"}))

    values = {value for row in rows for value in row.values()}
    assert "'" not in {value[:1] for value in values}
    if resource == "claims":
        [row] = [row for row in rows if row["id"] == str(formula_like_claim.pk)]
        assert row["summary"] == formula_like_claim.summary
        assert row["venue"] == "=Senate hearing"
    assert "@TikTokPolicy" in values


def test_claims_csv_appends_identifiers_precision_and_absolute_urls(client, formula_like_claim):
    """The old columns keep their order; slugs, the date precision and absolute URLs follow."""
    text = client.get("/api/claims/", {"format": "csv"}).getvalue().decode()
    header = next(csv.reader(io.StringIO(text)))
    [row] = csv.DictReader(io.StringIO(text, newline=""))

    assert header[: len(OLD_CLAIM_COLUMNS)] == OLD_CLAIM_COLUMNS
    assert row["speaker_slug"] == "tiktok-policy"
    assert row["topic_slugs"] == "data-access"
    assert row["article_slugs"] == formula_like_claim.quotes.get().article.slug
    assert row["outlet_slugs"] == formula_like_claim.quotes.get().article.outlet.slug
    assert row["said_on_precision"] == "day"
    assert row["web_url"] == f"http://testserver/claims/{formula_like_claim.pk}/"
    assert client.get(path_of(row["web_url"])).status_code == 200


def test_csv_bom_makes_a_spreadsheet_read_utf8(client, formula_like_claim):
    """csv_bom=1 starts the file with the UTF-8 byte order mark; without it there is none."""
    with_bom = client.get("/api/claims/", {"format": "csv", "csv_bom": "1"})
    without = client.get("/api/claims/", {"format": "csv"})

    assert with_bom.getvalue().startswith(codecs.BOM_UTF8)
    assert not without.getvalue().startswith(codecs.BOM_UTF8)
    assert read_csv(with_bom, encoding="utf-8-sig") == read_csv(without)


@pytest.mark.parametrize("name", ["csv_raw", "csv_bom"])
def test_a_bad_csv_option_is_a_400_naming_it(client, name):
    """csv_raw and csv_bom take 1 or 0 (true, false); anything else is a 400 naming the parameter."""
    response = client.get("/api/claims/", {"format": "csv", name: "maybe"})

    assert response.status_code == 400
    assert name in response.json()


def test_a_delete_asked_as_csv_answers_204_without_a_body():
    """DELETE ?format=csv (as schemathesis sends it) is a 204 with no body, not a 500."""
    user = User.objects.create(username="editor", is_staff=True, is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    rebuttal = RebuttalFactory()

    response = client.delete(
        f"/api/rebuttals/{rebuttal.pk}/?format=csv&csv_raw=1", HTTP_IF_MATCH=f'"{rebuttal.version}"'
    )

    assert response.status_code == 204
    assert response.content == b""
