"""A curator quotes words selected on an article page, in a real headless Chromium."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import expect

from claims.models import Claim, Quote
from claims.tests.factories import ClaimFactory, QuoteFactory, SpeakerFactory
from claims.tests.test_browser import SCREENSHOTS, serious_violations
from conftest import BROWSER_ARGS, CHROMIUM
from sources.tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Two paragraphs, a line break, a curly quote and an emoji (two UTF-16 units, one code point):
# the offsets the page computes must still be the stored text's.
TEXT = (
    "Officials said the app could be used to collect data.\n\n"
    "“We have never provided user data to the Chinese government,” a spokesperson 🙂 said.\n"
    "The company said its data was stored in the United States and backed up in Singapore."
)


@pytest.fixture
def article():
    article = ArticleFactory(slug="storage-story", text=TEXT)
    QuoteFactory(article=article, text="the app could be used to collect data")
    return article


def quote_curator():
    """A staff user who may add and view quotes and claims."""
    user = User.objects.create_user("curator", password="a long test password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_quote", "view_quote", "add_claim", "view_claim"])
    )
    return user


SELECT_RANGE = """([startWords, endWords]) => {
    // A JS Range from the start of one phrase to the end of another, on the page's text nodes.
    const walker = document.createTreeWalker(document.querySelector('.article-text'), NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let node;
    while ((node = walker.nextNode())) {
        const at = node.data.indexOf(startWords);
        if (at !== -1) { range.setStart(node, at); break; }
    }
    while (node) {
        const at = node.data.indexOf(endWords);
        if (at !== -1) { range.setEnd(node, at + endWords.length); break; }
        node = walker.nextNode();
    }
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
}"""


def test_a_selected_range_becomes_a_new_claims_quote_marked_on_the_page(
    live_server, browser, article, signed_in_context
):
    """Select across a line break and an emoji, start a new claim, save: mark, history, no axe issue."""
    speaker = SpeakerFactory(name="TikTok spokesperson", slug="tiktok-spokesperson")
    context = signed_in_context(browser, quote_curator())
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_server.url + article.get_absolute_url())
    expected = "a spokesperson 🙂 said.\nThe company said its data was stored"

    page.evaluate(SELECT_RANGE, ["a spokesperson", "was stored"])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "quote-selection-desktop.png")
    page.get_by_role("button", name="Quote selection").click()

    panel = page.locator("#quote-panel")
    assert panel.is_visible()
    assert page.locator("#qs-text").text_content() == expected
    assert serious_violations(page) == []
    page.get_by_label("Start a new claim").check()
    page.get_by_label("Speaker", exact=True).select_option(speaker.slug)
    page.get_by_label("Summary (one sentence in your words)").fill("TikTok says US data is stored in the US.")
    page.get_by_label("Claim type", exact=True).select_option("denial")
    page.get_by_label("Said on").fill("2020-08-12")
    page.get_by_label("Mode", exact=True).select_option("reported")
    page.get_by_label("Attribution").fill("a spokesperson said")
    page.locator("#quote-tools").screenshot(path=SCREENSHOTS / "quote-panel-desktop.png")
    page.get_by_role("button", name="Save quote").click()
    expect(page.locator("mark.quote")).to_have_count(2)

    quote = Quote.objects.get(claim__summary="TikTok says US data is stored in the US.")
    assert (quote.text, quote.start, quote.end) == (
        expected,
        TEXT.index(expected),
        TEXT.index(expected) + len(expected),
    )
    assert quote.claim.said_on == datetime.date(2020, 8, 12)
    expect(page.locator(f"mark#{quote.anchor_id}")).to_have_count(1)
    assert "a spokesperson" in page.locator(f"mark#{quote.anchor_id}").text_content()
    assert errors == []  # no CSP refusal or script error on the article page
    page.goto(f"{live_server.url}/admin/claims/quote/{quote.pk}/history/")
    history = page.locator("#change-history")
    assert "curator" in history.text_content()
    assert "Created" in history.text_content()
    context.close()


@pytest.fixture
def caret_browser(browser):
    """A second Chromium, from the same Playwright, with caret browsing on (F7): Shift+arrows select."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*BROWSER_ARGS, "--enable-caret-browsing"]
    )
    yield chromium
    chromium.close()


def test_the_keyboard_alone_selects_opens_fills_and_saves(
    live_server, caret_browser, article, signed_in_context
):
    """Shift+arrows select, Tab reaches the button, the panel is filled and saved by keys only."""
    claim = ClaimFactory(summary="TikTok denies handing data to Beijing.")
    context = signed_in_context(caret_browser, quote_curator())
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    # The caret before "We have"; from here on, only keys.
    page.evaluate(
        """() => {
        const text = document.querySelector('.article-text');
        const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode()) && node.data.indexOf('We have') === -1) {}
        const range = document.createRange();
        range.setStart(node, node.data.indexOf('We have'));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }"""
    )
    for _ in range(len("We have never provided user data")):
        page.keyboard.press("Shift+ArrowRight")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "quote-selection-button":
            break
    assert page.evaluate("document.activeElement.id") == "quote-selection-button"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "quote-panel-title"
    assert page.locator("#qs-text").text_content() == "We have never provided user data"
    page.keyboard.press("Tab")  # "Attach to an existing claim", checked
    page.keyboard.press("Tab")  # the search field
    page.keyboard.type("Beijing")
    page.keyboard.press("Enter")
    page.get_by_role("radio", name=claim.summary, exact=False).wait_for()
    page.keyboard.press("Tab")  # Search button
    page.keyboard.press("Tab")  # the first result
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # mode
    page.keyboard.press("Tab")  # attribution
    page.keyboard.type("a spokesperson said")
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("mark.quote")).to_have_count(2)

    quote = Quote.objects.get(claim=claim)
    assert (quote.text, quote.start) == ("We have never provided user data", TEXT.index("We have"))
    assert quote.attribution == "a spokesperson said"
    expect(page.locator(f"mark#{quote.anchor_id}")).to_have_text("We have never provided user data")
    assert Claim.objects.count() == 2
    context.close()
