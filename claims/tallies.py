"""Summary tables of claims and rebuttals, kept exact by database triggers (migration 0006).

Counting a million claims per speaker and month, or joining 300,000 rebuttals to their claims,
takes seconds; reading these tables takes milliseconds. Triggers on claims, rebuttals and
speakers add and subtract each row's contribution in the same transaction as the write, so every
path (admin, API, commands, loaddata, history restores, queryset.update(), raw SQL) keeps them
exact. A bulk loader that switches triggers off (the synthetic corpus on PostgreSQL) calls
rebuild() at its end. Counts that fall to zero keep their row (a later write may need it again):
readers skip rows of 0.

- claims_tally_claims: claims per (speaker, claim type, month, dated only to the year)
- claims_tally_speakers: claims per (speaker, claim type)
- claims_tally_sides: claims per (side, claim type, month, dated only to the year)
- claims_tally_links: rebuttals per pair of (side, month, year-only) cells, per relation and in all
- claims_tally_rebutted: rebuttals received per claim
- claims_tally_topics: claims per (topic, side, claim type, month, dated only to the year), from each
  claim's topic links (migration 0013, with its own triggers on the links, claims and speakers)
"""

from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum

from claims import row_triggers
from claims.models import Claim, RebuttalRelation, RebuttedTally, Speaker, SpeakerTally

CLAIM_COLUMNS = ("speaker_id", "claim_type", "said_on", "said_on_precision")
LINK_KEY = (
    "source_side",
    "source_month",
    "source_year_only",
    "target_side",
    "target_month",
    "target_year_only",
)
RELATIONS = list(RebuttalRelation.values)
TABLES = (
    "claims_tally_claims",
    "claims_tally_speakers",
    "claims_tally_sides",
    "claims_tally_links",
    "claims_tally_rebutted",
    "claims_tally_topics",
)
TOPIC_TABLE = "claims_tally_topics"
TOPIC_KEY = ("topic_id", "side", "claim_type", "month", "year_only")


def month_of(vendor, expression):
    """SQL for the first day of the month of a date."""
    if vendor == "postgresql":
        return f"date_trunc('month', {expression})::date"
    return f"date({expression}, 'start of month')"


def year_only(expression):
    return f"({expression} = 'year')"


def _upsert(table, key, values, select, counts):
    """INSERT ... SELECT ... that adds each count to the row of its key (SQLite and PostgreSQL)."""
    columns = ", ".join([*key, *counts])
    update = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in counts)
    return (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(values)} {select} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}"
    )


def claim_selects(vendor, source):
    """(table, key, value expressions, FROM/GROUP BY clause) per claim tally.

    source: SQL naming rows as c with speaker_id, claim_type, said_on and said_on_precision.
    """
    month = month_of(vendor, "c.said_on")
    year = year_only("c.said_on_precision")
    by_month = ["c.speaker_id", "c.claim_type", month, year]
    by_side = ["s.side", "c.claim_type", month, year]
    return [
        (
            "claims_tally_claims",
            ("speaker_id", "claim_type", "month", "year_only"),
            by_month,
            f"FROM {source} WHERE true GROUP BY {', '.join(by_month)}",
        ),
        (
            "claims_tally_speakers",
            ("speaker_id", "claim_type"),
            ["c.speaker_id", "c.claim_type"],
            f"FROM {source} WHERE true GROUP BY c.speaker_id, c.claim_type",
        ),
        (
            "claims_tally_sides",
            ("side", "claim_type", "month", "year_only"),
            by_side,
            f"FROM {source} JOIN claims_speaker s ON s.id = c.speaker_id "
            f"WHERE true GROUP BY {', '.join(by_side)}",
        ),
    ]


def claim_statements(vendor, source, sign):
    """Add (sign 1) or subtract (sign -1) the claims of source from the claim tallies."""
    return [
        _upsert(table, key, [*values, f"{sign} * COUNT(*)"], select, ["claims"])
        for table, key, values, select in claim_selects(vendor, source)
    ]


