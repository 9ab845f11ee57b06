"""The claims' CSV rows from one SQL query: each claim's related names read from its kept lists.

Each claim's topics, articles (with outlets) and rebuttals come from its row of
claims_related_lists, which triggers keep (claims/related_lists.py): one probe per claim instead
of four subqueries (one speaker's month at 1M claims: 200-280 ms of SQL before). Topics and
outlets are named from their own small tables, read once per file (and again should a row name
one created since). The file is the chunked writer's before it byte for byte
(claims/tests/test_claims_csv.py compares them).
"""

import orjson
from django.db.models.expressions import RawSQL

from claims.models import ClaimType, Side, Topic
from claims.related_lists import TABLE
from sources.dates import iso_with_precision
from sources.models import Outlet
from tiktok_claims.streaming import every_row

CLAIM_TYPE_LABELS = dict(ClaimType.choices)
SIDE_LABELS = dict(Side.choices)

# A claim without a row (none is missing while the triggers keep the table).
NO_LISTS = ((), (), (), ())

_LISTS = f'SELECT lists FROM {TABLE} WHERE claim_id = "claims_claim"."id"'


def claim_csv_rows(queryset, claim_page, chunk_size):
    """The CSV cells of the claims in queryset, in its order, streamed from one query."""
    rows = (
        queryset.prefetch_related(None)
        .annotate(csv_lists=RawSQL(_LISTS, ()))
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
            "csv_lists",
        )
    )
    yield from _cells(every_row(rows, chunk_size), claim_page, queryset.db)


class ReadAgainWhenMissing(dict):
    """{id: names} read by load(), read again when asked for an id it lacks.

    The names are read before the rows, so a topic or outlet created and linked in between is
    missing from the first read: the rows' snapshot is the later one.
    """

    def __init__(self, load):
        self.load = load
        super().__init__(load())

    def __missing__(self, key):
        self.update(self.load())
        if key not in self:
            raise KeyError(key)
        return super().__getitem__(key)


def _cells(rows, claim_page, database):
    def topics():
        # By name in the database's collation, as the pages list them.
        in_order = Topic.objects.using(database).order_by("name", "pk").values_list("pk", "name", "slug")
        return {pk: (rank, name, slug) for rank, (pk, name, slug) in enumerate(in_order)}

    def outlets():
        return {
            pk: (name, slug)
            for pk, name, slug in Outlet.objects.using(database).values_list("pk", "name", "slug")
        }

    topic_of, outlet_of = ReadAgainWhenMissing(topics), ReadAgainWhenMissing(outlets)
    # List comprehensions, not generators, inside join() and dict.fromkeys(): a speaker's month
    # (586 rows at 100k claims) in 3.9 ms, not 5.2.
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
        lists,
    ) in rows:
        topic_ids, quotes, rebuts, rebutted_by = orjson.loads(lists) if lists else NO_LISTS
        topics = sorted([topic_of[topic] for topic in topic_ids])
        outlets = [outlet_of[outlet] for _, _, outlet in quotes]
        yield [
            claim_id,
            key,
            iso_with_precision(said_on, precision, earliest),
            speaker,
            SIDE_LABELS.get(side, side),
            CLAIM_TYPE_LABELS.get(claim_type, claim_type),
            summary,
            venue,
            "; ".join([name for _, name, _ in topics]),
            "; ".join(dict.fromkeys([headline for headline, _, _ in quotes])),
            "; ".join(dict.fromkeys([name for name, _ in outlets])),
            "; ".join(rebuts),
            "; ".join(rebutted_by),
            claim_page(claim_id),
            precision,
            speaker_slug,
            "; ".join([slug for _, _, slug in topics]),
            "; ".join(dict.fromkeys([slug for _, slug, _ in quotes])),
            "; ".join(dict.fromkeys([slug for _, slug in outlets])),
        ]
