"""End to end in Chromium: a curator imports a saved web page, then quotes it by selecting words."""

import datetime
import time

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from claims.models import Quote
from claims.tests.factories import SpeakerFactory
from claims.tests.test_browser import SCREENSHOTS
from sources.models import Article
from sources.tests.factories import OutletFactory
from sources.tests.test_import import CANONICAL, HEADLINE, PAGE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIRST_WORDS, LAST_WORDS = "We have never", "if asked"
SELECTED = "We have never provided user data to the Chinese government, nor would we do so if asked"

CHARACTER_BOXES = """([firstWords, lastWords]) => {
    // Where the first character of one phrase and the last of another are drawn, in the viewport.
    const text = document.querySelector('.article-text');
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    const box = (words, last) => {
        walker.currentNode = text;
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf(words);
            if (at === -1) continue;
            const range = document.createRange();
            const offset = last ? at + words.length - 1 : at;
            range.setStart(node, offset);
            range.setEnd(node, offset + 1);
            const rect = range.getBoundingClientRect();
            return {left: rect.left, right: rect.right, middle: rect.top + rect.height / 2};
        }
        return null;
    };
    return [box(firstWords, false), box(lastWords, true)];
}"""


def curator(username="carla"):
    """A member of the curator group (staff), like a curator."""
    user = User.objects.create_user(username, password="a long test password", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    return user


def drag_select(page, first_words, last_words):
    """Press the mouse on the first character of one phrase, drag to the last of the other, release."""
    page.get_by_text(first_words, exact=False).first.scroll_into_view_if_needed()
    first, last = page.evaluate(CHARACTER_BOXES, [first_words, last_words])
    page.mouse.move(first["left"] + 1, first["middle"])
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, last["middle"], steps=5)
    page.mouse.move(last["right"] - 1, last["middle"], steps=5)
    page.mouse.up()


def test_a_curator_imports_a_saved_page_and_quotes_it_without_typing_the_quote(
    live_server, browser, roles, signed_in_context
):
    """Import a saved page in the admin, correct it, save; select words on its page, quote, see the mark."""
    outlet = OutletFactory(name="The Daily Ledger", slug="daily-ledger")
    speaker = SpeakerFactory(name="TikTok spokesperson", slug="tiktok-spokesperson")
    context = signed_in_context(browser, curator())
    page = context.new_page()
    errors = []  # script errors and CSP refusals; the admin's missing /favicon.ico is not one
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.location["url"].endswith("/favicon.ico")
            else None
        ),
    )
    started = time.monotonic()

    # The admin's article list -> "Import from a web page" -> upload the saved page.
    page.goto(live_server.url + "/admin/sources/article/")
    page.get_by_role("link", name="Import from a web page").click()
    page.get_by_label("or an HTML file").set_input_files(PAGE)
    page.get_by_role("button", name="Extract the text").click()

    # The review step shows what was extracted, for the curator to check.
    expect(page.get_by_role("heading", name="Review the extracted article")).to_be_visible()
    expect(page.get_by_label("Headline")).to_have_value(HEADLINE)
    expect(page.get_by_label("Byline")).to_have_value("Jane Marlowe")
    expect(page.get_by_label("URL:", exact=True)).to_have_value(CANONICAL)
    text_box = page.get_by_label("Text:", exact=True)
    extracted = text_box.input_value()
    assert extracted.startswith("Technology\n\n" + HEADLINE)
    assert SELECTED in extracted
    # The curator deletes the section name ("Technology") above the headline, by keyboard.
    text_box.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Delete")
    page.keyboard.press("Delete")
    page.keyboard.press("Delete")
    assert text_box.input_value() == extracted.removeprefix("Technology\n\n")
    page.get_by_label("Outlet:", exact=True).select_option(label=outlet.name)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "curation-import-review-desktop.png", full_page=True)
    page.get_by_role("button", name="Save the article").click()
    expect(page.locator(".messagelist")).to_contain_text("now mark its quotes")

    article = Article.objects.get()
    assert article.text == extracted.removeprefix("Technology\n\n")
    assert (article.outlet, article.url, article.byline) == (outlet, CANONICAL, "Jane Marlowe")
    assert article.published_on == datetime.date(2020, 7, 7)
    assert article.snapshots.count() == 1

    # A visitor reads the new article (visitors get whole pages from the shared cache), no quote yet.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    visitor_page = visitor.new_page()
    visitor_page.goto(live_server.url + article.get_absolute_url())
    expect(visitor_page.locator(".article-text")).to_contain_text(SELECTED)
    expect(visitor_page.locator("mark.quote")).to_have_count(0)

    # Its public page: select the spokesperson's words with the mouse, quote them, start a claim.
    page.goto(live_server.url + article.get_absolute_url())
    drag_select(page, FIRST_WORDS, LAST_WORDS)
    assert page.evaluate("window.getSelection().toString()") == SELECTED
    page.get_by_role("button", name="Quote selection").click()
    expect(page.locator("#qs-text")).to_have_text(SELECTED)
    page.get_by_label("Start a new claim").check()
    page.get_by_label("Speaker", exact=True).select_option(speaker.slug)
    page.get_by_label("Summary (one sentence in your words)").fill(
        "TikTok says it has never given user data to the Chinese government."
    )
    page.get_by_label("Claim type", exact=True).select_option("denial")
    page.get_by_label("Said on").fill("2020-07-07")
    page.get_by_label("Mode", exact=True).select_option("direct")
    page.get_by_label("Attribution").fill("a company spokesperson said in a statement")
    page.get_by_role("button", name="Save quote").click()

    quote_mark = page.locator("mark.quote")
    expect(quote_mark).to_have_count(1)
    expect(quote_mark).to_have_text(SELECTED)
    quote = Quote.objects.get()
    assert quote.text == article.text[quote.start : quote.end] == SELECTED
    assert quote.article == article
    assert quote.claim.speaker == speaker
    assert quote.claim.said_on == datetime.date(2020, 7, 7)
    expect(page.locator(f"mark#{quote.anchor_id}")).to_have_text(SELECTED)
    page.screenshot(path=SCREENSHOTS / "curation-quote-marked-desktop.png")
    assert errors == []

    # The visitor's next look shows the new quote at once, without the curators' script.
    visitor_page.reload()
    expect(visitor_page.locator("mark.quote")).to_have_text(SELECTED)
    expect(visitor_page.locator("script[src*='quote-selection']")).to_have_count(0)
    visitor.close()

    # The quote's admin history names the curator who made it.
    page.goto(f"{live_server.url}/admin/claims/quote/{quote.pk}/history/")
    history = page.locator("#change-history")
    expect(history).to_contain_text("carla")
    expect(history).to_contain_text("Created")
    print(f"end to end in the browser: {time.monotonic() - started:.1f} s")
    context.close()
