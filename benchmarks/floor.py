"""The floor: the rows of a claims list page from one hand-written SQL query, serialised by orjson."""

import orjson
from django.db import connection
from django.http import HttpResponse

FLOOR_SQL = """
SELECT c.id, c.key, c.summary, c.claim_type, c.said_on, c.said_on_precision, c.venue,
       s.name AS speaker, s.slug AS speaker_slug, s.side
FROM claims_claim c JOIN claims_speaker s ON s.id = c.speaker_id
ORDER BY c.said_on, c.id
LIMIT 50
"""


def floor_claims(request):
    """Page 1 of the claims list, oldest first, 50 rows: nothing between the database and JSON."""
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return HttpResponse(orjson.dumps({"results": rows}), content_type="application/json")
