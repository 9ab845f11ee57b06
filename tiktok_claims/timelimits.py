"""Reads stopped after a time limit: a figure counted within a request's budget, or not at all.

within() runs a count with its SQL stopped after so many milliseconds (PostgreSQL's
statement_timeout, SQLite's progress handler) and answers OUT_OF_TIME when it was stopped; the
caller then shows what it has and leaves the rest to the background (claims.facets, the listing's
count, the timeline's curves).
"""

import time
from contextlib import contextmanager, nullcontext

from django.db import OperationalError, transaction

OUT_OF_TIME = object()


def is_timeout(error):
    """A statement stopped by the time limit (PostgreSQL's cancel, SQLite's interrupt)."""
    cause = error.__cause__
    # 57014 is query_canceled: psycopg names it sqlstate, psycopg2 pgcode.
    return "57014" in (
        getattr(cause, "sqlstate", None),
        getattr(cause, "pgcode", None),
    ) or "interrupted" in str(error)


@contextmanager
def read_only_transaction(connection):
    """On PostgreSQL, a transaction (rolled back: only reads) whose SET LOCAL ends with it."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias):
        yield
        transaction.set_rollback(True, using=connection.alias)


def within(connection, count, milliseconds, savepoint=False):
    """count() with its SQL stopped after milliseconds; OUT_OF_TIME if it was.

    On PostgreSQL inside read_only_transaction; with savepoint, a cancelled statement leaves the
    transaction usable for the next count (without, the caller stops counting after one).
    """
    milliseconds = max(1, int(milliseconds))
    try:
        if connection.vendor == "postgresql":
            with transaction.atomic(using=connection.alias) if savepoint else nullcontext():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = {milliseconds}")
                return count()
        connection.ensure_connection()
        deadline = time.monotonic() + milliseconds / 1000
        connection.connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            return count()
        finally:
            connection.connection.set_progress_handler(None, 0)
    except OperationalError as error:
        if not is_timeout(error):
            raise
        return OUT_OF_TIME
