"""The pages in a real headless Chromium, on the curated corpus: navigation, filters, axe-core."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from claims.models import Claim, Quote
from claims.tests.factories import ClaimFactory
from claims.versions import record_correction
from sources.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
WIDTHS = {"phone": 390, "desktop": 1280}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def pompeo_quote(transactional_db):
    """The curated pompeo_quote, loaded the way `make run` loads it."""
    call_command("load_corpus", verbosity=0)
    assert Claim.objects.count() > 50, "fixtures/corpus.json did not load"
    # A claim by Mike Pompeo with a quote: the path a researcher follows.
    return (
        Quote.objects.select_related("claim__speaker", "article")
        .filter(claim__speaker__slug="mike-pompeo")
        .order_by("claim__said_on", "pk")
        .first()
    )


@pytest.fixture
def pages(browser):
    """One browser context per viewport width, closed after the test."""
    contexts = {
        name: browser.new_context(viewport={"width": width, "height": 900}) for name, width in WIDTHS.items()
    }
    yield {name: context.new_page() for name, context in contexts.items()}
    for context in contexts.values():
        context.close()


def serious_violations(page):
    """axe-core's serious and critical violations on the page, as readable strings."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def test_every_page_renders_passes_axe_and_fits_a_phone(live_server, pompeo_quote, pages):
    """Each page shows its heading, has no serious axe-core violation, fits 390 px; screenshots saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    article = Article.objects.order_by("published_on").first()
    blackburn = Claim.objects.get(key="blackburn-shroud-in-secrecy")
    # A corrected claim (its versions and /corrections/ have something to show) and a deleted one.
    corrected = Claim.objects.get(pk=pompeo_quote.claim.pk)
    corrected.venue = "Speech at the Czech Senate, Prague"
    corrected.save()
    record_correction(corrected, "The venue was the Czech Senate, not the Czech parliament's lower house.")
    removed = ClaimFactory(speaker=corrected.speaker, summary="A claim the editors removed.")
    removed_id = removed.pk
    removed.delete()
    urls = {
        "home": ("/", "Who said what about TikTok"),
        "claims": ("/claims/", "Claims"),
        "claims-search": ("/claims/?q=data&side=us_government", "Claims"),
        "claims-bad-input": ("/claims/?said_from=garbage&speaker=99999", "Claims"),
        "claim": (pompeo_quote.claim.get_absolute_url(), pompeo_quote.claim.summary),
        "claim-two-wordings": (blackburn.get_absolute_url(), blackburn.summary),
        "speakers": ("/speakers/", "Speakers"),
        "speaker": (pompeo_quote.claim.speaker.get_absolute_url(), pompeo_quote.claim.speaker.name),
        "articles": ("/articles/", "Articles"),
        "article": (article.get_absolute_url(), article.headline),
        "timeline": ("/timeline/", "Timeline"),
        "not-found": ("/claims/999999/", "Page not found"),
        "claim-versions": (reverse("claims:claim-versions", args=[corrected.pk]), corrected.summary),
        "corrections": ("/corrections/", "Corrections"),
        "claim-removed": (f"/claims/{removed_id}/", "This claim was removed"),
    }
    statuses = {"not-found": 404, "claim-removed": 410}
    problems = []
    for name, (url, heading) in urls.items():
        for width_name, page in pages.items():
            response = page.goto(live_server.url + url)
            assert response.status == statuses.get(name, 200), url
            assert heading in page.locator("h1").inner_text(), url
            # Nothing but the timeline's own scroller may be wider than the screen.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{url} at {width_name}: {overflow}px wider than the screen")
            # axe-core is slow (1-3 s a page): once per page, at the phone width for the start page too.
            if width_name == "desktop" or name == "home":
                problems += [f"{url} at {width_name}: {violation}" for violation in serious_violations(page)]
            page.screenshot(path=SCREENSHOTS / f"{name}-{WIDTHS[width_name]}.png", full_page=True)
    assert problems == []


def follow_claim_to_speaker_to_article_and_back(live_server, pompeo_quote, page):
    """From a claim to its speaker, back, to the quote highlighted at its anchor, back to the claim."""
    claim = pompeo_quote.claim
    page.goto(live_server.url + claim.get_absolute_url())
    page.get_by_role("link", name=claim.speaker.name, exact=True).first.click()
    page.wait_for_url(f"**{claim.speaker.get_absolute_url()}")
    assert page.locator("h1").inner_text() == claim.speaker.name
    assert page.get_by_role("link", name=claim.summary).count() >= 1
    page.go_back()
    page.get_by_role("link", name="See it in the article").first.click()
    page.wait_for_url(f"**{pompeo_quote.article.get_absolute_url()}#{pompeo_quote.anchor_id}")
    highlight = page.locator(f"#{pompeo_quote.anchor_id}")
    assert highlight.evaluate("element => element.tagName") == "MARK"
    assert highlight.evaluate("element => element.matches(':target')")
    in_view = "e => e.getBoundingClientRect().top >= 0 && e.getBoundingClientRect().top < innerHeight"
    assert highlight.is_visible() and highlight.evaluate(in_view)
    # The whole quote is marked: the text of every mark for this claim, joined, is the quote.
    marked = page.locator(f'mark[data-claim="{claim.pk}"]').evaluate_all(
        "marks => marks.map(mark => mark.textContent).join('')"
    )
    assert pompeo_quote.text in marked
    page.locator(f'a.quote-claim[href="{claim.get_absolute_url()}"]').first.click()
    page.wait_for_url(f"**{claim.get_absolute_url()}")
    assert page.locator("h1").inner_text() == claim.summary


def apply_and_remove_filters_through_the_form(live_server, page):
    """Ticking facets and submitting puts them in the URL, shows the count, and a chip removes one."""
    page.goto(live_server.url + "/claims/")
    total = Claim.objects.count()
    assert f"{total} claims" in page.locator(".result-count").inner_text()
    page.get_by_label(re.compile(r"^TikTok / ByteDance \d+$")).check()
    page.get_by_label(re.compile(r"^Denial \d+$")).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(
        re.compile(r"side=tiktok_bytedance.*claim_type=denial|claim_type=denial.*side=tiktok_bytedance")
    )
    expected = Claim.objects.filter(speaker__side="tiktok_bytedance", claim_type="denial").count()
    assert expected > 0
    assert page.locator(".result-count").inner_text().startswith(f"{expected} claim")
    assert page.locator("article.claim-card").count() == min(expected, 25)
    page.get_by_role("link", name=re.compile("Remove filter Claim type: Denial")).click()
    page.wait_for_load_state()
    assert "claim_type" not in page.url and "side=tiktok_bytedance" in page.url
    expected = Claim.objects.filter(speaker__side="tiktok_bytedance").count()
    assert page.locator(".result-count").inner_text().startswith(f"{expected} claim")
    # Dates and sorting through the form too.
    page.get_by_label("From").fill("2022-01-01")
    page.get_by_label("Sort").select_option("-said_on")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"said_from=2022-01-01"))
    first = page.locator("article.claim-card .claim-meta time").first.get_attribute("datetime")
    assert first >= "2022"


def search_from_the_home_page(live_server, page):
    """A search from the home page lists matching claims with the words highlighted."""
    page.goto(live_server.url + "/")
    page.get_by_label("Search claims, quotes and speakers").fill("Pompeo")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/claims/\?q=Pompeo"))
    assert page.locator("article.claim-card").count() > 0
    assert page.locator("mark.match").first.inner_text().lower().startswith("pompeo")


def open_timeline_marks_with_the_keyboard(live_server, page):
    """A mark on the timeline is a link to its claim, and Tab reaches the navigation first."""
    page.goto(live_server.url + "/timeline/")
    assert page.locator("svg.timeline .rebuttal-link").count() > 0
    single = page.locator("svg.timeline a[href^='/claims/']:not([href*='?'])").first
    href = single.get_attribute("href")
    single.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").inner_text() == Claim.objects.get(pk=href.split("/")[2]).summary
    page.go_back()
    grouped = page.locator("svg.timeline a[href*='said_from']").first
    count = int(grouped.locator("text").text_content())
    grouped.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"said_from="))
    # The list covers the same dates, so it holds at least the claims the mark counts.
    assert page.locator("article.claim-card").count() >= count
    page.goto(live_server.url + "/timeline/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Claims"


def test_a_researcher_moves_through_the_pages_by_links_forms_and_keyboard(live_server, pompeo_quote, pages):
    """Claim -> speaker -> article anchor -> claim; filters and search through forms; timeline by keyboard."""
    follow_claim_to_speaker_to_article_and_back(live_server, pompeo_quote, pages["desktop"])
    apply_and_remove_filters_through_the_form(live_server, pages["desktop"])
    search_from_the_home_page(live_server, pages["phone"])
    open_timeline_marks_with_the_keyboard(live_server, pages["desktop"])


def test_two_outlets_wordings_stand_side_by_side_with_the_differences_marked(
    live_server, pompeo_quote, pages
):
    """Blackburn in Techzine and the Guardian: two columns on a desktop, the differing words marked."""
    claim = Claim.objects.get(key="blackburn-shroud-in-secrecy")
    desktop, phone = pages["desktop"], pages["phone"]
    for page in (desktop, phone):
        page.goto(live_server.url + claim.get_absolute_url())
    columns = [desktop.locator(".wording").nth(index).bounding_box() for index in range(2)]
    assert desktop.locator(".wording").count() == 2
    assert columns[0]["y"] == columns[1]["y"] and columns[0]["x"] < columns[1]["x"]
    stacked = [phone.locator(".wording").nth(index).bounding_box() for index in range(2)]
    assert stacked[0]["y"] < stacked[1]["y"]
    marked = " | ".join(desktop.locator("mark.wording-differs").all_inner_texts())
    assert "been honest" in marked and "come clean" in marked
    assert "shroud" not in marked and "from the start" not in marked