def link_selects(vendor, source, claim=None, speaker=None):
    """(table, key, value expressions, FROM/GROUP BY clause) per rebuttal tally.

    source: SQL naming rows as r with rebutting, rebutted and relation. claim or speaker: a trigger's
    OLD row, whose values replace the table's (already updated) ones, to subtract what was counted.
    """

    def column(alias, name):
        if claim is not None:
            return f"CASE WHEN {alias}.id = {claim}.id THEN {claim}.{name} ELSE {alias}.{name} END"
        return f"{alias}.{name}"

    def side(alias):
        if speaker is not None:
            return f"CASE WHEN {alias}.id = {speaker}.id THEN {speaker}.side ELSE {alias}.side END"
        return f"{alias}.side"

    key = [
        side("sa"),
        month_of(vendor, column("a", "said_on")),
        year_only(column("a", "said_on_precision")),
        side("sb"),
        month_of(vendor, column("b", "said_on")),
        year_only(column("b", "said_on_precision")),
    ]
    joins = (
        f"FROM {source} JOIN claims_claim a ON a.id = r.rebutting "
        f"JOIN claims_speaker sa ON sa.id = {column('a', 'speaker_id')} "
        "JOIN claims_claim b ON b.id = r.rebutted "
        f"JOIN claims_speaker sb ON sb.id = {column('b', 'speaker_id')} "
    )
    per_relation = [f"SUM(CASE WHEN r.relation = '{relation}' THEN 1 ELSE 0 END)" for relation in RELATIONS]
    return [
        (
            "claims_tally_links",
            LINK_KEY,
            key,
            per_relation + ["COUNT(*)"],
            f"{joins} WHERE true GROUP BY {', '.join(key)}",
        )
    ]


def link_statements(vendor, source, sign, claim=None, speaker=None):
    """Add or subtract the rebuttals of source from the link tally."""
    return [
        _upsert(
            table,
            key,
            [*values, *(f"{sign} * {count}" for count in counts)],
            select,
            [*RELATIONS, "rebuttals"],
        )
        for table, key, values, counts, select in link_selects(vendor, source, claim, speaker)
    ]


def rebutted_statements(source, sign):
    """Add or subtract the rebuttals of source from the rebuttals received per claim."""
    return [
        _upsert(
            "claims_tally_rebutted",
            ("claim_id",),
            ["r.rebutted", f"{sign} * COUNT(*)"],
            f"FROM {source} WHERE true GROUP BY r.rebutted",
            ["rebuttals"],
        )
    ]


def topic_selects(vendor, links, claims="claims_claim c", speakers="claims_speaker s"):
    """(table, key, value expressions, FROM/GROUP BY clause) of the topic tally.

    links: SQL naming topic links as l with claim_id and topic_id; claims and speakers: where each
    link's claim (c) and its speaker (s) are read, the tables or a trigger's OLD row. A link
    whose claim is gone counts nothing (the claim's delete trigger subtracted it).
    """
    key = [
        "l.topic_id",
        "s.side",
        "c.claim_type",
        month_of(vendor, "c.said_on"),
        year_only("c.said_on_precision"),
    ]
    return [
        (
            TOPIC_TABLE,
            TOPIC_KEY,
            key,
            f"FROM {links} JOIN {claims} ON c.id = l.claim_id JOIN {speakers} ON s.id = c.speaker_id "
            f"WHERE true GROUP BY {', '.join(key)}",
        )
    ]


def topic_statements(vendor, links, sign, claims="claims_claim c", speakers="claims_speaker s"):
    """Add (sign 1) or subtract (sign -1) the topic links of links from the topic tally."""
    return [
        _upsert(table, key, [*values, f"{sign} * COUNT(*)"], select, ["claims"])
        for table, key, values, select in topic_selects(vendor, links, claims, speakers)
    ]


def row_source(row, columns, names=None):
    """A one-row source from a trigger's NEW or OLD row."""
    names = names or columns
    return (
        "(SELECT "
        + ", ".join(f"{row}.{column} AS {name}" for column, name in zip(columns, names, strict=True))
        + ")"
    )


def claim_row(row):
    return row_source(row, CLAIM_COLUMNS) + " c"


def rebuttal_row(row):
    return (
        row_source(
            row,
            ("rebutting_claim_id", "rebutted_claim_id", "relation"),
            ("rebutting", "rebutted", "relation"),
        )
        + " r"
    )


REBUTTAL_COLUMNS = (
    "(SELECT rebutting_claim_id AS rebutting, rebutted_claim_id AS rebutted, relation FROM claims_rebuttal"
)


def rebuttals_of_claim(row):
    return f"{REBUTTAL_COLUMNS} WHERE rebutting_claim_id = {row}.id OR rebutted_claim_id = {row}.id) r"


