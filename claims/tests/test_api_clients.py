"""Independent clients read the API: an annotation client, an OpenAPI validator, csv, a JSON-LD processor."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader
from rest_framework.test import APIClient

from claims.models import Quote

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
    """text.txt is the article's stored text in UTF-8, non-ASCII and line breaks untouched."""
    from sources.tests.factories import ArticleFactory

    article = ArticleFactory(text="Zhang Yiming — “we won’t”.\r\nSecond line\n\nthird  ")

    response = client.get(f"/articles/{article.slug}/text.txt")

    assert response.content == article.text.encode("utf-8")
    assert response["ETag"] == f'"{article.text_sha256}"'
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
