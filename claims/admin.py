from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from claims import anchoring, history
from claims.admin_reanchoring import AnchorCandidatesMixin
from claims.anchoring import AnchorStatus
from claims.forms import ClaimForm, QuoteForm, VersionedForm
from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from claims.versions import record_correction
from tiktok_claims.versioning import conflict_message, is_write_conflict


class VersionedMixin:
    """Optimistic locking on every form, page or inline, of a model that has a version."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if hasattr(self.model, "version") and not issubclass(self.form, VersionedForm):
            self.form = type(f"Versioned{self.form.__name__}", (VersionedForm, self.form), {})

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [field for field in options["fields"] if field != "seen_version"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if not issubclass(self.form, VersionedForm):
            return fieldsets
        if obj is not None and not self.has_change_permission(request, obj):
            return fieldsets  # A read-only page: nothing to lock, nothing to show.
        # The hidden version rides in the last fieldset, so the browser posts it back.
        *first, (name, options) = fieldsets
        return [*first, (name, {**options, "fields": [*options["fields"], "seen_version"]})]


class ReadOnlyForm(forms.BaseForm):
    """Every field disabled: the browser posts none of them and Django would ignore them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = True


class CuratedAdmin(VersionedMixin, SimpleHistoryAdmin):
    """History with revert, and optimistic locking when the model has a version."""

    # A URL typed without a scheme is taken as https (Django 6's default; 5.2 warns otherwise).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_list_template = "admin/curated_change_list.html"
    deleted_list_limit = 200

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_deleted"
        # Before the admin's catch-all "<object_id>/" pattern.
        return [
            path("deleted/", self.admin_site.admin_view(self.deleted_view), name=name),
            *super().get_urls(),
        ]

    def deleted_view(self, request):
        """The rows deleted and not brought back, each linking to its history (simple-history's pages)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        deleted = history.deleted_records(self.model, self.deleted_list_limit)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deleted {self.model._meta.verbose_name_plural}",
            "opts": self.model._meta,
            "deleted": deleted,
            "shown_limit": self.deleted_list_limit if len(deleted) == self.deleted_list_limit else None,
            "can_restore": self.has_add_permission(request) and self.has_delete_permission(request),
        }
        return TemplateResponse(request, "admin/deleted_rows.html", context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Exception as error:
            # Another writer was first (the row changed after the form's check, or its lock was
            # held too long): say that nothing was saved, on the page as it is stored now.
            if request.method != "POST" or not is_write_conflict(error):
                raise
            self.message_user(
                request, conflict_message(error, f"this {self.opts.verbose_name}"), messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def history_view(self, request, object_id, extra_context=None):
        if not request.user.has_perm("auth.view_user"):
            # Name the editor as plain text: a link to the user's page would be a 403 for curators.
            extra_context = {**(extra_context or {}), "admin_user_view": "no-user-page"}
        return super().history_view(request, object_id, extra_context)

    def has_restore_permission(self, request, obj):
        """Restoring a version changes the row; bringing back a deleted row also undoes a delete."""
        if obj is None:
            return False
        if history.row_exists(obj):
            return self.has_change_permission(request, obj)
        return self.has_add_permission(request) and self.has_delete_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not self.has_restore_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if history.version_record(obj) is None:
            return form
        history.prepare_version(obj, for_display=request.method != "POST")
        if self.has_restore_permission(request, obj):
            return form
        # A version this user may look at but not restore: every field shown, none submitted.
        return type(f"ReadOnly{form.__name__}", (ReadOnlyForm, form), {})

    def save_model(self, request, obj, form, change):
        if history.version_record(obj) is not None:
            history.prepare_restore(obj)
        super().save_model(request, obj, form, change)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            record = self.model.history.get(
                **{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id}
            )
        except (self.model.history.model.DoesNotExist, ValueError, ValidationError) as error:
            raise Http404 from error  # simple-history's own lookup would be a 500 on "abc".
        # simple-history checks only the view permission, and would save any user's post.
        if request.method == "POST" and not self.has_restore_permission(request, record.instance):
            raise PermissionDenied
        # The admin's own change view is atomic; a revert must be too, for the version lock.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)


def anchor_status(quote):
    """The quote's place in its article now: exact, moved or orphaned."""
    status = AnchorStatus(quote.verify())
    return status.label if status != AnchorStatus.EXACT else "exact"


def short_text(text, length=90):
    return text if len(text) <= length else text[: length - 1] + "…"


class QuoteInline(VersionedMixin, admin.StackedInline):
    """Quotes on the claim page: pick the article, paste the words."""

    model = Quote
    form = QuoteForm
    extra = 1
    autocomplete_fields = ["article"]
    fields = ["article", "text", "occurrence", ("start", "end"), "anchor", "mode", "attribution", "note"]
    readonly_fields = ["anchor"]

    @admin.display(description="anchor status")
    def anchor(self, quote):
        return anchor_status(quote) if quote.pk else "computed on save"


class RebuttalMadeInline(VersionedMixin, admin.TabularInline):
    """Claims this claim rebuts."""

    model = Rebuttal
    fk_name = "rebutting_claim"
    extra = 0
    autocomplete_fields = ["rebutted_claim"]
    fields = ["relation", "rebutted_claim", "note"]
    verbose_name = "rebuttal made by this claim"
    verbose_name_plural = "this claim rebuts"