def rebuttals_of_speaker(row):
    claims = f"(SELECT id FROM claims_claim WHERE speaker_id = {row}.id)"
    return f"{REBUTTAL_COLUMNS} WHERE rebutting_claim_id IN {claims} OR rebutted_claim_id IN {claims}) r"


def link_row(row):
    return row_source(row, ("claim_id", "topic_id")) + " l"


def links_of_claim(row):
    return f"(SELECT claim_id, topic_id FROM claims_claim_topics WHERE claim_id = {row}.id) l"


ALL_LINKS = "claims_claim_topics l"
ALL_CLAIMS = "claims_claim c"
ALL_REBUTTALS = (
    "(SELECT rebutting_claim_id AS rebutting, rebutted_claim_id AS rebutted, relation FROM claims_rebuttal) r"
)


def side_move_statements(row, sign):
    """Add (NEW) or subtract (OLD) a speaker's claims to its side's tally, from its own tally."""
    return [
        _upsert(
            "claims_tally_sides",
            ("side", "claim_type", "month", "year_only"),
            [f"{row}.side", "t.claim_type", "t.month", "t.year_only", f"{sign} * SUM(t.claims)"],
            f"FROM claims_tally_claims t WHERE t.speaker_id = {row}.id "
            "GROUP BY t.claim_type, t.month, t.year_only",
            ["claims"],
        )
    ]


# Triggers. A claim moving speaker, type or date moves its counts and those of its rebuttals; a
# speaker changing side moves its claims' side counts and its rebuttals' links. A row counts while
# the rows its key is read from exist: a link or rebuttal while its claims and their speakers do,
# so each of these adds what it completes when written and takes it out when it goes (raw SQL or
# a fixture may write them in any order within a transaction; the foreign keys are checked at its
# end). What they do not cover is in docs/data-model.md (concurrent moves on PostgreSQL, and one
# PostgreSQL statement writing both claims of a rebuttal).


def trigger_bodies(vendor):
    """{(table, event): statements} for the triggers, OLD and NEW as in a row trigger.

    event "BEFORE DELETE": run while the row is still there, so that what it completed (its
    rebuttals' links, its claims' sides) is read as it was counted and taken out.
    """

    claim_moved = [
        *claim_statements(vendor, claim_row("OLD"), -1),
        *claim_statements(vendor, claim_row("NEW"), 1),
    ]
    links_moved = [
        *link_statements(vendor, rebuttals_of_claim("NEW"), -1, claim="OLD"),
        *link_statements(vendor, rebuttals_of_claim("NEW"), 1),
    ]
    return {
        ("claims_claim", "INSERT"): [
            *claim_statements(vendor, claim_row("NEW"), 1),
            *link_statements(vendor, rebuttals_of_claim("NEW"), 1),
        ],
        ("claims_claim", "BEFORE DELETE"): link_statements(vendor, rebuttals_of_claim("OLD"), -1),
        ("claims_claim", "DELETE"): claim_statements(vendor, claim_row("OLD"), -1),
        ("claims_claim", "UPDATE"): claim_moved + links_moved,
        ("claims_rebuttal", "INSERT"): [
            *link_statements(vendor, rebuttal_row("NEW"), 1),
            *rebutted_statements(rebuttal_row("NEW"), 1),
        ],
        ("claims_rebuttal", "DELETE"): [
            *link_statements(vendor, rebuttal_row("OLD"), -1),
            *rebutted_statements(rebuttal_row("OLD"), -1),
        ],
        ("claims_rebuttal", "UPDATE"): [
            *link_statements(vendor, rebuttal_row("OLD"), -1),
            *rebutted_statements(rebuttal_row("OLD"), -1),
            *link_statements(vendor, rebuttal_row("NEW"), 1),
            *rebutted_statements(rebuttal_row("NEW"), 1),
        ],
        ("claims_speaker", "INSERT"): [
            *side_move_statements("NEW", 1),
            *link_statements(vendor, rebuttals_of_speaker("NEW"), 1),
        ],
        ("claims_speaker", "BEFORE DELETE"): [
            *side_move_statements("OLD", -1),
            *link_statements(vendor, rebuttals_of_speaker("OLD"), -1),
        ],
        ("claims_speaker", "UPDATE"): [
            *side_move_statements("OLD", -1),
            *side_move_statements("NEW", 1),
            *link_statements(vendor, rebuttals_of_speaker("NEW"), -1, speaker="OLD"),
            *link_statements(vendor, rebuttals_of_speaker("NEW"), 1),
        ],
    }


