"""Each claim's topics, articles and rebuttals on one row, kept exact by database triggers (0008).

The CSV lists with each claim its topics, the articles quoting it (and their outlets) and the keys
of the claims it rebuts and is rebutted by. Gathered per claim by four subqueries, one speaker's
month at a million claims (5,334 rows) probed topics, quotes, articles and rebuttals both ways in
tables larger than memory: 200-280 ms of SQL. Kept in claims_related_lists, they are one probe per
claim. Triggers rewrite the row of every claim a write touches, in the write's transaction, so
every path (admin, API, commands, loaddata, history restores, queryset.update(), raw SQL) keeps
them exact; a bulk loader that switches triggers off calls rebuild() at its end, and so must
whoever TRUNCATEs one of the tables by hand (it fires no row trigger): `manage.py tallies`.
`dumpdata claims` includes this table, as it does the summary tables; `export_corpus` writes the
curated tables only, and a load writes the lists again through the triggers.

A row's `lists` is JSON: [topic ids, [[headline, article slug, outlet id], ...], keys of the claims
it rebuts, keys of the claims rebutting it].

- Topics and outlets by id: the reader names and orders them from their own (small) tables, so
  renaming a topic or an outlet rewrites no row.
- Quotes in the order the pages list them (their article's date and headline, then their place
  in it); rebuttals by the other claim's date, then id. An article's headline, slug, date or
  outlet changing rewrites the rows of the claims it quotes; a claim's key or date changing
  rewrites those of the claims it rebuts or is rebutted by.
"""

import orjson
from django.db import connection as default_connection
from django.db import transaction

from claims import row_triggers

TABLE = "claims_related_lists"


def _array(vendor, columns, source, order):
    """One claim's related rows as a JSON array (of arrays when several columns), in order; [] if none."""
    if vendor == "postgresql":
        value = columns[0] if len(columns) == 1 else f"json_build_array({', '.join(columns)})"
        return f"COALESCE((SELECT json_agg({value} ORDER BY {order}) {source}), '[]'::json)"
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it aggregates an ordered subquery.
    # json() gives the text back its JSON type, lost on leaving the subquery.
    aliased = ", ".join(f"{column} AS c{number}" for number, column in enumerate(columns))
    names = [f"c{number}" for number in range(len(columns))]
    value = names[0] if len(columns) == 1 else f"json_array({', '.join(names)})"
    return f"json((SELECT json_group_array({value}) FROM (SELECT {aliased} {source} ORDER BY {order})))"


def lists_sql(vendor, claim="c.id"):
    """SQL for the lists of the claim whose id is `claim`, as JSON text."""
    parts = [
        _array(
            vendor,
            ["link.topic_id"],
            f"FROM claims_claim_topics link WHERE link.claim_id = {claim}",
            "link.topic_id",
        ),
        _array(
            vendor,
            ["article.headline", "article.slug", "article.outlet_id"],
            "FROM claims_quote quote JOIN sources_article article ON article.id = quote.article_id "
            f"WHERE quote.claim_id = {claim}",
            "article.published_on, article.headline, quote.start, quote.id",
        ),
        _array(
            vendor,
            ["other.key"],
            "FROM claims_rebuttal rebuttal JOIN claims_claim other ON other.id = rebuttal.rebutted_claim_id "
            f"WHERE rebuttal.rebutting_claim_id = {claim}",
            "other.said_on, other.id",
        ),
        _array(
            vendor,
            ["other.key"],
            "FROM claims_rebuttal rebuttal JOIN claims_claim other ON other.id = rebuttal.rebutting_claim_id "
            f"WHERE rebuttal.rebutted_claim_id = {claim}",
            "other.said_on, other.id",
        ),
    ]
    if vendor == "postgresql":
        return f"json_build_array({', '.join(parts)})::text"
    return f"json_array({', '.join(parts)})"


