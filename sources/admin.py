from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sources.models import Article, Outlet


@admin.register(Outlet)
class OutletAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "homepage"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["headline", "outlet", "published_on"]
    list_filter = ["outlet"]
    search_fields = ["headline", "slug"]
    list_select_related = ["outlet"]