def topic_trigger_bodies(vendor):
    """{(table, event): statements} for the topic tally's triggers (migration 0013).

    A link counts while it, its claim and the claim's speaker all exist (see the triggers
    above: each adds what it completes and takes it out as it goes).
    """

    old_claim = row_source("OLD", ("id", *CLAIM_COLUMNS)) + " c"
    new_claim = row_source("NEW", ("id", *CLAIM_COLUMNS)) + " c"
    old_speaker = row_source("OLD", ("id", "side")) + " s"
    new_speaker = row_source("NEW", ("id", "side")) + " s"
    return {
        ("claims_claim_topics", "INSERT"): topic_statements(vendor, link_row("NEW"), 1),
        ("claims_claim_topics", "DELETE"): topic_statements(vendor, link_row("OLD"), -1),
        ("claims_claim_topics", "UPDATE"): [
            *topic_statements(vendor, link_row("OLD"), -1),
            *topic_statements(vendor, link_row("NEW"), 1),
        ],
        ("claims_claim", "INSERT"): topic_statements(vendor, links_of_claim("NEW"), 1, claims=new_claim),
        ("claims_claim", "DELETE"): topic_statements(vendor, links_of_claim("OLD"), -1, claims=old_claim),
        ("claims_claim", "UPDATE"): [
            *topic_statements(vendor, links_of_claim("NEW"), -1, claims=old_claim),
            *topic_statements(vendor, links_of_claim("NEW"), 1, claims=new_claim),
        ],
        ("claims_speaker", "INSERT"): topic_statements(vendor, ALL_LINKS, 1, "claims_claim c", new_speaker),
        ("claims_speaker", "DELETE"): topic_statements(vendor, ALL_LINKS, -1, "claims_claim c", old_speaker),
        ("claims_speaker", "UPDATE"): [
            *topic_statements(vendor, ALL_LINKS, -1, "claims_claim c", old_speaker),
            *topic_statements(vendor, ALL_LINKS, 1, "claims_claim c", new_speaker),
        ],
    }


# Which columns move a row's counts, per table: an UPDATE changing none of them fires nothing.
WATCHED = {
    "claims_claim": CLAIM_COLUMNS,
    "claims_rebuttal": ("rebutting_claim_id", "rebutted_claim_id", "relation"),
    "claims_speaker": ("side",),
    "claims_claim_topics": ("claim_id", "topic_id"),
}


def _name(table, event, tally):
    return f"{table}_{tally}_{event.lower().replace(' ', '_')}"


def _create(schema_editor, bodies, tally):
    for (table, event), statements in bodies(schema_editor.connection.vendor).items():
        watched = WATCHED[table] if event == "UPDATE" else ()  # (BEFORE DELETE watches nothing)
        row_triggers.create(schema_editor, _name(table, event, tally), table, event, statements, watched)


def _drop(schema_editor, bodies, tally):
    for table, event in bodies(schema_editor.connection.vendor):
        row_triggers.drop(schema_editor, _name(table, event, tally), table)


def create_triggers(schema_editor):
    _create(schema_editor, trigger_bodies, "tally")


def drop_triggers(schema_editor):
    _drop(schema_editor, trigger_bodies, "tally")


def create_topic_triggers(schema_editor):
    _create(schema_editor, topic_trigger_bodies, "topic_tally")


def drop_topic_triggers(schema_editor):
    _drop(schema_editor, topic_trigger_bodies, "topic_tally")


def rebuild(connection=None, topics=True):
    """Empty the tallies and count them again from the claims and rebuttals: one transaction.

    topics False leaves out the topic tally (migration 0006 runs before its table exists).
    """
    connection = connection or default_connection
    vendor = connection.vendor
    tables = TABLES if topics else [table for table in TABLES if table != TOPIC_TABLE]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        for statement in [
            *claim_statements(vendor, ALL_CLAIMS, 1),
            *link_statements(vendor, ALL_REBUTTALS, 1),
            *rebutted_statements(ALL_REBUTTALS, 1),
            *(topic_statements(vendor, ALL_LINKS, 1) if topics else []),
        ]:
            cursor.execute(statement)


