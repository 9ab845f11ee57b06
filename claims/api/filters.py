"""The API's FilterSets (the claims' are the /claims/ page's, plus search) and their browsable form."""

import django_filters
from django import forms
from django.utils.safestring import mark_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from claims.filters import ClaimFilterSet
from claims.models import (
    Claim,
    Quote,
    QuoteMode,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
    Topic,
)
from sources.models import Article
from tiktok_claims.filter_forms import FilterForm, FilterSet
from tiktok_claims.paging import ID_PATTERN


class IdChoiceField(forms.ModelChoiceField):
    """A row by numeric id; refuses text and ids too big for the database before querying."""

    def to_python(self, value):
        if value not in self.empty_values and not forms.RegexField(ID_PATTERN).regex.fullmatch(str(value)):
            raise forms.ValidationError("Enter a numeric id.", code="invalid_choice")
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdChoiceField


class RepeatableTextInput(forms.TextInput):
    """A text box per value given, and an empty one to add another; read like a multiple select.

    Empty boxes are left out, so submitting the form with some unfilled sends no bad value.
    """

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]

    def value_omitted_from_data(self, data, files, name):
        return False  # as a multiple select's: no value is an empty list

    def render(self, name, value, attrs=None, renderer=None):
        boxes = []
        for item in [*(value or []), ""]:
            boxes.append(super().render(name, item, attrs, renderer))
            attrs = {key: text for key, text in (attrs or {}).items() if key != "id"}  # one id, for the label
        return mark_safe("\n".join(boxes))


class ApiFilterForm(FilterForm):
    """The browsable API's filter form: a row is typed as its slug or id, never picked from every row.

    A select of every speaker, article or claim made the form megabytes at 100,000 claims. The
    parameters mean what they meant, but an empty one is ignored, as an unfilled box sends it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = ""  # a claim filter's is its OpenAPI text, which the API docs show
            if field.label == "[invalid name]":  # django-filter's label for a method filter's name
                field.label = name.replace("_", " ").capitalize()
            if isinstance(field, forms.ModelChoiceField):
                multiple = isinstance(field, forms.ModelMultipleChoiceField)
                field.widget = (RepeatableTextInput if multiple else forms.TextInput)(
                    attrs={"placeholder": field.to_field_name or "id"}
                )


class TopicFilterSet(FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Topic
        fields = []
        form = FilterForm


class SpeakerFilterSet(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=SpeakerKind.choices)
    side = django_filters.MultipleChoiceFilter(choices=Side.choices)
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["name", "slug", "kind", "side"])

    class Meta:
        model = Speaker
        fields = []
        form = FilterForm


class ClaimApiFilterSet(ClaimFilterSet):
    """The /claims/ page's filters, plus `search` (the same as q)."""

    search = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)

    class Meta(ClaimFilterSet.Meta):
        form = ApiFilterForm

    def filter_queryset(self, queryset):
        # search is declared after ordering, so its rank order (PostgreSQL) replaced an explicit
        # ordering; the order asked for is applied last, as it is with q.
        for name, value in self.form.cleaned_data.items():
            if name != "ordering":
                queryset = self.filters[name].filter(queryset, value)
        return self.filters["ordering"].filter(queryset, self.form.cleaned_data.get("ordering"))


class QuoteFilterSet(FilterSet):
    article = django_filters.ModelChoiceFilter(to_field_name="slug", queryset=Article.objects.all())
    claim = IdChoiceFilter(queryset=Claim.objects.all())
    mode = django_filters.ChoiceFilter(choices=QuoteMode.choices)
    search = django_filters.CharFilter(field_name="text", lookup_expr="icontains", max_length=200)
    ordering = django_filters.OrderingFilter(fields=["start", "id"])

    class Meta:
        model = Quote
        fields = []
        form = ApiFilterForm


class RebuttalFilterSet(FilterSet):
    relation = django_filters.MultipleChoiceFilter(choices=RebuttalRelation.choices)
    claim = extend_schema_field(OpenApiTypes.INT)(
        IdChoiceFilter(queryset=Claim.objects.all(), method="filter_claim", label="Either claim (id)")
    )
    rebutting_claim = IdChoiceFilter(queryset=Claim.objects.all())
    rebutted_claim = IdChoiceFilter(queryset=Claim.objects.all())
    ordering = django_filters.OrderingFilter(fields=["id", "relation"])

    class Meta:
        model = Rebuttal
        fields = []
        form = ApiFilterForm

    def filter_claim(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rebutting_claim=value) | queryset.filter(rebutted_claim=value)
