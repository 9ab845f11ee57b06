"""The admin's "Import from a web page": upload or fetch -> review and correct the text -> save."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from sources import importing
from sources.models import Article, ArticleSnapshot


class ImportSourceForm(forms.Form):
    """Step 1: where the page comes from."""

    url = forms.URLField(
        label="URL", required=False, assume_scheme="https", help_text="A public web page, fetched now."
    )
    html_file = forms.FileField(
        label="or an HTML file",
        required=False,
        help_text="A page saved from a browser (Save Page As, HTML only).",
    )

    def clean(self):
        cleaned_data = super().clean()
        if bool(cleaned_data.get("url")) == bool(cleaned_data.get("html_file")):
            raise forms.ValidationError("Give a URL or an HTML file, one of the two.")
        return cleaned_data

    def page(self):
        """The page fetched or uploaded; an ImportRefused becomes an error on its field."""
        try:
            if self.cleaned_data["url"]:
                return importing.fetch(self.cleaned_data["url"])
            upload = self.cleaned_data["html_file"]
            content = upload.read(settings.IMPORT_MAX_BYTES + 1)
            return importing.page_from_file(content, upload.name, upload.content_type or "text/html")
        except importing.ImportRefused as error:
            self.add_error("url" if self.cleaned_data["url"] else "html_file", str(error))
            return None


class ImportReviewForm(forms.ModelForm):
    """Step 2: the extracted text and metadata, for the curator to correct before saving."""

    snapshot = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    url = forms.URLField(label="URL", max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "outlet",
            "url",
            "byline",
            "published_on",
            "published_on_precision",
            "text",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 30, "cols": 100})}

    def clean_text(self):
        # A browser sends a textarea's line ends as CRLF; the stored text keeps the page's LF.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def clean_snapshot(self):
        snapshot = ArticleSnapshot.objects.filter(
            pk=self.cleaned_data["snapshot"], article__isnull=True
        ).first()
        if snapshot is None:
            raise forms.ValidationError("This import was already saved or has expired: start again.")
        return snapshot


class ImportArticleMixin:
    """For ArticleAdmin: the import view, linked from the article list."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="sources_article_import"), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        source_form, review_form = ImportSourceForm(), None
        if request.method == "POST" and request.POST.get("step") == "extract":
            source_form = ImportSourceForm(request.POST, request.FILES)
            page = source_form.page() if source_form.is_valid() else None
            if page is not None:
                try:
                    extracted = importing.extract(page)
                except importing.ImportRefused as error:
                    source_form.add_error(None, str(error))
                else:
                    snapshot = importing.save_snapshot(page)
                    review_form = ImportReviewForm(initial=initial_review(extracted, snapshot))
        elif request.method == "POST" and request.POST.get("step") == "save":
            review_form = ImportReviewForm(request.POST)
            if review_form.is_valid():
                article = review_form.save(commit=False)
                article.seed_file = review_form.cleaned_data["snapshot"].file_name[:200]
                article._history_user = request.user
                importing.create_article(article, review_form.cleaned_data["snapshot"])
                self.log_addition(request, article, [{"added": {}}])
                self.message_user(
                    request,
                    f"Imported “{article.headline}” with a snapshot of the page; now mark its quotes.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sources_article_change", args=[article.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review the extracted article" if review_form else "Import an article from a web page",
            "source_form": source_form,
            "review_form": review_form,
        }
        return TemplateResponse(request, "admin/sources/article/import.html", context)


def initial_review(extracted, snapshot):
    return {
        "headline": extracted.headline,
        "slug": slugify(extracted.headline)[:200],
        "url": extracted.canonical_url,
        "byline": extracted.byline,
        "published_on": extracted.published_on,
        "published_on_precision": "day",
        "text": extracted.text,
        "snapshot": snapshot.pk,
    }
