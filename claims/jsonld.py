"""Claims as schema.org `Claim` JSON-LD and quotes as W3C Web Annotations."""

from django.urls import reverse

from claims.models import RebuttalRelation, SpeakerKind
from sources.dates import DatePrecision, iso_with_precision

SCHEMA_ORG_CONTEXT = "https://schema.org"
WEB_ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# Characters of article text kept either side of a quote, so a reader can re-anchor it.
SELECTOR_CONTEXT_LENGTH = 32


def absolute_url(request, path):
    """The full URL of a path when there is a request, else the path itself."""
    return request.build_absolute_uri(path) if request is not None else path


def speaker_jsonld(speaker, request):
    """A speaker as a schema.org Person or Organization."""
    node = {
        "@type": "Person" if speaker.kind == SpeakerKind.PERSON else "Organization",
        "@id": absolute_url(request, speaker.get_absolute_url()),
        "name": speaker.name,
        "url": absolute_url(request, speaker.get_absolute_url()),
    }
    if speaker.role:
        node["description"] = speaker.role
        if speaker.kind == SpeakerKind.PERSON:
            node["jobTitle"] = speaker.role
    if speaker.wikidata_id:
        node["sameAs"] = f"https://www.wikidata.org/wiki/{speaker.wikidata_id}"
    return node


def article_jsonld(article, request):
    """An article as a schema.org NewsArticle, identified by its page here, linked to the original."""
    node = {
        "@type": "NewsArticle",
        "@id": absolute_url(request, article.get_absolute_url()),
        "headline": article.headline,
        "datePublished": iso_with_precision(article.published_on, article.published_on_precision),
        "publisher": {"@type": "Organization", "name": article.outlet.name},
    }
    if article.url:
        node["url"] = article.url
    return node


def claim_articles(claim):
    """The articles that report a claim, earliest first; reads the prefetched quotes."""
    articles = {}
    for quote in claim.quotes.all():
        articles.setdefault(quote.article_id, quote.article)
    return sorted(articles.values(), key=lambda article: (article.published_on, article.pk))


def vocabulary_url(request):
    """Our terms' namespace: the vocabulary page, which defines each term under its own #anchor."""
    return absolute_url(request, reverse("claims:vocabulary")) + "#"


def claim_context(request):
    """schema.org, plus our rebuttal terms: schema.org has none for a claim arguing against another."""
    terms = {"tiktokclaims": vocabulary_url(request)}
    for term in ("rebuts", "rebuttedBy", *RebuttalRelation.values):
        terms[term] = {"@id": f"tiktokclaims:{term}", "@type": "@id"}
    return [SCHEMA_ORG_CONTEXT, terms]


def other_claim(claim, request):
    """Another claim, named: enough to follow the argument without fetching it."""
    return {"@id": absolute_url(request, claim.get_absolute_url()), "@type": "Claim", "name": claim.summary}


def rebuttal_properties(claim, request, made=None, received=None):
    """The claims this one denies, disputes, ... (by relation), and those that argue against it.

    made, received: the claim's rebuttals with their other claim selected; else its prefetched ones.
    """
    made = claim.rebuttals_made.all() if made is None else made
    received = claim.rebuttals_received.all() if received is None else received
    properties = {}
    for rebuttal in made:
        properties.setdefault(rebuttal.relation, []).append(other_claim(rebuttal.rebutted_claim, request))
    url = absolute_url(request, claim.get_absolute_url())
    rebutted_by = [
        {**other_claim(rebuttal.rebutting_claim, request), rebuttal.relation: url} for rebuttal in received
    ]
    if rebutted_by:
        properties["rebuttedBy"] = rebutted_by
    return properties


