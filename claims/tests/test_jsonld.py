import datetime
import json
from pathlib import Path

import pytest
from django.test import RequestFactory
from pyld import jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader

from claims.jsonld import claim_jsonld, quote_annotation
from claims.models import Claim, Quote, SpeakerKind
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory
from sources.dates import DatePrecision
from sources.tests.factories import ARTICLE_TEXT, ArticleFactory

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
OA = "http://www.w3.org/ns/oa#"

# The terms of the published schema.org and W3C Web Annotation contexts that our documents use,
# transcribed from those contexts so the test expands them with no network.
CONTEXTS = {
    "https://schema.org": {
        "@context": {
            "@vocab": SCHEMA,
            "id": "@id",
            "type": "@type",
            "url": {"@id": "http://schema.org/url", "@type": "@id"},
            "sameAs": {"@id": "http://schema.org/sameAs", "@type": "@id"},
        }
    },
    # The W3C Web Annotation context, as published.
    "http://www.w3.org/ns/anno.jsonld": json.loads(
        (Path(__file__).parent / "contexts" / "anno.jsonld").read_text()
    ),
}


def expand(document):
    return jsonld.expand(document, {"documentLoader": FrozenDocumentLoader(documents=CONTEXTS)})


def request():
    return RequestFactory().get("/", HTTP_HOST="testserver")


def test_claim_jsonld_expands_to_a_schema_org_claim_by_its_speaker():
    """The claim JSON-LD is a schema.org Claim whose author is the speaker, dated to its precision."""
    speaker = SpeakerFactory(name="Mike Pompeo", kind=SpeakerKind.PERSON, wikidata_id="Q473239")
    claim = ClaimFactory(
        speaker=speaker, summary="TikTok feeds data to the CCP.", said_on=datetime.date(2020, 7, 1)
    )
    claim.said_on_precision = DatePrecision.MONTH
    claim.save()
    QuoteFactory(claim=claim)

    document = claim_jsonld(claim, request())
    [node] = expand(document)

    assert node["@type"] == [SCHEMA + "Claim"]
    assert node["@id"] == f"http://testserver/claims/{claim.pk}/"
    assert node[SCHEMA + "text"] == [{"@value": "TikTok feeds data to the CCP."}]
    assert node[SCHEMA + "dateCreated"] == [{"@value": "2020-07"}]
    [author] = node[SCHEMA + "author"]
    assert author["@type"] == [SCHEMA + "Person"]
    assert author[SCHEMA + "name"] == [{"@value": "Mike Pompeo"}]
    assert author[SCHEMA + "sameAs"] == [{"@id": "https://www.wikidata.org/wiki/Q473239"}]


def test_claim_jsonld_lists_every_article_and_the_earliest_as_first_appearance():
    """appearance holds each reporting article once; firstAppearance is the earliest published."""
    claim = ClaimFactory()
    later = ArticleFactory(headline="Later report", published_on=datetime.date(2020, 9, 1))
    earlier = ArticleFactory(
        headline="First report", published_on=datetime.date(2020, 8, 1), url="https://example.org/first"
    )
    QuoteFactory(claim=claim, article=later)
    QuoteFactory(claim=claim, article=earlier)
    QuoteFactory(claim=claim, article=earlier, text="a spokesperson said")

    document = claim_jsonld(claim, request())
    [node] = expand(document)

    headlines = [article[SCHEMA + "headline"][0]["@value"] for article in node[SCHEMA + "appearance"]]
    assert headlines == ["First report", "Later report"]
    [first] = node[SCHEMA + "firstAppearance"]
    assert first["@type"] == [SCHEMA + "NewsArticle"]
    assert first[SCHEMA + "url"] == [{"@id": "https://example.org/first"}]
    assert first[SCHEMA + "datePublished"] == [{"@value": "2020-08-01"}]


def test_claim_jsonld_reads_prefetched_rows_without_queries(django_assert_num_queries):
    """With the speaker, quotes and rebuttals prefetched, serialising many claims runs no further query."""
    for _ in range(3):
        QuoteFactory()
    RebuttalFactory()
    claims = list(
        Claim.objects.select_related("speaker")
        .prefetch_related(
            "quotes__article__outlet", "rebuttals_made__rebutted_claim", "rebuttals_received__rebutting_claim"
        )
        .order_by("pk")
    )
    with django_assert_num_queries(0):
        documents = [claim_jsonld(claim, request()) for claim in claims]
    assert len(documents) == 5


def test_quote_annotation_expands_to_a_web_annotation_with_both_selectors():
    """The quote is an oa:Annotation on its article with the exact words, their context and offsets."""
    article = ArticleFactory()
    quote = QuoteFactory(article=article)

    document = quote_annotation(quote, request())
    [node] = expand(document)

    assert node["@type"] == [OA + "Annotation"]
    [target] = node[OA + "hasTarget"]
    [source] = target[OA + "hasSource"]
    assert source["@id"] == f"http://testserver/articles/{article.slug}/text.txt"
    assert source["@type"] == ["http://purl.org/dc/dcmitype/Text"]
    assert target[OA + "hasScope"] == [{"@id": f"http://testserver/articles/{article.slug}/"}]
    quote_selector, position_selector = target[OA + "hasSelector"]
    assert quote_selector["@type"] == [OA + "TextQuoteSelector"]
    assert quote_selector[OA + "exact"] == [{"@value": "the app could be used to collect data"}]
    assert quote_selector[OA + "prefix"] == [{"@value": "Officials said "}]
    assert quote_selector[OA + "suffix"][0]["@value"] == ARTICLE_TEXT[quote.end : quote.end + 32]
    assert position_selector["@type"] == [OA + "TextPositionSelector"]
    assert position_selector[OA + "start"][0]["@value"] == 15
    assert position_selector[OA + "end"][0]["@value"] == quote.end
    assert ARTICLE_TEXT[quote.start : quote.end] == quote.text
    [body] = node[OA + "hasBody"]
    assert body[OA + "hasSource"] == [{"@id": f"http://testserver/claims/{quote.claim_id}/"}]


