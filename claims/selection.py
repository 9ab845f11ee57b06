"""A quote made from words a curator selected on an article page, checked against the stored text."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from claims import anchoring
from claims.models import Claim, ClaimType, Quote, QuoteMode, Speaker
from sources.dates import DatePrecision

# Characters of context the page sends before and after a selection (as W3C TextQuoteSelector).
CONTEXT_LENGTH = 32


def shown(text, length=60):
    return text if len(text) <= length else text[: length - 1] + "…"


def place_selection(article_text, text, start=None, end=None, prefix="", suffix=""):
    """(start, end) of the selected text, by the admin's rules; a ValidationError names the field.

    Without offsets the text must occur once (prefix and suffix may pick one of several
    occurrences); with offsets the article's text there must be the text, and the words just
    before and after must be the prefix and suffix.
    """
    if not text:
        raise ValidationError({"text": "The selection is empty."})
    if (start is None) != (end is None):
        raise ValidationError({"end" if end is None else "start": "Give both start and end, or neither."})
    if start is None:
        starts = [
            position
            for position in anchoring.find_all(article_text, text)
            if article_text[:position].endswith(prefix)
            and article_text[position + len(text) :].startswith(suffix)
        ]
        if len(starts) != 1:
            try:
                anchoring.anchor(article_text, text)
            except anchoring.AnchorError as error:
                raise ValidationError({"text": str(error)}) from error
            raise ValidationError({"prefix": "No occurrence of the text has this prefix and suffix."})
        return starts[0], starts[0] + len(text)
    found = article_text[start:end]
    if found != text:
        raise ValidationError(
            {"start": f"The article's text at {start}–{end} is “{shown(found, 120)}”, not the selection."}
        )
    before = article_text[max(0, start - len(prefix)) : start]
    if before != prefix:
        raise ValidationError(
            {"prefix": f"The article's text just before the selection is “{before}”, not “{prefix}”."}
        )
    after = article_text[end : end + len(suffix)]
    if after != suffix:
        raise ValidationError(
            {"suffix": f"The article's text just after the selection is “{after}”, not “{suffix}”."}
        )
    return start, end


def new_claim_key(speaker, summary):
    """A unique key from the speaker and the summary's first words."""
    base = slugify(f"{speaker.slug} {summary}")[:100].rstrip("-") or "claim"
    key, number = base, 1
    while Claim.objects.filter(key=key).exists():
        number += 1
        key = f"{base}-{number}"
    return key


@transaction.atomic
def quote_from_selection(
    article, selection, user, claim=None, new_claim=None, mode="", attribution="", note=""
):
    """Save the selected words as a quote of claim, or of a new claim; history names the user."""
    start, end = place_selection(article.text, **selection)
    if claim is None:
        claim = Claim(**new_claim)
        claim.key = new_claim_key(claim.speaker, claim.summary)
        claim.full_clean()
        claim._history_user = user
        claim.save()
    quote = Quote(
        claim=claim,
        article=article,
        text=selection["text"],
        start=start,
        end=end,
        mode=mode,
        attribution=attribution,
        note=note,
    )
    quote.full_clean()
    quote._history_user = user
    quote.save()
    return quote


def panel_context(user):
    """What the page's panel offers a curator: speakers, claim types, date precisions, modes."""
    return {
        "speakers": Speaker.objects.order_by("name").values_list("slug", "name"),
        "claim_types": ClaimType.choices,
        "date_precisions": DatePrecision.choices,
        "quote_modes": QuoteMode.choices,
        "can_add_claim": user.has_perm("claims.add_claim"),
    }
