"""A fact-checking desk's heuristics on the loaded corpus: warnings for a curator, each naming its claim."""

import re

from claims.models import Quote, Rebuttal, RebuttalRelation
from sources.dates import DatePrecision, period_end, period_start

# The article's words that attribute a statement; they belong in a quote's `attribution`, not its span.
ATTRIBUTION_TERMS = (
    "said",
    "says",
    "told",
    "according to",
    "issuing a statement",
    "in a statement",
    "argued",
    "wrote",
    "stated",
    "added",
    "claimed",
    "claiming",
    "calls",
)
# Phrases a speaker hardly uses about their own words: flagged wherever they sit in a span.
ATTRIBUTION_ANYWHERE = ("according to", "issuing a statement")
# How many words at either end of a span are searched ("Republican senators and a regulator argued ...").
SPAN_EDGE_WORDS = 6
# Hedges a summary must keep when its quote has them.
HEDGES = ("could", "may", "might", "likely", "said to", "reportedly")

WORD = re.compile(r"[\w’']+")
HEDGE = re.compile(r"\b(" + "|".join(re.escape(hedge) for hedge in HEDGES) + r")\b", re.IGNORECASE)


def _has_term(words, term):
    """True when the words hold the (possibly multi-word) term, whole words only."""
    wanted = term.split()
    return any(words[index : index + len(wanted)] == wanted for index in range(len(words) - len(wanted) + 1))


def attribution_in_span(text):
    """The attribution terms a span starts or ends with (or holds anywhere, for the unambiguous ones)."""
    words = [word.lower() for word in WORD.findall(text)]
    # "is said to have" is a hedge, not attribution: drop the pair before looking.
    words = [
        word
        for index, word in enumerate(words)
        if not (word == "said" and words[index + 1 : index + 2] == ["to"])
    ]
    head, tail = words[:SPAN_EDGE_WORDS], words[-SPAN_EDGE_WORDS:]
    found = []
    for term in ATTRIBUTION_TERMS:
        if _has_term(head, term) or _has_term(tail, term):
            found.append(term)
        elif term in ATTRIBUTION_ANYWHERE and _has_term(words, term):
            found.append(term)
    return found


def hedges_in(text):
    """The hedges a text uses, lower-cased; "May" with a capital is taken for the month."""
    return {match.group(0).lower() for match in HEDGE.finditer(text) if match.group(0) != "May"}


def dropped_hedges(quote_text, summary):
    """The hedges the quote has and the summary lacks, in HEDGES order."""
    missing = hedges_in(quote_text) - hedges_in(summary)
    return [hedge for hedge in HEDGES if hedge in missing]


def _terms(terms):
    return ", ".join(f"“{term}”" for term in terms)


def corpus_warnings():
    """Every warning on the loaded corpus, one sentence each, naming the claim; empty when none applies."""
    warnings = []
    quotes = Quote.objects.select_related("claim", "article").order_by("claim_id", "pk")
    for quote in quotes:
        claim, where = quote.claim, f"claim {quote.claim.key} (/claims/{quote.claim_id}/)"
        attribution = attribution_in_span(quote.text)
        if attribution:
            warnings.append(
                f"{where}: the quote in {quote.article.slug} holds attribution words "
                f"({_terms(attribution)}); the span should be the assertion only, "
                "with those words in `attribution`."
            )
        hedges = dropped_hedges(quote.text, claim.summary)
        if hedges:
            warnings.append(
                f"{where}: the quote in {quote.article.slug} says {_terms(hedges)} but the summary does not; "
                "keep the source's hedge."
            )
    denials = (
        Rebuttal.objects.filter(relation=RebuttalRelation.DENIES)
        .select_related("rebutting_claim", "rebutted_claim")
        .order_by("pk")
    )
    for rebuttal in denials:
        rebutting, rebutted = rebuttal.rebutting_claim, rebuttal.rebutted_claim
        # Only when the whole period of the rebutting date ends before the answered claim's period
        # can start (a range known only as "by <day>" may start any time before: never flagged).
        earliest = period_start(rebutted.said_on, rebutted.said_on_precision, rebutted.said_earliest)
        is_open_range = rebutted.said_on_precision == DatePrecision.RANGE and rebutted.said_earliest is None
        if not is_open_range and period_end(rebutting.said_on, rebutting.said_on_precision) < earliest:
            warnings.append(
                f"claim {rebutting.key} (/claims/{rebutting.pk}/): said {rebutting.said_on_iso}, "
                f"it is linked as denying claim {rebutted.key} (/claims/{rebutted.pk}/), "
                f"said later ({rebutted.said_on_iso}); "
                "a statement cannot answer a later one: use contradicts."
            )
    return warnings
