from django.contrib import admin
from django.utils.html import format_html

from sources.models import ArticleSnapshot

# Outlets and articles are curated like the rest of the corpus, and an article's admin page
# lists its quotes: their admin is claims' (claims/admin_sources.py).


@admin.register(ArticleSnapshot)
class ArticleSnapshotAdmin(admin.ModelAdmin):
    """Stored pages are evidence: listed and linked, never edited."""

    list_display = ["__str__", "article", "sha256", "fetched_at"]
    list_select_related = ["article"]
    fields = [
        "article",
        "source_url",
        "file_name",
        "content_type",
        "encoding",
        "sha256",
        "fetched_at",
        "page",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="stored page")
    def page(self, snapshot):
        if snapshot.article_id is None:
            return "not attached: an import not yet reviewed"
        return format_html('<a href="{}">the page as stored (text)</a>', snapshot.get_absolute_url())
