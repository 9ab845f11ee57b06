import io

import pytest
from django.core.management import call_command

from benchmarks.management.commands import first_requests
from claims.tests.factories import QuoteFactory, RebuttalFactory

pytestmark = pytest.mark.django_db


def test_each_url_gets_a_row_with_its_first_request_computed_not_cached():
    """One table row per URL and run: status, milliseconds, queries (computed: more than a cache hit)."""
    RebuttalFactory()
    QuoteFactory()
    out = io.StringIO()
    call_command(first_requests.Command(), runs=2, stdout=out)
    rows = [line for line in out.getvalue().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == first_requests.default_urls()
    for row in rows:
        url, status, timings, queries = [cell.strip() for cell in row.strip("|").split("|")][:4]
        assert status == "200", url
        assert len(timings.split(" / ")) == 2, url
        assert int(queries) >= 2, url  # the version, then the page's own: never a stored answer
