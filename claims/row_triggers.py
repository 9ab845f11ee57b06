"""Row triggers written alike on SQLite and PostgreSQL: the tables writes keep (tallies, kept lists)."""


def create(schema_editor, name, table, event, statements, watched=()):
    """An AFTER trigger on each row of table for event (INSERT, UPDATE or DELETE) running statements.

    Statements name the row as OLD and NEW. watched: for an UPDATE, the columns whose change
    fires it (a write changing none of them fires nothing).
    """
    on = f"UPDATE OF {', '.join(watched)}" if watched else event
    body = ";\n".join(statements)
    if schema_editor.connection.vendor == "postgresql":
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in watched)
        when = f"WHEN ({changed})" if watched else ""
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {body}; RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {on} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {name}()"
        )
    else:
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched)
        when = f"WHEN {changed}" if watched else ""
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {on} ON {table} FOR EACH ROW {when} BEGIN {body}; END"
        )


def drop(schema_editor, name, table):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
