"""Re-anchoring by proposal: candidate places for a quote that is no longer exact; a curator picks one."""

import re
import time
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from rapidfuzz import fuzz, process

from claims import anchoring

# Shown to the curator around each candidate, so the place can be judged without the article open.
CONTEXT_CHARACTERS = 40
MAX_CANDIDATES = 5
# Below this similarity a passage is not worth a curator's look.
MIN_SCORE = 0.6
# A long article is scanned within this many seconds; what was found by then is returned.
TIME_BUDGET_SECONDS = 0.5
# Beyond this many word windows the scan steps over some starts (then refines around the best).
MAX_WINDOWS = 20_000
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    text: str
    score: float
    prefix: str
    suffix: str
    kind: str  # "moved": the same words elsewhere; "similar": the closest passage.

    def as_dict(self):
        return asdict(self)

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end


def make_candidate(text, start, end, score, kind):
    return Candidate(
        start=start,
        end=end,
        text=text[start:end],
        score=round(score, 3),
        prefix=text[max(0, start - CONTEXT_CHARACTERS) : start],
        suffix=text[end : end + CONTEXT_CHARACTERS],
        kind=kind,
    )


def candidates(text, quote, limit=MAX_CANDIDATES, time_budget=TIME_BUDGET_SECONDS):
    """Non-overlapping places for quote in text, best first: exact repeats (1.0), then similar passages."""
    if not quote or not text:
        return []
    found = [
        make_candidate(text, start, start + len(quote), 1.0, "moved")
        for start in anchoring.find_all(text, quote)
    ]
    found = keep_non_overlapping(found, [], limit)
    if len(found) < limit:
        similar = similar_passages(text, quote, time.monotonic() + time_budget)
        found = keep_non_overlapping(similar, found, limit)
    return sorted(found, key=lambda candidate: (-candidate.score, candidate.start))


def keep_non_overlapping(new, kept, limit):
    kept = list(kept)
    for candidate in sorted(new, key=lambda candidate: (-candidate.score, candidate.start)):
        if len(kept) >= limit:
            break
        if not any(candidate.overlaps(other) for other in kept):
            kept.append(candidate)
    return kept


def similar_passages(text, quote, deadline):
    """Word-boundary windows of about the quote's length, scored by rapidfuzz, then refined at the edges."""
    words = [(match.start(), match.end()) for match in WORD.finditer(text)]
    size = len(WORD.findall(quote))
    if not words or not size:
        return []
    size = min(size, len(words))
    starts = range(0, len(words) - size + 1)
    step = max(1, len(starts) // MAX_WINDOWS)
    starts = starts[::step]
    windows = {index: text[words[index][0] : words[index + size - 1][1]] for index in starts}
    cutoff = MIN_SCORE * 100
    scored = process.extract(
        quote, windows, scorer=fuzz.ratio, limit=MAX_CANDIDATES * 4, score_cutoff=cutoff - 10
    )
    passages = []
    for _, _, first in scored:
        if time.monotonic() > deadline and passages:
            break
        start_word, end_word, score = refine(text, quote, words, first, first + size - 1, step)
        if score >= cutoff:
            start, end = trim_punctuation(text, quote, words[start_word][0], words[end_word][1])
            passages.append(
                make_candidate(text, start, end, fuzz.ratio(quote, text[start:end]) / 100, "similar")
            )
    return passages


def trim_punctuation(text, quote, start, end):
    """Drop punctuation a word window carries at its edges when the quote does not have it."""
    while end - start > 1 and not text[end - 1].isalnum() and not quote.endswith(text[end - 1]):
        end -= 1
    while end - start > 1 and not text[start].isalnum() and not quote.startswith(text[start]):
        start += 1
    return start, end


def refine(text, quote, words, first, last, step):
    """Move each edge of the window a few words either way while the similarity improves."""
    reach = max(2, step)
    best = (first, last, fuzz.ratio(quote, text[words[first][0] : words[last][1]]))
    improved = True
    while improved:
        improved = False
        first, last, _ = best
        for new_first in range(max(0, first - reach), min(last, first + reach) + 1):
            for new_last in range(max(new_first, last - reach), min(len(words) - 1, last + reach) + 1):
                score = fuzz.ratio(quote, text[words[new_first][0] : words[new_last][1]])
                if score > best[2]:
                    best, improved = (new_first, new_last, score), True
    return best


def quote_candidates(quote):
    """The quote's candidate places in its article's text now; none when it is exact."""
    if quote.verify() == anchoring.AnchorStatus.EXACT:
        return []
    return candidates(quote.article.text, quote.text)


class StaleQuote(ValidationError):
    """The quote was saved by someone else after the curator looked at it."""


def accept(quote, start, end, seen_version, user=None, text=None):
    """Re-anchor quote at start–end, its text becoming the article's words there; a curator's act only."""
    from claims.models import Quote

    with transaction.atomic():
        locked = Quote.objects.select_for_update().select_related("article").get(pk=quote.pk)
        if seen_version is not None and locked.version != seen_version:
            raise StaleQuote(
                f"This quote was saved by someone else after you opened it (version {seen_version} -> "
                f"{locked.version}). Nothing was re-anchored: reload the page and choose again.",
                code="stale",
            )
        article_text = locked.article.text
        if not (0 <= start < end <= len(article_text)):
            raise ValidationError(
                {"start": f"{start}–{end} is not a span of the article's {len(article_text)} characters."}
            )
        words = article_text[start:end]
        if text is not None and text != words:
            raise ValidationError(
                {"text": f"The article's text at {start}–{end} is “{words[:120]}”, not the text sent."}
            )
        old = (locked.start, locked.end)
        locked.start, locked.end, locked.text = start, end, words
        locked.validate_constraints()
        locked._history_user = user
        locked._change_reason = f"Re-anchored by a curator from {old[0]}–{old[1]} to {start}–{end}."
        locked.save()
    return locked