def claim_jsonld(claim, request, made=None, received=None):
    """A claim as schema.org Claim with its rebuttals; needs claim.speaker and claim.quotes (with article
    and outlet), and its rebuttals prefetched with their claims or given as made and received."""
    url = absolute_url(request, claim.get_absolute_url())
    # schema.org dates are ISO 8601 days, months or years: a claim known only as a range has none.
    said_on = claim.said_on_iso if claim.said_on_precision != DatePrecision.RANGE else None
    node = {
        "@context": claim_context(request),
        "@type": "Claim",
        "@id": url,
        "url": url,
        "name": claim.summary,
        "text": claim.summary,
        "author": speaker_jsonld(claim.speaker, request),
    }
    if said_on:
        node["dateCreated"] = node["datePublished"] = said_on
    appearances = [article_jsonld(article, request) for article in claim_articles(claim)]
    if appearances:
        node["appearance"] = appearances
        node["firstAppearance"] = appearances[0]
    node.update(rebuttal_properties(claim, request, made, received))
    return node


def vocabulary_jsonld(request):
    """Our terms as an RDFS vocabulary, served where their IRIs point."""
    namespace = vocabulary_url(request)
    claim = "https://schema.org/Claim"

    def term(name, comment, **extra):
        return {
            "@id": namespace + name,
            "@type": "rdf:Property",
            "rdfs:label": name,
            "rdfs:comment": comment,
            "rdfs:domain": {"@id": claim},
            "rdfs:range": {"@id": claim},
            **extra,
        }

    relations = {
        "denies": "says the other claim is false (typically its subject answering it)",
        "disputes": "challenges the other claim, e.g. finds no evidence for it",
        "qualifies": "limits or corrects part of the other claim",
        "contradicts": "cannot be true together with the other claim",
    }
    return {
        "@context": {
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "owl": "http://www.w3.org/2002/07/owl#",
        },
        "@graph": [
            {
                "@id": namespace.rstrip("#"),
                "@type": "owl:Ontology",
                "rdfs:comment": "Terms for claims that argue against other claims, as the TikTok claims "
                "database records them; a claim's JSON-LD uses them beside schema.org.",
            },
            term("rebuts", "This claim argues against the other claim (any of the relations below)."),
            term(
                "rebuttedBy",
                "The other claim argues against this claim.",
                **{"owl:inverseOf": {"@id": namespace + "rebuts"}},
            ),
            *(
                term(name, f"This claim {comment}.", **{"rdfs:subPropertyOf": {"@id": namespace + "rebuts"}})
                for name, comment in relations.items()
            ),
        ],
    }


# Who made the annotations: the curators, as a body (their names are not published).
ANNOTATION_CREATOR_NAME = "The TikTok claims database curators"


def quote_annotation(quote, request, created=None):
    """A quote as a W3C Web Annotation on its article's plain text; needs quote.article and quote.claim.

    The selectors count in the article's stored text, so the target's source is that text as
    text/plain (byte for byte), and the HTML page that shows it is the target's scope.
    created: when the quote was first recorded (its earliest history row), if known.
    """
    text = quote.article.text
    annotation = {
        "@context": WEB_ANNOTATION_CONTEXT,
        "id": absolute_url(request, reverse("api:quote-annotation", args=[quote.pk])),
        "type": "Annotation",
        "motivation": "identifying",
        "creator": {
            "type": "Organization",
            "name": ANNOTATION_CREATOR_NAME,
            "homepage": absolute_url(request, "/"),
        },
        "body": {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": absolute_url(request, quote.claim.get_absolute_url()),
        },
        "target": {
            "type": "SpecificResource",
            "source": {
                "id": absolute_url(request, quote.article.get_text_url()),
                "type": "Text",
                "format": "text/plain",
            },
            "scope": absolute_url(request, quote.article.get_absolute_url()),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": quote.text,
                    "prefix": text[max(0, quote.start - SELECTOR_CONTEXT_LENGTH) : quote.start],
                    "suffix": text[quote.end : quote.end + SELECTOR_CONTEXT_LENGTH],
                },
                {"type": "TextPositionSelector", "start": quote.start, "end": quote.end},
            ],
        },
    }
    if created is not None:
        annotation["created"] = created.isoformat(timespec="seconds")
    return annotation
