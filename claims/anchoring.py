"""Finding a quote's exact place in its article's text."""

from django.db import models


class AnchorStatus(models.TextChoices):
    EXACT = "exact", "Exact: the text is at its offsets"
    MOVED = "moved", "Moved: found once elsewhere, the offsets are stale"
    ORPHANED = "orphaned", "Orphaned: not found once in the article"


class AnchorError(ValueError):
    """A quote cannot be placed in its article without a guess."""


def find_all(text, quote):
    """Every start offset of quote in text, overlapping matches included."""
    starts = []
    position = text.find(quote)
    while position != -1:
        starts.append(position)
        position = text.find(quote, position + 1)
    return starts


def anchor(text, quote, occurrence=None):
    """Return (start, end) of quote in text; occurrence (1-based) picks among repeats."""
    if not quote:
        raise AnchorError("The quote is empty.")
    starts = find_all(text, quote)
    if not starts:
        raise AnchorError("The quote is not in the article's text.")
    if occurrence is None:
        if len(starts) > 1:
            raise AnchorError(
                f"The quote occurs {len(starts)} times in the article; "
                f"say which occurrence (1 to {len(starts)})."
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        raise AnchorError(f"The quote occurs {len(starts)} times; occurrence {occurrence} does not exist.")
    start = starts[occurrence - 1]
    return start, start + len(quote)


def status(text, quote, start, end):
    """Exact when the quote is at its offsets, moved when found once elsewhere, else orphaned."""
    if start is not None and end is not None and text[start:end] == quote:
        return AnchorStatus.EXACT
    if quote and len(find_all(text, quote)) == 1:
        return AnchorStatus.MOVED
    return AnchorStatus.ORPHANED
