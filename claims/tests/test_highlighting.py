import re
from html.parser import HTMLParser
from types import SimpleNamespace

from claims.highlighting import highlight_article, highlight_words, quote_context


def fake_quote(text, pk, start, end, claim_id=None):
    """A quote-like object of text[start:end]: offsets, ids, its words and the claim's summary and URL."""
    claim_id = claim_id or pk
    claim = SimpleNamespace(summary=f"Claim {claim_id}", get_absolute_url=lambda: f"/claims/{claim_id}/")
    return SimpleNamespace(
        pk=pk,
        start=start,
        end=end,
        text=text[start:end],
        claim_id=claim_id,
        claim=claim,
        anchor_id=f"quote-{pk}",
    )


class NestingChecker(HTMLParser):
    """Records the text and fails on a closing tag that does not match the open one."""

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.ids = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag != "br":
            self.stack.append(tag)
        self.ids += [value for name, value in attrs if name == "id"]

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag

    def handle_data(self, data):
        if "a" not in self.stack:  # the claim links are extra text, not the article's
            self.text.append(data)


def parse(html):
    checker = NestingChecker()
    checker.feed(html)
    assert checker.stack == []
    return checker


def test_overlapping_quotes_nest_keep_the_text_and_each_anchor_once():
    """Two quotes that overlap without nesting: well-formed marks, the text intact, each id once."""
    text = "one two three four five six"
    html = highlight_article(text, [fake_quote(text, 1, 4, 18), fake_quote(text, 2, 8, 23)])
    checker = parse(html)
    assert "".join(checker.text) == text
    assert checker.ids == ["quote-1", "quote-2"]
    assert (
        '<mark class="quote" data-claim="1"><mark class="quote" id="quote-2" data-claim="2">three four'
        in html
    )


def test_quotes_starting_at_the_same_offset_both_get_anchors():
    """Two quotes starting together each carry their own id."""
    text = "alpha beta gamma"
    html = highlight_article(text, [fake_quote(text, 1, 0, 10), fake_quote(text, 2, 0, 5)])
    assert parse(html).ids == ["quote-1", "quote-2"]


def test_a_quote_across_paragraphs_is_marked_in_each_with_one_anchor():
    """A quote spanning a blank line is marked in both paragraphs; only the first part has the id."""
    text = "First para ends here.\n\nSecond para starts here."
    start = text.index("ends")
    html = highlight_article(text, [fake_quote(text, 7, start, text.index(" starts"))])
    assert html.count("<p>") == 2
    assert html.count('<mark class="quote"') == 2
    assert html.count('id="quote-7"') == 1


def test_article_text_is_escaped_and_stale_anchors_are_left_out():
    """Markup in the article is shown as text; a quote past the end, or not at its offsets, is not drawn."""
    text = "a <b>bold</b> & claim"
    past_end = fake_quote(text, 1, 3, 999)
    moved = fake_quote(text, 2, 0, 5)
    moved.text = "claim"
    html = highlight_article(text, [past_end, moved])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; claim" in html
    assert "<mark" not in html


def test_search_words_are_marked_with_their_endings_and_escaped():
    """ "collecting" also marks "collected"; operator words are not marked; the text is escaped."""
    html = highlight_words("TikTok collected <data> or not", "collecting or data")
    assert (
        html == 'TikTok <mark class="match">collected</mark> &lt;<mark class="match">data</mark>&gt; or not'
    )
    assert highlight_words("Nothing to see", "") == "Nothing to see"
    assert highlight_words("data not china", "data -china") == '<mark class="match">data</mark> not china'


def test_quote_context_keeps_the_sentences_around_the_quote():
    """The context runs from the sentence before the quote's sentence to the sentence after it."""
    text = "First sentence. Second one says the quote here, loudly. Third sentence. Fourth."
    start = text.index("the quote")
    before, words, after = quote_context(text, start, start + len("the quote"))
    assert before == "First sentence. Second one says "
    assert words == "the quote"
    assert after == " here, loudly. Third sentence."
    assert not re.search("Fourth", after)