def test_quote_annotation_reads_prefetched_rows_without_queries(django_assert_num_queries):
    """With article and claim selected, annotating quotes runs no further query."""
    QuoteFactory()
    quotes = list(Quote.objects.select_related("article", "claim"))
    with django_assert_num_queries(0):
        quote_annotation(quotes[0], request())


def test_a_person_speakers_role_is_their_job_title():
    """A person's role is schema.org jobTitle (and still their description)."""
    speaker = SpeakerFactory(kind=SpeakerKind.PERSON, role="U.S. Secretary of State")

    [node] = expand(claim_jsonld(ClaimFactory(speaker=speaker), request()))

    [author] = node[SCHEMA + "author"]
    assert author[SCHEMA + "jobTitle"] == [{"@value": "U.S. Secretary of State"}]
    assert author[SCHEMA + "description"] == [{"@value": "U.S. Secretary of State"}]


VOCABULARY = "http://testserver/vocab/#"


def test_claim_jsonld_states_the_rebuttal_both_ways_in_our_vocabulary(client):
    """The denial denies the allegation; the allegation is rebuttedBy the denial, which denies it."""
    allegation = ClaimFactory(summary="TikTok feeds data to the CCP.")
    denial = ClaimFactory(summary="TikTok has never given user data to the Chinese government.")
    RebuttalFactory(rebutting_claim=denial, rebutted_claim=allegation, relation="denies")
    allegation_url, denial_url = (f"http://testserver/claims/{claim.pk}/" for claim in (allegation, denial))

    [rebutted] = expand(client.get(f"/api/claims/{allegation.pk}/jsonld/").json())
    [rebutting] = expand(client.get(f"/api/claims/{denial.pk}/jsonld/").json())

    [rebutter] = rebutted[VOCABULARY + "rebuttedBy"]
    assert rebutter["@id"] == denial_url
    assert rebutter["@type"] == [SCHEMA + "Claim"]
    assert rebutter[SCHEMA + "name"] == [{"@value": denial.summary}]
    assert rebutter[VOCABULARY + "denies"] == [{"@id": allegation_url}]
    [denied] = rebutting[VOCABULARY + "denies"]
    assert denied["@id"] == allegation_url
    assert VOCABULARY + "rebuttedBy" not in rebutting


def test_claim_page_embeds_the_same_jsonld_as_the_api(client):
    """The claim page's JSON-LD states the rebuttals as the API's does."""
    rebuttal = RebuttalFactory(relation="qualifies")
    claim = rebuttal.rebutted_claim

    page = client.get(claim.get_absolute_url()).content.decode()
    embedded = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]

    assert json.loads(embedded) == client.get(f"/api/claims/{claim.pk}/jsonld/").json()


def test_every_term_of_ours_is_defined_where_its_iri_points(client):
    """/vocab/ defines rebuts, rebuttedBy and each relation, each a property from Claim to Claim."""
    response = client.get("/vocab/")
    nodes = {node["@id"]: node for node in jsonld.expand(response.json())}

    assert response["Content-Type"] == "application/ld+json"
    for term in ("rebuts", "rebuttedBy", "denies", "disputes", "qualifies", "contradicts"):
        node = nodes[VOCABULARY + term]
        assert node["@type"] == ["http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"]
        assert node["http://www.w3.org/2000/01/rdf-schema#range"] == [{"@id": "https://schema.org/Claim"}]
    relation = nodes[VOCABULARY + "denies"]
    assert relation["http://www.w3.org/2000/01/rdf-schema#subPropertyOf"] == [{"@id": VOCABULARY + "rebuts"}]


# The schema.org properties our claims use, each defined at https://schema.org/<name>.
SCHEMA_ORG_PROPERTIES = {
    "appearance",
    "author",
    "dateCreated",
    "datePublished",
    "description",
    "firstAppearance",
    "headline",
    "jobTitle",
    "name",
    "publisher",
    "sameAs",
    "text",
    "url",
}


def property_iris(nodes):
    """Every property IRI used in expanded JSON-LD, at any depth."""
    found = set()
    for node in nodes:
        if isinstance(node, dict):
            for key, value in node.items():
                if not key.startswith("@"):
                    found.add(key)
                    found |= property_iris(value)
    return found


def test_every_claim_jsonld_term_is_schema_org_or_defined_in_our_vocabulary(client):
    """Expanded by PyLD, each property is a real schema.org one or one that /vocab/ defines: none guessed."""
    rebuttal = RebuttalFactory(
        relation="contradicts",
        rebutting_claim__speaker__role="Chief executive",
        rebutting_claim__speaker__wikidata_id="Q1",
    )
    RebuttalFactory(rebutted_claim=rebuttal.rebutting_claim, relation="disputes")
    QuoteFactory(claim=rebuttal.rebutting_claim, article__url="https://example.org/report")
    document = client.get(f"/api/claims/{rebuttal.rebutting_claim_id}/jsonld/").json()
    defined = {node["@id"] for node in jsonld.expand(client.get("/vocab/").json())}

    used = property_iris(expand(document))

    ours = {iri for iri in used if iri.startswith(VOCABULARY)}
    assert used - ours == {SCHEMA + name for name in SCHEMA_ORG_PROPERTIES}
    assert ours == {VOCABULARY + "contradicts", VOCABULARY + "rebuttedBy", VOCABULARY + "disputes"}
    assert ours <= defined
