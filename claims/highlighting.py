"""Article text and search results as HTML with quotes and matched words highlighted."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.models import search_words

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+|\n+")
# Words a websearch query uses as operators, not as terms to highlight.
QUERY_OPERATORS = {"or", "and", "not"}
# Endings dropped from a search word so "collecting" also highlights "collected".
SUFFIXES = ("ing", "ed", "es", "s")


def paragraphs(text):
    """(start, end) of each paragraph of text: blocks separated by blank lines."""
    spans = []
    position = 0
    for match in PARAGRAPH_BREAK.finditer(text):
        if match.start() > position:
            spans.append((position, match.start()))
        position = match.end()
    if position < len(text):
        spans.append((position, len(text)))
    return spans


def _text_html(text):
    return escape(text).replace("\n", "<br>")


def _paragraph_html(text, start, end, quotes, anchored, offsets=False):
    """One paragraph with a <mark> for every quote covering each piece; overlaps nest."""
    inside = [quote for quote in quotes if quote.start < end and quote.end > start]
    cuts = {start, end}
    for quote in inside:
        cuts.update(offset for offset in (quote.start, quote.end) if start < offset < end)
    cuts = sorted(cuts)
    pieces = []
    for piece_start, piece_end in zip(cuts, cuts[1:], strict=False):
        html = _text_html(text[piece_start:piece_end])
        if offsets:
            # Where this piece starts in the stored text, for the curator's selection script.
            html = f'<span data-offset="{piece_start}">{html}</span>'
        covering = [quote for quote in inside if quote.start <= piece_start and quote.end >= piece_end]
        # Innermost mark is the quote that starts last, so nesting follows the text.
        for quote in sorted(covering, key=lambda quote: (quote.start, -quote.end, quote.pk), reverse=True):
            anchor = ""
            if quote.pk not in anchored:
                anchored.add(quote.pk)
                anchor = f' id="{quote.anchor_id}"'
            html = f'<mark class="quote"{anchor} data-claim="{quote.claim_id}">{html}</mark>'
        pieces.append(html)
        for quote in inside:
            if quote.end == piece_end:
                pieces.append(_claim_link(quote))
    return "".join(pieces)


def _claim_link(quote):
    number = quote.claim_id
    summary = escape(quote.claim.summary)
    return (
        f'<a class="quote-claim" href="{escape(quote.claim.get_absolute_url())}" '
        f'title="{summary}"><span class="visually-hidden">claim: {summary}</span>'
        f'<span aria-hidden="true">[{number}]</span></a>'
    )


def is_anchored(text, quote):
    """True when the article's text at the quote's offsets is the quote (Quote.verify() says exact)."""
    return 0 <= quote.start < quote.end <= len(text) and text[quote.start : quote.end] == quote.text


def highlight_article(text, quotes, offsets=False):
    """The article as <p> paragraphs, every quote marked, each with its anchor id and claim link.

    Quotes may overlap or nest: each stretch of text is wrapped in one <mark> per quote covering
    it, and the first stretch of a quote carries its id (Quote.anchor_id). A quote whose offsets
    do not hold its words (a stale anchor) is left out rather than guessed. With offsets, each
    piece of text is a <span data-offset> giving its start in text (code points).
    """
    quotes = [quote for quote in quotes if is_anchored(text, quote)]
    anchored = set()
    html = []
    for start, end in paragraphs(text):
        html.append(f"<p>{_paragraph_html(text, start, end, quotes, anchored, offsets)}</p>")
    return mark_safe("\n".join(html))


def quote_context(text, start, end, sentences=1, limit=400):
    """(before, quote, after): the quote with the sentences around it, at most limit characters each side."""
    before_start = max(0, start - limit)
    before = text[before_start:start]
    ends = [match.end() for match in SENTENCE_END.finditer(before)]
    # Keep the last `sentences` sentences before the quote, plus the one it begins in.
    if len(ends) > sentences:
        before = before[ends[-sentences - 1] :]
    elif before_start > 0:
        before = "…" + before.lstrip()
    after = text[end : end + limit]
    matches = list(SENTENCE_END.finditer(after))
    if len(matches) > sentences:
        after = after[: matches[sentences].start() + 1].rstrip()
    elif end + limit < len(text):
        after = after.rstrip() + "…"
    return before.lstrip(), text[start:end], after.rstrip()


def highlight_pattern(query):
    """A regular expression matching the words of a search, or None when there are none."""
    stems = []
    # A websearch "-word" excludes that word: it cannot be in a result, so it is not marked.
    query = re.sub(r"(^|\s)-\S+", " ", query or "")
    for word in search_words(query):
        word = word.strip("'’-").lower()
        if not word or word in QUERY_OPERATORS:
            continue
        for suffix in SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        stems.append(re.escape(word))
    if not stems:
        return None
    stems.sort(key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(stems) + r")\w*", re.IGNORECASE)


def highlight_words(text, query):
    """Escaped text with every word of the search query (or a word starting with it) in a <mark>."""
    pattern = highlight_pattern(query)
    if pattern is None:
        return escape(text)
    pieces = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f'<mark class="match">{escape(match.group())}</mark>')
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))


def matching_excerpt(text, query, limit=240):
    """The part of text around the first matched search word, at most about limit characters."""
    pattern = highlight_pattern(query)
    match = pattern.search(text) if pattern else None
    if match is None:
        return None
    if len(text) <= limit:
        return text
    start = max(0, match.start() - limit // 3)
    excerpt = text[start : start + limit]
    return ("…" if start else "") + excerpt + ("…" if start + limit < len(text) else "")
