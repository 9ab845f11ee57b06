"""The admin of outlets and articles: curated (history, locking) like the rest; an article lists its quotes.

Registered from ClaimsConfig.ready(), since it builds on claims/admin.py's CuratedAdmin.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from claims.admin import CuratedAdmin, anchor_status, short_text
from claims.admin_reanchoring import proposals
from claims.anchoring import AnchorStatus
from claims.models import Quote
from claims.text_history import ArticleTextHistoryMixin
from sources.admin_import import ImportArticleMixin
from sources.models import Article, Outlet


class ArticleQuoteInline(admin.TabularInline):
    """The claims an article reports, through its quotes, with each quote's anchor status."""

    model = Quote
    extra = 0
    fields = ["claim_link", "quote", "start", "end", "anchor"]
    readonly_fields = fields
    verbose_name = "claim reported by this article"
    verbose_name_plural = "claims reported by this article (through its quotes)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "article")

    # Read-only: quotes are edited on their claim's page, so an edit of the article's text is
    # never blocked or silently re-anchored; the status column shows what the edit did.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="claim")
    def claim_link(self, quote):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[quote.claim_id]), quote.claim
        )

    @admin.display(description="quote")
    def quote(self, quote):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:claims_quote_change", args=[quote.pk]),
            short_text(quote.text),
        )

    @admin.display(description="anchor status")
    def anchor(self, quote):
        return anchor_status(quote)


@admin.register(Outlet)
class OutletAdmin(CuratedAdmin):
    ordering = ["name"]
    list_display = ["name", "slug", "homepage", "article_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, outlet):
        return outlet.article_count


@admin.register(Article)
class ArticleAdmin(ImportArticleMixin, ArticleTextHistoryMixin, CuratedAdmin):
    # The curated list's "Deleted articles" link, and "Import from a web page".
    change_list_template = "admin/sources/article/change_list.html"
    ordering = ["published_on", "headline"]
    list_display = ["headline", "outlet", "published", "slug", "quote_count"]
    list_filter = ["outlet", "published_on_precision"]
    search_fields = ["headline", "slug", "byline", "outlet__name"]
    list_select_related = ["outlet"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["outlet"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["text_sha256"]
    inlines = [ArticleQuoteInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "outlet", "url", "byline"]}),
        ("Publication date", {"fields": [("published_on", "published_on_precision"), "dating_note"]}),
        ("Text", {"fields": ["text", "text_sha256", "seed_file"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(quote_count=Count("quotes"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # On GET only: a save redirects, so candidates computed for it would be thrown away.
        article = self.get_object(request, object_id) if request.method == "GET" else None
        if article is not None:
            quotes = article.quotes.select_related("article").order_by("start", "pk")
            extra_context = {
                **(extra_context or {}),
                "anchor_proposals": proposals(quotes),
                "can_reanchor": request.user.has_perm("claims.change_quote"),
                "anchor_next": request.get_full_path(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="published", ordering="published_on")
    def published(self, article):
        return article.published_display

    @admin.display(description="quotes", ordering="quote_count")
    def quote_count(self, article):
        return article.quote_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        stale = [quote for quote in form.instance.quotes.all() if quote.verify() != AnchorStatus.EXACT]
        if stale:
            listed = "; ".join(f"“{short_text(quote.text, 60)}” is {anchor_status(quote)}" for quote in stale)
            self.message_user(
                request,
                f"{len(stale)} quote(s) no longer match this article's text at their offsets: {listed}. "
                "Nothing was re-anchored: accept a candidate place below, or leave the quote orphaned.",
                messages.WARNING,
            )
