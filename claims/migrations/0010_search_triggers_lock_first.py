from django.db import migrations

# PostgreSQL: the quote and speaker triggers of the search document (0003) rewrote a claim's
# search_vector in one UPDATE whose gathering of quote texts used the snapshot taken when that
# UPDATE started. Two quotes added to one claim at once: the second UPDATE waited for the
# first's row lock, then wrote a document gathered before the first committed, leaving the first
# quote's words out. Each trigger now locks the claims it rewrites first (in id order), and
# gathers them in its next statement, which sees what was committed meanwhile. (The claim's own
# BEFORE trigger already gathers in a statement of its own, after its row is locked; SQLite
# serialises writers.)

LOCK_FIRST = [
    """
    CREATE OR REPLACE FUNCTION claims_quote_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM 1 FROM claims_claim WHERE id = OLD.claim_id FOR UPDATE;
            UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
            WHERE c.id = OLD.claim_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM 1 FROM claims_claim WHERE id = NEW.claim_id FOR UPDATE;
            UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
            WHERE c.id = NEW.claim_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION claims_speaker_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM claims_claim WHERE speaker_id = NEW.id ORDER BY id FOR UPDATE;
        UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
        WHERE c.speaker_id = NEW.id;
        RETURN NULL;
    END $$
    """,
]

GATHER_IN_ONE = [
    """
    CREATE OR REPLACE FUNCTION claims_quote_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
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
    CREATE OR REPLACE FUNCTION claims_speaker_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim c SET search_vector = claims_claim_search_vector(c.id, c.summary, c.speaker_id)
        WHERE c.speaker_id = NEW.id;
        RETURN NULL;
    END $$
    """,
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in LOCK_FIRST:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in GATHER_IN_ONE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_claim_speaker_precision_idx"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