def refresh(vendor, claims):
    """SQL statements writing the lists of the claims whose ids `claims` (SQL: a list or a SELECT) gives.

    Only claims that exist get a row: a quote written before its claim (deferred foreign keys), or
    deleted after it, writes nothing. On PostgreSQL the rows are locked first, and the lists
    gathered by the next statement, which sees what was committed meanwhile: two transactions
    writing a quote and a rebuttal of one claim at once each gather the other's row once it
    commits, so neither overwrites the other's with lists gathered before it.
    """
    upsert = (
        f"INSERT INTO {TABLE} (claim_id, lists) SELECT c.id, {lists_sql(vendor)} FROM claims_claim c "
        f"WHERE c.id IN ({claims}) ON CONFLICT (claim_id) DO UPDATE SET lists = excluded.lists"
    )
    if vendor != "postgresql":
        return [upsert]  # SQLite: one writer at a time
    lock = f"PERFORM 1 FROM {TABLE} WHERE claim_id IN ({claims}) ORDER BY claim_id FOR UPDATE"
    return [lock, upsert]


def rebuttal_partners(row):
    """SQL: the ids of the claims that row (a claim) rebuts or is rebutted by."""
    return (
        f"SELECT rebutting_claim_id FROM claims_rebuttal WHERE rebutted_claim_id = {row}.id "
        f"UNION SELECT rebutted_claim_id FROM claims_rebuttal WHERE rebutting_claim_id = {row}.id"
    )


def quoting(row):
    """SQL: the ids of the claims quoting row (an article)."""
    return f"SELECT claim_id FROM claims_quote WHERE article_id = {row}.id"


def triggers(vendor):
    """{(table, event): (columns whose change fires an UPDATE trigger, statements)}.

    OLD and NEW as in a row trigger. Each statement rewrites the lists of the claims it names.
    Foreign keys are checked at commit, so a rebuttal may be written before the claim it names
    and a quote before its article: a claim or an article written or deleted rewrites the lists
    of the claims that name it.
    """
    claim_columns = {
        "claims_claim_topics": ("claim_id", "topic_id"),
        "claims_quote": ("claim_id", "article_id", "start"),
        "claims_rebuttal": ("rebutting_claim_id", "rebutted_claim_id"),
    }
    bodies = {
        ("claims_claim", "INSERT"): ((), refresh(vendor, f"SELECT NEW.id UNION {rebuttal_partners('NEW')}")),
        ("claims_claim", "DELETE"): (
            (),
            [f"DELETE FROM {TABLE} WHERE claim_id = OLD.id", *refresh(vendor, rebuttal_partners("OLD"))],
        ),
        ("claims_claim", "UPDATE"): (("key", "said_on"), refresh(vendor, rebuttal_partners("NEW"))),
        ("sources_article", "INSERT"): ((), refresh(vendor, quoting("NEW"))),
        ("sources_article", "DELETE"): ((), refresh(vendor, quoting("OLD"))),
        ("sources_article", "UPDATE"): (
            ("headline", "slug", "published_on", "outlet_id"),
            refresh(vendor, quoting("NEW")),
        ),
    }
    # A link, a quote or a rebuttal: the lists of the claims it belongs to, before and after.
    for table, columns in claim_columns.items():
        claims = [column for column in columns if column.endswith("claim_id")]

        def of(*rows, claims=claims):
            return refresh(vendor, ", ".join(f"{row}.{column}" for row in rows for column in claims))

        bodies[(table, "INSERT")] = ((), of("NEW"))
        bodies[(table, "DELETE")] = ((), of("OLD"))
        bodies[(table, "UPDATE")] = (columns, of("OLD", "NEW"))
    return bodies


def _name(table, event):
    return f"{table}_lists_{event.lower()}"


def create_triggers(schema_editor):
    for (table, event), (watched, statements) in triggers(schema_editor.connection.vendor).items():
        row_triggers.create(schema_editor, _name(table, event), table, event, statements, watched)


def drop_triggers(schema_editor):
    for table, event in triggers(schema_editor.connection.vendor):
        row_triggers.drop(schema_editor, _name(table, event), table)


def rebuild(connection=None):
    """Write every claim's lists again from the claims and their relations: one transaction."""
    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} (claim_id, lists) SELECT c.id, {lists_sql(connection.vendor)} "
            "FROM claims_claim c"
        )


def differences(connection=None):
    """Ids of the claims whose kept lists differ from the lists gathered again (none when exact)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id, {lists_sql(connection.vendor)} FROM claims_claim c")
        expected = {claim: orjson.loads(lists) for claim, lists in cursor.fetchall()}
        cursor.execute(f"SELECT claim_id, lists FROM {TABLE}")
        kept = {claim: orjson.loads(lists) for claim, lists in cursor.fetchall()}
    return sorted(claim for claim in expected.keys() | kept.keys() if expected.get(claim) != kept.get(claim))
