"""The claims' CSV rows from one SQL query: each claim's topics, articles and rebuttals gathered in SQL.

Before, each chunk of 2,000 claims took three more queries and the rows were joined in Python
(904 ms for one speaker's month at 1M claims). Now each row carries its related names as JSON
arrays from correlated subqueries, in the orders the old queries used, so the file is the same
byte for byte (claims/tests/test_claims_csv.py compares it with the old writer's).
"""

import orjson
from django.db import connections
from django.db.models.expressions import RawSQL

from claims.models import ClaimType, Side
from sources.dates import iso_with_precision
from tiktok_claims.streaming import every_row

CLAIM_TYPE_LABELS = dict(ClaimType.choices)
SIDE_LABELS = dict(Side.choices)

# Each gathers one claim's related rows in the order the page and the JSON list them: topics by
# name; quotes by their article's date and headline, then their place in it (Quote and Article's
# orderings); rebuttals by the other claim's date, then id (Rebuttal's, through Claim's).
_TOPICS = (
    "FROM claims_claim_topics link JOIN claims_topic topic ON topic.id = link.topic_id "
    'WHERE link.claim_id = "claims_claim"."id"'
)
_QUOTES = (
    "FROM claims_quote quote JOIN sources_article article ON article.id = quote.article_id "
    "JOIN sources_outlet outlet ON outlet.id = article.outlet_id "
    'WHERE quote.claim_id = "claims_claim"."id"'
)
_REBUTS = (
    "FROM claims_rebuttal rebuttal JOIN claims_claim other ON other.id = rebuttal.rebutted_claim_id "
    'WHERE rebuttal.rebutting_claim_id = "claims_claim"."id"'
)
_REBUTTED_BY = (
    "FROM claims_rebuttal rebuttal JOIN claims_claim other ON other.id = rebuttal.rebutting_claim_id "
    'WHERE rebuttal.rebutted_claim_id = "claims_claim"."id"'
)
_GATHERED = [
    ("topic.name, topic.slug", _TOPICS, "topic.name"),
    (
        "article.headline, outlet.name, article.slug, outlet.slug",
        _QUOTES,
        "article.published_on, article.headline, quote.start",
    ),
    ("other.key", _REBUTS, "other.said_on, other.id"),
    ("other.key", _REBUTTED_BY, "other.said_on, other.id"),
]


def _gathered_sql(vendor, columns, source, order):
    """One claim's related rows as a JSON array of arrays, in order (NULL or [] when none)."""
    if vendor == "postgresql":
        # As text: orjson reads it several times faster than psycopg's json module would.
        return f"(SELECT json_agg(json_build_array({columns}) ORDER BY {order})::text {source})"
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it aggregates an ordered subquery.
    names = ", ".join(f"c{number}" for number, _ in enumerate(columns.split(",")))
    aliased = ", ".join(f"{column.strip()} AS c{number}" for number, column in enumerate(columns.split(",")))
    return f"(SELECT json_group_array(json_array({names})) FROM (SELECT {aliased} {source} ORDER BY {order}))"


class Gathered(RawSQL):
    """A per-claim subquery: never a GROUP BY column (ordering by rebuttal counts groups the claims)."""

    def get_group_by_cols(self):
        return []


def joined(values):
    return "; ".join(map(str, values))


def claim_csv_rows(queryset, claim_page, chunk_size):
    """The CSV cells of the claims in queryset, in its order, streamed from one query."""
    vendor = connections[queryset.db].vendor
    gathered = {
        f"csv_{name}": Gathered(_gathered_sql(vendor, *parts), ())
        for name, parts in zip(("topics", "quotes", "rebuts", "rebutted_by"), _GATHERED, strict=True)
    }
    rows = (
        queryset.prefetch_related(None)
        .annotate(**gathered)
        .values_list(
            "id",
            "key",
            "said_on",
            "said_on_precision",
            "said_earliest",
            "speaker__name",
            "speaker__side",
            "speaker__slug",
            "claim_type",
            "summary",
            "venue",
            *gathered,
        )
    )
    yield from _cells(every_row(rows, chunk_size), claim_page)


def _cells(rows, claim_page):
    for (
        claim_id,
        key,
        said_on,
        precision,
        earliest,
        speaker,
        side,
        speaker_slug,
        claim_type,
        summary,
        venue,
        topics,
        quotes,
        rebuts,
        rebutted_by,
    ) in rows:
        topics = orjson.loads(topics) if topics else ()
        quotes = orjson.loads(quotes) if quotes else ()
        rebuts = orjson.loads(rebuts) if rebuts else ()
        rebutted_by = orjson.loads(rebutted_by) if rebutted_by else ()
        yield [
            claim_id,
            key,
            iso_with_precision(said_on, precision, earliest),
            speaker,
            SIDE_LABELS.get(side, side),
            CLAIM_TYPE_LABELS.get(claim_type, claim_type),
            summary,
            venue,
            joined(name for name, _ in topics),
            joined(dict.fromkeys(quote[0] for quote in quotes)),
            joined(dict.fromkeys(quote[1] for quote in quotes)),
            joined(other for (other,) in rebuts),
            joined(other for (other,) in rebutted_by),
            claim_page(claim_id),
            precision,
            speaker_slug,
            joined(slug for _, slug in topics),
            joined(dict.fromkeys(quote[2] for quote in quotes)),
            joined(dict.fromkeys(quote[3] for quote in quotes)),
        ]
