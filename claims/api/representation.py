"""Claims as the API lists them, built from .values() rows: the fast read path."""

from collections import defaultdict

from django.db.models import Q
from rest_framework import serializers

from claims import anchoring
from claims.models import Claim, Quote, Rebuttal, Speaker
from claims.versions import last_modified
from sources.dates import iso_with_precision
from sources.models import Article
from tiktok_claims.api.expansion import parse_expand
from tiktok_claims.api.links import Links

CLAIM_EXPANDABLE = ("speaker", "quotes", "topics")
# The serializer's own date-time format, so `modified` reads the same on both paths.
MODIFIED = serializers.DateTimeField()

CLAIM_FIELDS = [
    "id",
    "key",
    "speaker_id",
    "summary",
    "claim_type",
    "said_on",
    "said_on_precision",
    "said_earliest",
    "dating_note",
    "venue",
    "note",
    "version",
]


class ClaimRepresentation:
    """Claims as ClaimSerializer shows them, from .values() rows: a page costs one query per table.

    Each kind of link is reversed once per request (Links), not per row, and no serializer field
    runs per row: a 50-row page was ~340 reverse() calls and ~300 model instances through DRF.
    claims/tests/test_api.py checks it equals the serializer on the whole corpus.
    """

    def __init__(self, request, format=None):
        links = Links(request, format)
        self.expand = parse_expand(request, CLAIM_EXPANDABLE)
        self.claim_url = links.api("api:claim-detail")
        self.claim_page = links.page("claims:claim-detail")
        self.claim_jsonld = links.api("api:claim-jsonld")
        self.speaker_url = links.api("api:speaker-detail", "slug")
        self.speaker_page = links.page("claims:speaker-detail")
        self.speaker_claims = links.api_list_filtered("api:claim-list", "speaker")
        self.topic_url = links.api("api:topic-detail", "slug")
        self.topic_page = links.page_list_filtered("claims:claim-list", "topic")
        self.quote_url = links.api("api:quote-detail")
        self.quote_annotation = links.api("api:quote-annotation")
        self.article_url = links.api("api:article-detail", "slug")
        self.article_page = links.page("claims:article-detail")

    def claims(self, rows):
        """The representation of each row of Claim.objects.values(*CLAIM_FIELDS), in order."""
        rows = list(rows)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        speakers = self.speakers({row["speaker_id"] for row in rows})
        quotes, articles = self.quotes(ids)
        topics = self.topics(ids)
        made, received = rebuttals_of(ids)
        modified = last_modified(ids)
        rebuts = {claim_id: [self.claim_url(other) for (other,) in rows] for claim_id, rows in made.items()}
        rebutted_by = {
            claim_id: [self.claim_url(other) for (other,) in rows] for claim_id, rows in received.items()
        }
        return [
            {
                "url": self.claim_url(row["id"]),
                "web_url": self.claim_page(row["id"]),
                "jsonld": self.claim_jsonld(row["id"]),
                "key": row["key"],
                "speaker": speakers[row["speaker_id"]]
                if "speaker" in self.expand
                else self.speaker_url(speakers[row["speaker_id"]]["slug"]),
                "speaker_name": speakers[row["speaker_id"]]["name"],
                "summary": row["summary"],
                "claim_type": row["claim_type"],
                "said_on": row["said_on"].isoformat(),
                "said_on_precision": row["said_on_precision"],
                "said_earliest": row["said_earliest"] and row["said_earliest"].isoformat(),
                "said": iso_with_precision(row["said_on"], row["said_on_precision"], row["said_earliest"]),
                "dating_note": row["dating_note"],
                "venue": row["venue"],
                "topics": topics[row["id"]],
                "note": row["note"],
                "quotes": quotes[row["id"]],
                "articles": [self.article_url(slug) for slug in articles[row["id"]]],
                "rebuts": rebuts.get(row["id"], []),
                "rebutted_by": rebutted_by.get(row["id"], []),
                "version": row["version"],
                "modified": MODIFIED.to_representation(modified[row["id"]])
                if row["id"] in modified
                else None,
            }
            for row in rows
        ]

    def speakers(self, ids):
        """Each speaker by id: its embedded representation, or just what a link needs."""
        if "speaker" not in self.expand:
            return {row["id"]: row for row in Speaker.objects.filter(pk__in=ids).values("id", "slug", "name")}
        fields = ["kind", "role", "is_anonymous", "side", "wikidata_id"]
        rows = Speaker.objects.filter(pk__in=ids).values(
            "id", "slug", "name", *fields, "affiliation__slug", "affiliation__name"
        )
        return {
            row["id"]: {
                "url": self.speaker_url(row["slug"]),
                "web_url": self.speaker_page(row["slug"]),
                "slug": row["slug"],
                "name": row["name"],
                "kind": row["kind"],
                "role": row["role"],
                "affiliation": self.speaker_url(row["affiliation__slug"])
                if row["affiliation__slug"]
                else None,
                "affiliation_name": row["affiliation__name"],
                "is_anonymous": row["is_anonymous"],
                "side": row["side"],
                "wikidata_id": row["wikidata_id"],
                "claims": self.speaker_claims(row["slug"]),
            }
            for row in rows
        }

    def quotes(self, claim_ids):
        """Each claim's quotes (links or embedded) and its articles' slugs, in the quotes' order."""
        quotes, articles = defaultdict(list), defaultdict(dict)
        expand = "quotes" in self.expand
        fields = ["text", "start", "end", "mode", "attribution", "note", "article_id"] if expand else []
        rows = list(
            Quote.objects.filter(claim__in=claim_ids).values("id", "claim_id", "article__slug", *fields)
        )
        texts = {}
        if expand:
            texts = dict(
                Article.objects.filter(pk__in={row["article_id"] for row in rows}).values_list("id", "text")
            )
        for row in rows:
            articles[row["claim_id"]][row["article__slug"]] = None
            if not expand:
                quotes[row["claim_id"]].append(self.quote_url(row["id"]))
                continue
            status = anchoring.status(texts[row["article_id"]], row["text"], row["start"], row["end"])
            quotes[row["claim_id"]].append(
                {
                    "url": self.quote_url(row["id"]),
                    "web_url": self.article_page(row["article__slug"]) + f"#quote-{row['id']}",
                    "annotation": self.quote_annotation(row["id"]),
                    "claim": self.claim_url(row["claim_id"]),
                    "article": self.article_url(row["article__slug"]),
                    "text": row["text"],
                    "start": row["start"],
                    "end": row["end"],
                    "mode": row["mode"],
                    "attribution": row["attribution"],
                    "note": row["note"],
                    "status": str(status),
                }
            )
        return quotes, articles

    def topics(self, claim_ids):
        """Each claim's topics, by name as Topic's default order has them."""
        topics = defaultdict(list)
        expand = "topics" in self.expand
        fields = ["topic__name", "topic__description"] if expand else []
        rows = (
            Claim.topics.through.objects.filter(claim__in=claim_ids)
            .order_by("topic__name")
            .values_list("claim_id", "topic__slug", *fields)
        )
        for claim_id, slug, *details in rows:
            if not expand:
                topics[claim_id].append(self.topic_url(slug))
                continue
            name, description = details
            topics[claim_id].append(
                {
                    "url": self.topic_url(slug),
                    "web_url": self.topic_page(slug),
                    "slug": slug,
                    "name": name,
                    "description": description,
                }
            )
        return topics


def rebuttals_of(claim_ids, *fields):
    """The rebuttals each claim makes and receives: ({claim: [(other claim, *fields)]}, {...}).

    In Rebuttal's default order (by the rebutted, then the rebutting claim's date), as the
    serializer's prefetch has them; one query for both directions.
    """
    made, received = defaultdict(list), defaultdict(list)
    for rebutting, rebutted, *values in Rebuttal.objects.filter(
        Q(rebutting_claim__in=claim_ids) | Q(rebutted_claim__in=claim_ids)
    ).values_list("rebutting_claim_id", "rebutted_claim_id", *fields):
        made[rebutting].append((rebutted, *values))
        received[rebutted].append((rebutting, *values))
    return made, received
