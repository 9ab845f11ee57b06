"""Admin forms: stale edits refused, quotes anchored from their text."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, router
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from claims import anchoring
from claims.models import Quote
from tiktok_claims.versioning import changes_since


class VersionedForm(forms.ModelForm):
    """Carries the version the curator loaded; refuses the save if someone saved the row since."""

    # Not named `version`: a ModelForm may not list the model's non-editable field.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance._state.adding:
            return
        if getattr(instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None) is not None:
            # A revert form shows an old version's values; what it will overwrite is the current row.
            self.initial["seen_version"] = self.stored_version()
        else:
            self.initial["seen_version"] = instance.version

    def stored_version(self, lock=False):
        model = type(self.instance)
        rows = model._default_manager.filter(pk=self.instance.pk)
        database = router.db_for_write(model)
        if lock and connections[database].in_atomic_block:
            # Held until the admin's transaction commits, so two saves cannot both pass the check.
            rows = rows.select_for_update()
        return rows.values_list("version", flat=True).first()

    def clean(self):
        cleaned_data = super().clean()
        if self.instance._state.adding:
            return cleaned_data
        seen_version = cleaned_data.get("seen_version")
        if seen_version is None:
            raise ValidationError(
                "This form has no version number: reload the page and make your edit again."
            )
        stored = self.stored_version(lock=True)
        name = self.instance._meta.verbose_name
        if stored is None:
            raise ValidationError(f"Another curator deleted this {name} after you opened it.")
        if stored != seen_version:
            lines = changes_since(type(self.instance), self.instance.pk, seen_version)
            lines.append(
                f"Your changes were not saved. Reload the {name} to see the current version, then make your "
                "edit again."
            )
            raise ValidationError(lines, code="stale")
        # The save is `UPDATE ... WHERE version = <the version the curator saw>` (a revert's
        # instance carries its old version): a write slipping in after this check fails it.
        self.instance.version = seen_version
        return cleaned_data


class QuoteForm(VersionedForm):
    """Paste the quote and pick the article: the offsets are computed, or checked if typed."""

    occurrence = forms.IntegerField(
        required=False,
        min_value=1,
        help_text="Only for text that occurs more than once in the article: 1 for the first, 2 the second…",
    )

    class Meta:
        model = Quote
        fields = ["claim", "article", "text", "occurrence", "start", "end", "mode", "attribution", "note"]
        help_texts = {
            "start": "Leave start and end empty to have them computed from the text.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned_data = super().clean()
        occurrence = cleaned_data.get("occurrence")
        if occurrence is None:
            return cleaned_data  # Quote.clean() anchors an unambiguous quote or checks typed offsets.
        if cleaned_data.get("start") is not None or cleaned_data.get("end") is not None:
            raise ValidationError(
                {"occurrence": "Give either the offsets or an occurrence, not both: empty start and end."}
            )
        article = cleaned_data.get("article") or getattr(self.instance, "article", None)
        text = cleaned_data.get("text")
        if article is None or not text:
            return cleaned_data
        try:
            cleaned_data["start"], cleaned_data["end"] = anchoring.anchor(article.text, text, occurrence)
        except anchoring.AnchorError as error:
            raise ValidationError({"occurrence": str(error)}) from error
        return cleaned_data


class ClaimForm(forms.ModelForm):
    """The claim's admin form, with the public correction note a save may carry (docs/versions.md)."""

    correction_note = forms.CharField(
        label="Correction note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Public. When this edit corrects an error, say what was wrong: the claim's page will "
        "show “Corrected on <date>: <note>” and /corrections/ will list it. Leave it empty for a plain "
        "fix, such as a typo.",
    )
