"""A stored search document per claim: summary + speaker name + quote texts.

PostgreSQL: claims_claim.search_vector (tsvector, GIN-indexed). SQLite: an FTS5 table,
claims_claim_search, whose rowid is the claim id. On both, database triggers rebuild a claim's
document whenever its summary or speaker, its speaker's name or any of its quotes change, so
bulk_create, queryset.update() and raw SQL cannot leave it stale. Where SQLite lacks FTS5 the
table is not created and ClaimQuerySet.search() falls back to a substring scan.
"""

import django.contrib.postgres.search
from django.db import OperationalError, migrations

# claims_search_document() is the vector of one claim's texts; claims_claim_search_vector() reads
# them from the tables for the triggers; a bulk loader may call the first with texts it holds.
POSTGRESQL_FORWARDS = [
    """
    CREATE FUNCTION claims_search_document(summary text, speaker_name text, quote_texts text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
        SELECT setweight(to_tsvector('english'::regconfig, coalesce($1, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce($2, '')), 'A')
            || setweight(to_tsvector('english'::regconfig, coalesce($3, '')), 'B')
    $$
    """,
    """
    CREATE FUNCTION claims_claim_search_vector(claim_id bigint, summary text, speaker_id bigint)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT claims_search_document(
            $2,
            (SELECT s.name FROM claims_speaker s WHERE s.id = $3),
            (SELECT string_agg(q.text, ' ' ORDER BY q.id) FROM claims_quote q WHERE q.claim_id = $1))
    $$
    """,
    """
    CREATE FUNCTION claims_claim_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := claims_claim_search_vector(NEW.id, NEW.summary, NEW.speaker_id);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER claims_claim_search BEFORE INSERT OR UPDATE OF summary, speaker_id
    ON claims_claim FOR EACH ROW EXECUTE FUNCTION claims_claim_search_trigger()
    """,
    """
    CREATE FUNCTION claims_quote_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
            WHERE c.id = OLD.claim_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
            WHERE c.id = NEW.claim_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER claims_quote_search AFTER INSERT OR UPDATE OF text, claim_id OR DELETE
    ON claims_quote FOR EACH ROW EXECUTE FUNCTION claims_quote_search_trigger()
    """,
    """
    CREATE FUNCTION claims_speaker_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
        WHERE c.speaker_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER claims_speaker_search AFTER UPDATE OF name ON claims_speaker
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION claims_speaker_search_trigger()
    """,
    "UPDATE claims_claim SET search_vector = claims_claim_search_vector(id, summary, speaker_id)",
    "CREATE INDEX claim_search_vector_gin ON claims_claim USING gin (search_vector)",
]

POSTGRESQL_BACKWARDS = [
    "DROP INDEX claim_search_vector_gin",
    "DROP TRIGGER claims_speaker_search ON claims_speaker",
    "DROP TRIGGER claims_quote_search ON claims_quote",
    "DROP TRIGGER claims_claim_search ON claims_claim",
    "DROP FUNCTION claims_speaker_search_trigger()",
    "DROP FUNCTION claims_quote_search_trigger()",
    "DROP FUNCTION claims_claim_search_trigger()",
    "DROP FUNCTION claims_claim_search_vector(bigint, text, bigint)",
    "DROP FUNCTION claims_search_document(text, text, text)",
]

# SQLite has no stored functions: each trigger repeats the document of the claim whose id is {id}.
SQLITE_DOCUMENT = """(
    SELECT c.summary || ' ' || s.name || ' '
        || coalesce((SELECT group_concat(q.text, ' ') FROM claims_quote q WHERE q.claim_id = c.id), '')
    FROM claims_claim c JOIN claims_speaker s ON s.id = c.speaker_id WHERE c.id = {id}
)"""


def sqlite_refresh(claim_id):
    """SQL rewriting the FTS row of one claim."""
    document = SQLITE_DOCUMENT.format(id=claim_id)
    return f"UPDATE claims_claim_search SET document = {document} WHERE rowid = {claim_id};"


SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE claims_claim_search USING fts5(document, tokenize = 'porter unicode61')",
    f"""CREATE TRIGGER claims_claim_search_insert AFTER INSERT ON claims_claim BEGIN
        INSERT INTO claims_claim_search (rowid, document) VALUES (NEW.id, {SQLITE_DOCUMENT.format(id="NEW.id")});
    END""",
    f"""CREATE TRIGGER claims_claim_search_update AFTER UPDATE OF summary, speaker_id ON claims_claim BEGIN
        {sqlite_refresh("NEW.id")}
    END""",
    """CREATE TRIGGER claims_claim_search_delete AFTER DELETE ON claims_claim BEGIN
        DELETE FROM claims_claim_search WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER claims_quote_search_insert AFTER INSERT ON claims_quote BEGIN
        {sqlite_refresh("NEW.claim_id")}
    END""",
    f"""CREATE TRIGGER claims_quote_search_update AFTER UPDATE OF text, claim_id ON claims_quote BEGIN
        {sqlite_refresh("OLD.claim_id")}
        {sqlite_refresh("NEW.claim_id")}
    END""",
    f"""CREATE TRIGGER claims_quote_search_delete AFTER DELETE ON claims_quote BEGIN
        {sqlite_refresh("OLD.claim_id")}
    END""",
    f"""CREATE TRIGGER claims_speaker_search_update AFTER UPDATE OF name ON claims_speaker BEGIN
        UPDATE claims_claim_search SET document = {SQLITE_DOCUMENT.format(id="claims_claim_search.rowid")}
        WHERE rowid IN (SELECT id FROM claims_claim WHERE speaker_id = NEW.id);
    END""",
    f"""INSERT INTO claims_claim_search (rowid, document)
        SELECT claim.id, {SQLITE_DOCUMENT.format(id="claim.id")} FROM claims_claim claim""",
]

SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS claims_speaker_search_update",
    "DROP TRIGGER IF EXISTS claims_quote_search_delete",
    "DROP TRIGGER IF EXISTS claims_quote_search_update",
    "DROP TRIGGER IF EXISTS claims_quote_search_insert",
    "DROP TRIGGER IF EXISTS claims_claim_search_delete",
    "DROP TRIGGER IF EXISTS claims_claim_search_update",
    "DROP TRIGGER IF EXISTS claims_claim_search_insert",
    "DROP TABLE IF EXISTS claims_claim_search",
]


def sqlite_has_fts5(schema_editor):
    try:
        schema_editor.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(probe)")
    except OperationalError:
        return False
    schema_editor.execute("DROP TABLE temp.fts5_probe")
    return True


def create_search_document(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = POSTGRESQL_FORWARDS
    elif vendor == "sqlite" and sqlite_has_fts5(schema_editor):
        statements = SQLITE_FORWARDS
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


def drop_search_document(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, serialize=False),
        ),
        migrations.RunPython(create_search_document, drop_search_document),
    ]
