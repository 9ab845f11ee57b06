"""The timeline's rebuttal curves counted after the page: bars at once, then the curves from its script."""

import pytest

from claims.tests.test_views import two_rebuttals_with_curves_out_of_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_curves_counted_after_the_page_are_drawn_without_a_reload(live_server, browser, monkeypatch):
    """Past the budget the bars show with a note; once counted, the whole drawing replaces them."""
    monkeypatch.setattr("claims.timeline.queries.MAX_DRAWN_CLAIMS", 3)  # counted past 3 claims
    later = two_rebuttals_with_curves_out_of_time(monkeypatch)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/timeline/")
        note = page.locator(".timeline-drawing .counting-note")
        assert "rebuttal curves between these bars are still being counted" in note.inner_text()
        assert page.locator("svg.timeline rect.bar").count() == 2
        assert page.locator("svg.timeline path.rebuttal-link").count() == 0
        assert len(later) == 1
        later[0]()  # the background thread counts; the page's script finds the drawing in the cache
        page.wait_for_selector("svg.timeline path.rebuttal-link", state="attached", timeout=15_000)
        assert page.locator("svg.timeline rect.bar").count() == 2
        assert page.locator(".timeline-drawing[data-fill-in]").count() == 0
        assert "still being counted" not in page.locator("main").inner_text()
    finally:
        context.close()