class RebuttalReceivedInline(VersionedMixin, admin.TabularInline):
    """Claims that rebut this claim."""

    model = Rebuttal
    fk_name = "rebutted_claim"
    extra = 0
    autocomplete_fields = ["rebutting_claim"]
    fields = ["rebutting_claim", "relation", "note"]
    verbose_name = "rebuttal of this claim"
    verbose_name_plural = "this claim is rebutted by"


@admin.register(Topic)
class TopicAdmin(CuratedAdmin):
    ordering = ["name"]
    list_display = ["name", "slug", "claim_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, topic):
        return topic.claim_count


@admin.register(Speaker)
class SpeakerAdmin(CuratedAdmin):
    ordering = ["name"]
    list_display = ["name", "kind", "side", "role", "affiliation", "is_anonymous", "claim_count"]
    list_filter = ["side", "kind", "is_anonymous"]
    search_fields = ["name", "slug", "role", "wikidata_id"]
    list_select_related = ["affiliation"]
    autocomplete_fields = ["affiliation"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, speaker):
        return speaker.claim_count


@admin.register(Claim)
class ClaimAdmin(CuratedAdmin):
    ordering = ["said_on", "id"]
    list_display = ["summary", "speaker", "claim_type", "said", "quote_count"]
    list_filter = ["claim_type", "speaker__side", "said_on_precision", "topics"]
    search_fields = ["summary", "key", "speaker__name", "venue"]
    list_select_related = ["speaker"]
    date_hierarchy = "said_on"
    autocomplete_fields = ["speaker", "topics"]
    prepopulated_fields = {"key": ["summary"]}
    inlines = [QuoteInline, RebuttalMadeInline, RebuttalReceivedInline]
    fieldsets = [
        (None, {"fields": ["summary", "key", "speaker", "claim_type", "topics"]}),
        (
            "When and where",
            {"fields": [("said_on", "said_on_precision", "said_earliest"), "dating_note", "venue"]},
        ),
        (None, {"fields": ["note", "correction_note"]}),
    ]
    form = ClaimForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # A new claim has nothing to correct; a read-only page has no note to write.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "correction_note"]})
            for name, options in fieldsets
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            record_correction(form.instance, form.cleaned_data.get("correction_note"))

    def delete_model(self, request, obj):
        # The public reason the tombstone gives (its own confirmation page has the field).
        obj._change_reason = request.POST.get("deletion_reason", "").strip()[:100] or None
        super().delete_model(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(quote_count=Count("quotes"))

    @admin.display(description="said on", ordering="said_on")
    def said(self, claim):
        return claim.said_on_display

    @admin.display(description="quotes", ordering="quote_count")
    def quote_count(self, claim):
        return claim.quote_count


@admin.register(Quote)
class QuoteAdmin(AnchorCandidatesMixin, CuratedAdmin):
    form = QuoteForm
    list_display = ["quote", "claim", "article", "start", "end", "mode", "anchor"]
    list_filter = ["mode", "article__outlet", "claim__speaker__side"]
    search_fields = ["text", "attribution", "claim__summary", "article__headline"]
    list_select_related = ["claim", "article"]
    autocomplete_fields = ["claim", "article"]
    readonly_fields = ["anchor"]
    fields = [
        "claim",
        "article",
        "text",
        "occurrence",
        ("start", "end"),
        "anchor",
        "mode",
        "attribution",
        "note",
    ]
    actions = ["reanchor_moved_quotes"]

    @admin.display(description="quote", ordering="text")
    def quote(self, quote):
        return short_text(quote.text)

    @admin.display(description="anchor status")
    def anchor(self, quote):
        return anchor_status(quote) if quote.pk else "computed on save"

    @admin.action(
        description="Re-anchor the selected moved quotes to where their text is now", permissions=["change"]
    )
    def reanchor_moved_quotes(self, request, queryset):
        moved, left = [], []
        for quote in queryset.select_related("article"):
            if quote.verify() != AnchorStatus.MOVED:
                left.append(quote)
                continue
            quote.start, quote.end = anchoring.anchor(quote.article.text, quote.text)
            quote._history_user = request.user
            quote.save()
            moved.append(quote)
        if moved:
            self.message_user(
                request, f"Re-anchored {len(moved)} moved quote(s); their history records the old offsets."
            )
        for quote in left:
            self.message_user(
                request,
                f"Left “{short_text(quote.text, 60)}” unchanged: it is {anchor_status(quote)}. "
                "Only moved quotes are re-anchored; fix an orphaned quote by hand.",
                messages.WARNING,
            )


@admin.register(Rebuttal)
class RebuttalAdmin(CuratedAdmin):
    list_display = ["rebutting_claim", "relation", "rebutted_claim", "note"]
    list_filter = ["relation", "rebutting_claim__speaker__side"]
    search_fields = ["rebutting_claim__summary", "rebutted_claim__summary", "note"]
    list_select_related = ["rebutting_claim", "rebutted_claim"]
    autocomplete_fields = ["rebutting_claim", "rebutted_claim"]
