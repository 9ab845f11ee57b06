"""The /claims/ page's facets counted after the page: "Counting…", then filled in by its script."""

import pytest

from claims import facets, listing
from claims.models import Side
from claims.tests.factories import ClaimFactory
from claims.tests.test_views import exact_count_out_of_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_facets_counted_after_the_page_are_filled_in_without_a_reload(live_server, browser, monkeypatch):
    """Past the budget, facets and total say "counting…"; then they appear, the reader's ticks kept."""
    ClaimFactory.create_batch(3, speaker__side=Side.US_GOVERNMENT)
    ClaimFactory(speaker__side=Side.INDEPENDENT)
    later = []
    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 0)
    monkeypatch.setattr(facets.readcache, "compute_later", later.append)
    # The count, too, out of its budget: the page shows "more than" until the exact one is in.
    exact_count_out_of_time(monkeypatch)
    monkeypatch.setattr(listing, "MAX_PAGED_ROWS", 2)
    context = browser.new_context()
    page = context.new_page()
    try:
        # A day within a month: the summary tables cannot count it (they count whole months).
        page.goto(f"{live_server.url}/claims/?said_from=2019-06-15")
        assert page.locator(".facets .facet-note", has_text="Counting…").count() >= 1
        assert page.get_by_role("link", name="Reload").is_visible()
        assert page.locator(".facets .count").count() == 0
        assert "More than 10,000 claims (counting…)" in page.locator(".result-count").inner_text()
        # The reader ticks a box while the counts are not in yet.
        page.locator('.facets details:has(summary:text-is("Side"))').first.evaluate("el => el.open = true")
        page.check('input[name="side"][value="independent"]')
        assert len(later) == 2  # the count, the facets
        for job in later:
            job()  # the background thread counts; the page's script finds the counts in the cache
        page.wait_for_selector(".facets .count", timeout=15_000)
        assert page.locator(".facets[data-fill-in]").count() == 0
        assert "Counting…" not in page.locator("#filters").inner_text()
        side = page.locator('.facets details:has(summary:text-is("Side"))')
        assert "3" in side.inner_text() and "1" in side.inner_text()
        assert "4 claims" in page.locator(".result-count").inner_text()
        assert page.is_checked('input[name="side"][value="independent"]')
        assert not page.is_checked('input[name="side"][value="us_government"]')
    finally:
        context.close()
