"""An edit of an article's text as a diff of its words, with the quotes whose words it touched.

The article admin (sources/admin.py) takes ArticleTextHistoryMixin: its history list gains a
"text" column linking each text edit to a page with the diff. It lives here, beside the quotes
it reports on, because sources does not know quotes.
"""

import difflib
import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims.anchoring import AnchorStatus
from claims.models import Quote

# Words and the spaces between them, apart: "data" then "data today" differ by one added word.
TOKEN = re.compile(r"\S+|\s+")
# Unchanged words kept on each side of a change; longer unchanged runs are cut to "…".
CONTEXT_WORDS = 12


@dataclass
class Chunk:
    kind: str  # "same", "removed" or "added"
    text: str


def tokens(text):
    """(start, token) of every word and every run of spaces in text."""
    return [(match.start(), match.group()) for match in TOKEN.finditer(text)]


def word_diff(old, new):
    """(chunks, changed): the words of new against old, and the changed spans of old.

    An insertion is a zero-width span at the place it went in; the chunks keep CONTEXT_WORDS
    unchanged words around each change and cut the rest.
    """
    old_tokens, new_tokens = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(
        None, [token for _, token in old_tokens], [token for _, token in new_tokens], autojunk=False
    )
    chunks, changed = [], []
    opcodes = matcher.get_opcodes()
    for index, (operation, old_from, old_to, new_from, new_to) in enumerate(opcodes):
        old_words = [token for _, token in old_tokens[old_from:old_to]]
        new_words = [token for _, token in new_tokens[new_from:new_to]]
        if operation == "equal":
            chunks.append(
                Chunk("same", shortened(old_words, first=index == 0, last=index == len(opcodes) - 1))
            )
            continue
        start = old_tokens[old_from][0] if old_from < len(old_tokens) else len(old)
        end = old_tokens[old_to - 1][0] + len(old_tokens[old_to - 1][1]) if old_to > old_from else start
        changed.append((start, end))
        if old_words:
            chunks.append(Chunk("removed", "".join(old_words)))
        if new_words:
            chunks.append(Chunk("added", "".join(new_words)))
    return chunks, changed


def shortened(words, first, last):
    """An unchanged run: whole when short, else its ends next to the changes and "…" between."""
    # Tokens alternate words and spaces: twice as many tokens as words.
    keep_before = 0 if first else 2 * CONTEXT_WORDS
    keep_after = 0 if last else 2 * CONTEXT_WORDS
    if len(words) <= keep_before + keep_after + 1:
        return "".join(words)
    head = "".join(words[:keep_before])
    tail = "".join(words[len(words) - keep_after :]) if keep_after else ""
    return f"{head}…{tail}"


def overlaps(start, end, spans):
    """True when [start, end) shares a character with a span, or an insertion falls inside it."""
    return any(
        (span_start < end and span_end > start) if span_end > span_start else start < span_start < end
        for span_start, span_end in spans
    )


def affected_quotes(article, edited_at, changed):
    """The quotes of article just before edited_at whose span met a change, with their status now."""
    before = Quote.history.filter(article_id=article.pk, history_date__lt=edited_at)
    latest = {}
    for record in before.order_by("history_date", "history_id"):
        latest[record.id] = record
    current = {quote.pk: quote for quote in Quote.objects.filter(article=article).select_related("article")}
    affected = []
    for record in latest.values():
        if record.history_type == "-" or not overlaps(record.start, record.end, changed):
            continue
        quote = current.get(record.id)
        affected.append(
            {
                "record": record,
                "quote": quote,
                "status": AnchorStatus(quote.verify()).label if quote else "deleted since",
            }
        )
    return sorted(affected, key=lambda row: row["record"].start)


class ArticleTextHistoryMixin:
    """The article admin's history list links each text edit to its word diff and affected quotes."""

    history_list_display = ["text_change"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.text_history_view)
        return [
            path(
                "<path:object_id>/history/<int:history_id>/text/", view, name="sources_article_text_history"
            ),
            *super().get_urls(),
        ]

    @admin.display(description="text")
    def text_change(self, record):
        """Filled in by set_history_delta_changes(), which sees the records side by side."""
        return ""

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        # Newest first: each record's previous version is the next one on the page (a query
        # only for the page's oldest), not one prev_record query per row.
        records = list(historical_records)
        for record, older in zip(records, [*records[1:], None], strict=True):
            if older is None:
                older = record.prev_record
            record.text_change = self.text_change_link(record, older)

    def text_change_link(self, record, previous):
        if previous is None:
            return "first version"
        if previous.text == record.text:
            return ""
        url = reverse("admin:sources_article_text_history", args=[record.id, record.history_id])
        return format_html('<a href="{}">words changed: see the diff and the quotes it touched</a>', url)

    def text_history_view(self, request, object_id, history_id):
        history = self.model.history
        record = history.filter(id=unquote(object_id), history_id=history_id).first()
        if record is None:
            raise Http404("No such version of this article.")
        article = self.model.objects.filter(pk=record.id).first() or record.instance
        if not self.has_view_history_or_change_history_permission(request, article):
            raise PermissionDenied
        previous = record.prev_record
        old_text = previous.text if previous is not None else ""
        chunks, changed = word_diff(old_text, record.text)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Text edit of “{article}”",
            "opts": self.model._meta,
            "object": article,
            "record": record,
            "previous": previous,
            "chunks": chunks,
            "removed_words": sum(len(chunk.text.split()) for chunk in chunks if chunk.kind == "removed"),
            "added_words": sum(len(chunk.text.split()) for chunk in chunks if chunk.kind == "added"),
            "affected": affected_quotes(article, record.history_date, changed),
        }
        return TemplateResponse(request, "admin/sources/article/text_history.html", context)
