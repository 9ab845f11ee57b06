"""One statement as several outlets worded it, side by side, with the words that differ marked."""

import difflib
import re
from dataclasses import dataclass

# Words (with inner apostrophes: "TikTok’s"), runs of spaces, and single punctuation marks.
TOKEN = re.compile(r"\w+(?:[’']\w+)*|\s+|[^\w\s]")
# Typographic variants that are not a difference of wording.
SAME_CHARACTERS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@dataclass(frozen=True)
class Segment:
    text: str
    differs: bool


@dataclass(frozen=True)
class Wording:
    quote: object
    segments: tuple


def _comparable(token):
    return token.translate(SAME_CHARACTERS).lower()


def _shared_positions(words, other_words):
    """Positions in words that are part of a longest common run with other_words."""
    matcher = difflib.SequenceMatcher(None, words, other_words, autojunk=False)
    return {block.a + offset for block in matcher.get_matching_blocks() for offset in range(block.size)}


def _segments(tokens, shared):
    """Join tokens into runs that differ or not; a space between two differing words differs too."""
    word_positions = [index for index, token in enumerate(tokens) if not token.isspace()]
    differs = {}
    for order, index in enumerate(word_positions):
        differs[index] = order not in shared
    for index, token in enumerate(tokens):
        if token.isspace():
            before = next((differs[i] for i in reversed(word_positions) if i < index), False)
            after = next((differs[i] for i in word_positions if i > index), False)
            differs[index] = before and after
    segments = []
    for index, token in enumerate(tokens):
        if segments and segments[-1].differs == differs[index]:
            segments[-1] = Segment(segments[-1].text + token, differs[index])
        else:
            segments.append(Segment(token, differs[index]))
    return tuple(segments)


def side_by_side(quotes):
    """Each article's wording, oldest article first, marking words found in no other wording.

    Empty unless the claim is quoted from two or more articles: one wording has nothing to compare.
    """
    quotes = sorted(quotes, key=lambda quote: (quote.article.published_on, quote.article_id, quote.pk))
    if len({quote.article_id for quote in quotes}) < 2:
        return []
    tokens = [TOKEN.findall(quote.text) for quote in quotes]
    words = [[_comparable(token) for token in quote_tokens if not token.isspace()] for quote_tokens in tokens]
    wordings = []
    for index, quote in enumerate(quotes):
        shared = set()
        for other, other_words in enumerate(words):
            if other != index and quotes[other].article_id != quote.article_id:
                shared |= _shared_positions(words[index], other_words)
        wordings.append(Wording(quote, _segments(tokens[index], shared)))
    return wordings