def differences(connection=None):
    """{table: number of keys whose tally differs from a recount}; empty when every tally is exact."""
    connection = connection or default_connection
    vendor = connection.vendor
    recounts = [
        (table, key, values + ["COUNT(*)"], select)
        for table, key, values, select in claim_selects(vendor, ALL_CLAIMS)
    ]
    recounts += [
        (table, key, values + counts, select)
        for table, key, values, counts, select in link_selects(vendor, ALL_REBUTTALS)
    ]
    recounts += [
        (table, key, values + ["COUNT(*)"], select)
        for table, key, values, select in topic_selects(vendor, ALL_LINKS)
    ]
    recounts.append(
        (
            "claims_tally_rebutted",
            ("claim_id",),
            ["r.rebutted", "COUNT(*)"],
            f"FROM {ALL_REBUTTALS} WHERE true GROUP BY r.rebutted",
        )
    )
    found = {}
    with connection.cursor() as cursor:
        for table, key, values, select in recounts:
            counts = len(values) - len(key)
            cursor.execute(f"SELECT {', '.join(values)} {select}")
            expected = {_key(row[: len(key)]): tuple(row[len(key) :]) for row in cursor.fetchall()}
            count_columns = (
                [*RELATIONS, "rebuttals"]
                if table == "claims_tally_links"
                else (["rebuttals"] if table == "claims_tally_rebutted" else ["claims"])
            )
            assert len(count_columns) == counts
            cursor.execute(f"SELECT {', '.join([*key, *count_columns])} FROM {table}")
            kept = {
                _key(row[: len(key)]): tuple(row[len(key) :])
                for row in cursor.fetchall()
                if any(row[len(key) :])
            }
            wrong = {
                k for k in expected.keys() | kept.keys() if _normal(expected.get(k)) != _normal(kept.get(k))
            }
            if wrong:
                found[table] = len(wrong)
    return found


def _key(values):
    """A tally's key as plain values: SQLite gives dates and booleans typed or not, by column."""
    return tuple(str(int(value)) if isinstance(value, bool) else str(value) for value in values)


def _normal(counts):
    return tuple(int(count) for count in counts) if counts else None


# Reading


def speaker_claim_counts():
    """{speaker id: claims} for every speaker with claims."""
    per_speaker = SpeakerTally.objects.order_by().values_list("speaker_id").annotate(total=Sum("claims"))
    return {speaker: total for speaker, total in per_speaker if total > 0}


def speakers_with_claims(sides, claim_types=()):
    """Ids of the speakers of these sides with claims of these types (any type when none is given)."""
    speakers = SpeakerTally.objects.filter(
        claims__gt=0, speaker_id__in=Speaker.objects.filter(side__in=sides).values("pk")
    )
    if claim_types:
        speakers = speakers.filter(claim_type__in=claim_types)
    return sorted(set(speakers.values_list("speaker_id", flat=True)))


def home_counts(most=5):
    """Claims, claims rebutted, rebuttals, and the most rebutted claims (with their rebuttal counts)."""
    claim_count = SpeakerTally.objects.aggregate(total=Sum("claims"))["total"] or 0
    rebutted = RebuttedTally.objects.filter(rebuttals__gt=0)
    rebuttals = rebutted.aggregate(total=Sum("rebuttals"), claims=Count("pk"))
    # The most rebutted, ties by date and id: their ids first (ordered by the tally), then those
    # claims with their counts. Annotating the claims of `pk IN (subquery)` with their rebuttal
    # counts made PostgreSQL count every claim's rebuttals: 0.6 s at a million claims, 20 ms so.
    counts = list(rebutted.order_by("-rebuttals").values_list("rebuttals", flat=True)[:most])
    most_rebutted = []
    if counts:
        received = RebuttedTally.objects.filter(claim_id=OuterRef("pk")).values("rebuttals")
        ids = (
            Claim.objects.filter(pk__in=rebutted.filter(rebuttals__gte=counts[-1]).values("claim_id"))
            .annotate(received=Subquery(received))
            .order_by("-received", "said_on", "pk")
            .values_list("pk", flat=True)[:most]
        )
        claims = Claim.objects.filter(pk__in=list(ids)).with_rebuttal_counts().select_related("speaker")
        most_rebutted = sorted(claims, key=lambda claim: (-claim.rebutted_by_count, claim.said_on, claim.pk))
    return claim_count, rebuttals["claims"], rebuttals["total"] or 0, most_rebutted
