"""FilterSets shared by the HTML pages and the REST API: one set of parameter names."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from claims.models import (
    Claim,
    ClaimType,
    Quote,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
    Topic,
)
from sources.dates import PartialDate
from sources.models import Article, Outlet
from tiktok_claims.filter_forms import FilterForm
from tiktok_claims.paging import MAX_PAGED_ROWS, cached_count


class YesNoField(forms.NullBooleanField):
    """true, false or nothing; any other value is an error, not silently ignored."""

    # A plain select hands the raw value to the field (NullBooleanSelect turns junk into None).
    widget = forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")])

    def to_python(self, value):
        if value in (None, "", "unknown"):
            return None
        result = super().to_python(value)
        if result is None:
            raise forms.ValidationError("Use true or false.", code="invalid")
        return result


class PartialDateField(forms.CharField):
    """A date as far as it is known, 2020, 2020-08 or 2020-08-13, standing for its whole period."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return PartialDate(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class ClaimFilterSet(django_filters.FilterSet):
    ORDERINGS = {
        "said_on": ("Oldest first", ["said_on", "pk"]),
        "-said_on": ("Newest first", ["-said_on", "-pk"]),
        "-rebutted_by": ("Most rebutted", ["-rebutted_by_count", "said_on", "pk"]),
    }

    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)
    # distinct=False: these follow many-to-one links, so no claim can repeat, and django-filter's
    # default DISTINCT made the paginator count every column of every match (151 ms at 100k).
    # Filters on the resolved speaker ids, not a join on slug, so PostgreSQL plans
    # with the speaker's real row count (a join hid it: 590 ms vs a few ms at 1M claims).
    speaker = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Speaker.objects.all(), method="filter_speaker"
    )
    speaker_kind = django_filters.MultipleChoiceFilter(
        field_name="speaker__kind", choices=SpeakerKind.choices, distinct=False
    )
    side = django_filters.MultipleChoiceFilter(
        field_name="speaker__side", choices=Side.choices, distinct=False
    )
    outlet = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Outlet.objects.all(), method="filter_outlet"
    )
    article = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Article.objects.all(), method="filter_article"
    )
    topic = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Topic.objects.all(), method="filter_topic"
    )
    claim_type = django_filters.MultipleChoiceFilter(choices=ClaimType.choices, distinct=False)
    said_from = PartialDateFilter(method="filter_said_from", label="Said from (YYYY, YYYY-MM or YYYY-MM-DD)")
    said_to = PartialDateFilter(method="filter_said_to", label="Said until (YYYY, YYYY-MM or YYYY-MM-DD)")
    is_rebutted = YesNoFilter(method="filter_is_rebutted", label="Is rebutted")
    rebuts = YesNoFilter(method="filter_rebuts", label="Rebuts other claims")
    relation = django_filters.MultipleChoiceFilter(
        choices=RebuttalRelation.choices, method="filter_relation", label="Rebuttal relation"
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(value, label) for value, (label, _) in ORDERINGS.items()],
        method="filter_ordering",
        label="Sort",
        empty_label="Oldest first",
    )

    class Meta:
        model = Claim
        fields = []
        form = FilterForm

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_speaker(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(speaker__in=value)

    def filter_outlet(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(Quote.objects.filter(claim=OuterRef("pk"), article__outlet__in=value)))

    def filter_article(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(Quote.objects.filter(claim=OuterRef("pk"), article__in=value)))

    def filter_topic(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Exists(Claim.topics.through.objects.filter(claim=OuterRef("pk"), topic__in=value))
        )

    def filter_said_from(self, queryset, name, value):
        # Both ends in one condition: the database reads only the days between them from its
        # date indexes (two conditions made it read a speaker's claims up to said_to).
        said_to = self.form.cleaned_data.get("said_to")
        return queryset.said_between(value.first, said_to.last if said_to is not None else None)

    def filter_said_to(self, queryset, name, value):
        if self.form.cleaned_data.get("said_from") is not None:
            return queryset  # applied with said_from
        return queryset.said_between(None, value.last)

    def filter_is_rebutted(self, queryset, name, value):
        rebutted = Exists(Rebuttal.objects.filter(rebutted_claim=OuterRef("pk")))
        return queryset.filter(rebutted if value else ~rebutted)

    def filter_rebuts(self, queryset, name, value):
        rebuts = Exists(Rebuttal.objects.filter(rebutting_claim=OuterRef("pk")))
        return queryset.filter(rebuts if value else ~rebuts)

    def filter_relation(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                Rebuttal.objects.filter(
                    Q(rebutting_claim=OuterRef("pk")) | Q(rebutted_claim=OuterRef("pk")), relation__in=value
                )
            )
        )

    def filter_ordering(self, queryset, name, value):
        label, order_by = self.ORDERINGS[value]
        if value == "-rebutted_by":
            queryset = queryset.with_rebuttal_counts()
        return queryset.order_by(*order_by)


def is_ranked(claims):
    """Whether the claims are in a search's best-match order (PostgreSQL's default for a search)."""
    return claims.query.order_by[:1] == ("-search_rank",)


def ranked_unless_too_many(claims):
    """(claims, count, unranked): a ranked search in time order when it matches MAX_PAGED_ROWS or more.

    Ranking scores every match before the first page is known (1.3 s for the 561,550 claims
    matching "data" at 1M); time order walks the (said_on, id) index. One rule for the /claims/
    page and the API. count is the claims' (cached when big), None when they were not ranked;
    an ordering asked for, or SQLite's unranked search, is kept as it is.
    """
    if not is_ranked(claims):
        return claims, None, False
    chronological = claims.chronological()
    count = cached_count(chronological)
    if count >= MAX_PAGED_ROWS:
        return chronological, count, True
    return claims, count, False
