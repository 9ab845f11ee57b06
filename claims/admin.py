from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Claim, Quote, Rebuttal, Speaker, Topic


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Speaker)
class SpeakerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "side", "role", "affiliation"]
    list_filter = ["kind", "side"]
    search_fields = ["name", "role"]
    list_select_related = ["affiliation"]


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = ["summary", "speaker", "claim_type", "said_on", "said_on_precision"]
    list_filter = ["claim_type", "said_on_precision"]
    search_fields = ["summary", "key", "speaker__name"]
    list_select_related = ["speaker"]


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    list_display = ["text", "claim", "article", "start", "end", "mode"]
    list_filter = ["mode"]
    search_fields = ["text"]
    list_select_related = ["claim", "article"]


@admin.register(Rebuttal)
class RebuttalAdmin(SimpleHistoryAdmin):
    list_display = ["rebutting_claim", "relation", "rebutted_claim"]
    list_filter = ["relation"]
    list_select_related = ["rebutting_claim", "rebutted_claim"]
