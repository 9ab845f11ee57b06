"""Row triggers written alike on SQLite and PostgreSQL: the tables writes keep (tallies, kept lists)."""


def create(schema_editor, name, table, event, statements, watched=()):
    """A trigger on each row of table for event running statements: AFTER unless event says BEFORE.

    event: INSERT, UPDATE or DELETE, or "BEFORE DELETE" (the row is still there while the
    statements run). Statements name the row as OLD and NEW. watched: for an UPDATE, the columns
    whose change fires it (a write changing none of them fires nothing).
    """
    timing, _, event = event.rpartition(" ")
    timing = timing or "AFTER"
    on = f"UPDATE OF {', '.join(watched)}" if watched else event
    body = ";\n".join(statements)
    if schema_editor.connection.vendor == "postgresql":
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in watched)
        when = f"WHEN ({changed})" if watched else ""
        # An AFTER trigger's result is ignored; a BEFORE one's row is the one written (or deleted).
        result = "NULL" if timing == "AFTER" else ("OLD" if event == "DELETE" else "NEW")
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body}; RETURN {result}; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} {timing} {on} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {name}()"
        )
    else:
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched)
        when = f"WHEN {changed}" if watched else ""
        schema_editor.execute(
            f"CREATE TRIGGER {name} {timing} {on} ON {table} FOR EACH ROW {when} BEGIN {body}; END"
        )


def drop(schema_editor, name, table):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
