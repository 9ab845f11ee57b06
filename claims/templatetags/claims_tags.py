"""Template helpers for the research pages."""

import html
import json

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.highlighting import highlight_words, is_anchored, quote_context

register = template.Library()

# The escapes Django's json_script uses, so a "</script>" inside a string cannot end the block.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def highlight(text, query):
    """The text with the words of the search query marked."""
    return highlight_words(str(text), query)


@register.simple_tag
def jsonld(value):
    """A schema.org JSON-LD data block, escaped like json_script."""
    payload = json.dumps(value, ensure_ascii=False, sort_keys=True).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


@register.simple_tag
def quote_in_context(quote):
    """The quote inside the sentences around it in its article, the quote marked."""
    if not is_anchored(quote.article.text, quote):
        return mark_safe(
            f'<mark class="quote">{escape(quote.text)}</mark> '
            '<strong class="stale">(not found at its recorded place in the article: '
            "the anchor needs a curator)</strong>"
        )
    before, words, after = quote_context(quote.article.text, quote.start, quote.end)
    return mark_safe(f'{escape(before)}<mark class="quote">{escape(words)}</mark>{escape(after)}')


@register.simple_tag(takes_context=True)
def query_without(context, name, value=None):
    """The current query string without one filter value (or the whole parameter), page reset."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [item for item in query.getlist(name) if item != str(value)])
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_with_page(context, page):
    """The current query string pointing at another page."""
    query = context["request"].GET.copy()
    query["page"] = page
    return f"?{query.urlencode()}"


@register.simple_tag
def timeline_links_and_marks(layout):
    """A timeline's rebuttal curves, then its marks (drawn over them), as SVG.

    Written here rather than in the template: a counted timeline has thousands of marks, which
    Django's template engine took 200-300 ms to render at a million claims (this: about 10 ms).
    Escaped by html.escape(), which Django's escape() calls: the same text without its lazy-string
    wrapper, which was a third of the time for 2,500 marks.
    """
    escape = html.escape
    parts = []
    for link in layout.links:
        many = " link-many" if link.count > 1 else ""
        parts.append(
            f'<path class="rebuttal-link relation-{escape(link.relation)}{many}" d="{escape(link.path)}">'
            f"<title>{escape(link.label)}</title></path>"
        )
    for mark in layout.marks:
        label = escape(mark.label)
        parts.append(f'<a href="{escape(mark.href)}" aria-label="{label}"><title>{label}</title>')
        side = escape(mark.side)
        if mark.bar:
            bar = mark.bar
            year = " bar-year" if bar.year_only else ""
            parts.append(
                f'<rect class="bar side-{side}{year}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}"></rect>'
            )
        else:
            y = f"{mark.y:.1f}"
            if mark.shows_period:
                parts.append(
                    f'<line class="period side-{side}" x1="{mark.period_start_x:.1f}" '
                    f'x2="{mark.period_end_x:.1f}" y1="{y}" y2="{y}"></line>'
                )
            group = " mark-group" if mark.count > 1 else ""
            circle = f'cx="{mark.x:.1f}" cy="{y}" r="{mark.radius}"'
            parts.append(f'<circle class="mark side-{side}{group}" {circle}></circle>')
            if mark.count > 1:
                parts.append(
                    f'<text class="mark-count" x="{mark.x:.1f}" y="{mark.y + 4:.1f}">{mark.count}</text>'
                )
        parts.append("</a>")
    return mark_safe("\n".join(parts))
