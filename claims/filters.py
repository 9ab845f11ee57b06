"""FilterSets shared by the HTML pages and the REST API: one set of parameter names."""

from typing import NamedTuple

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from claims import facets
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
from tiktok_claims.filter_forms import FilterForm, FilterSet
from tiktok_claims.paging import MAX_PAGE_SIZE, MAX_PAGED_ROWS, cached_count


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


class ClaimFilter(NamedTuple):
    """One claim filter, described once: the FilterSet, the chips, the facets and the schema derive from it.

    name: the query parameter; label: how the page names it (chips, facets, error messages);
    filter: its django-filter Filter; description: its text in the OpenAPI schema (choices are
    listed after it); schema: an OpenAPI schema replacing the generated one; facet: how the
    /claims/ page counts its values (claims.facets), None for no facet.
    """

    name: str
    label: str
    filter: django_filters.Filter
    description: str
    schema: object = None
    facet: object = None

    @property
    def choices(self):
        """(value, label) of a choice filter, else None."""
        return self.filter.extra.get("choices")

    @property
    def model(self):
        """The model a filter by slug picks rows of, else None."""
        queryset = self.filter.extra.get("queryset")
        return queryset.model if queryset is not None else None


def _by_slug(plural):
    singular = plural.capitalize()[:-1]
    return f"{singular} slug (e.g. from /api/{plural}/); repeat the parameter for any of several."


SLUG = OpenApiTypes.STR
PARTIAL_DATE = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
ORDERINGS = {
    "said_on": ("Oldest first", ["said_on", "pk"]),
    "-said_on": ("Newest first", ["-said_on", "-pk"]),
    "-rebutted_by": ("Most rebutted", ["-rebutted_by_count", "said_on", "pk"]),
}

# Every claim filter, in the FilterSet's order (the chips' and the browsable API form's); adding
# a filter is adding a line here (and its method on ClaimFilterSet when it has one).
# distinct=False: these follow many-to-one links, so no claim can repeat, and django-filter's
# default DISTINCT made the paginator count every column of every match (151 ms at 100k).
CLAIM_FILTERS = [
    ClaimFilter(
        "q",
        "Search",
        django_filters.CharFilter(method="filter_search", label="Search", max_length=200),
        "Search",
    ),
    ClaimFilter(
        "speaker",
        "Speaker",
        # Filters on the resolved speaker ids, not a join on slug, so PostgreSQL plans with
        # the speaker's real row count (a join hid it: 590 ms vs a few ms at 1M claims).
        django_filters.ModelMultipleChoiceFilter(
            to_field_name="slug", queryset=Speaker.objects.all(), method="filter_speaker"
        ),
        _by_slug("speakers"),
        schema=SLUG,
        facet=facets.top_counts(
            lambda claims: claims,
            "speaker",
            Count("pk"),
            "name",
            top_only=True,
            more="claims:speaker-list",
            position=4,
            tallied="speaker",
        ),
    ),
    ClaimFilter(
        "speaker_kind",
        "Speaker kind",
        django_filters.MultipleChoiceFilter(
            field_name="speaker__kind", choices=SpeakerKind.choices, distinct=False
        ),
        "Kind of speaker; repeat the parameter for any of several.",
        facet=facets.choice_counts("speaker__kind", position=1, tallied="kind"),
    ),
    ClaimFilter(
        "side",
        "Side",
        django_filters.MultipleChoiceFilter(field_name="speaker__side", choices=Side.choices, distinct=False),
        "Side in the debate; repeat the parameter for any of several.",
        facet=facets.choice_counts("speaker__side", position=0, tallied="side"),
    ),
    ClaimFilter(
        "outlet",
        "Outlet",
        django_filters.ModelMultipleChoiceFilter(
            to_field_name="slug", queryset=Outlet.objects.all(), method="filter_outlet"
        ),
        _by_slug("outlets"),
        schema=SLUG,
        facet=facets.top_counts(
            facets.quotes_of,
            "article__outlet",
            Count("claim", distinct=True),
            "name",
            listed=True,
            position=5,
        ),
    ),
    ClaimFilter(
        "article",
        "Article",
        django_filters.ModelMultipleChoiceFilter(
            to_field_name="slug", queryset=Article.objects.all(), method="filter_article"
        ),
        _by_slug("articles"),
        schema=SLUG,
        facet=facets.top_counts(
            facets.quotes_of,
            "article",
            Count("claim", distinct=True),
            "headline",
            top_only=True,
            more="sources:article-list",
            position=6,
        ),
    ),
    ClaimFilter(
        "topic",
        "Topic",
        django_filters.ModelMultipleChoiceFilter(
            to_field_name="slug", queryset=Topic.objects.all(), method="filter_topic"
        ),
        _by_slug("topics"),
        schema=SLUG,
        facet=facets.top_counts(
            facets.topic_links_of, "topic", Count("claim"), "name", listed=True, position=3, tallied="topic"
        ),
    ),
    ClaimFilter(
        "claim_type",
        "Claim type",
        django_filters.MultipleChoiceFilter(choices=ClaimType.choices, distinct=False),
        "Type of claim; repeat the parameter for any of several.",
        facet=facets.choice_counts("claim_type", position=2, tallied="claim_type"),
    ),
    ClaimFilter(
        "said_from",
        "Said from",
        PartialDateFilter(method="filter_said_from", label="Said from (YYYY, YYYY-MM or YYYY-MM-DD)"),
        "Claims whose period reaches this year, month or day or later: 2020, 2020-08 (from 1 Aug) "
        "or 2020-08-13. Month-, year- and range-dated claims match when their period overlaps.",
        schema=PARTIAL_DATE,
    ),
    ClaimFilter(
        "said_to",
        "Said until",
        PartialDateFilter(method="filter_said_to", label="Said until (YYYY, YYYY-MM or YYYY-MM-DD)"),
        "Claims whose period starts by the end of this year, month or day: 2020 (to 31 December), "
        "2020-08 (to 31 August) or 2020-08-13.",
        schema=PARTIAL_DATE,
    ),
    ClaimFilter(
        "is_rebutted",
        "Is rebutted",
        YesNoFilter(method="filter_is_rebutted", label="Is rebutted"),
        "Is rebutted",
        facet=facets.yes_no_counts("rebutted_claim"),
    ),
    ClaimFilter(
        "rebuts",
        "Rebuts other claims",
        YesNoFilter(method="filter_rebuts", label="Rebuts other claims"),
        "Rebuts other claims",
        facet=facets.yes_no_counts("rebutting_claim"),
    ),
    ClaimFilter(
        "relation",
        "Rebuttal relation",
        django_filters.MultipleChoiceFilter(
            choices=RebuttalRelation.choices, method="filter_relation", label="Rebuttal relation"
        ),
        "Rebuttal relation",
        facet=facets.relation_counts(position=7),
    ),
    ClaimFilter(
        "ordering",
        "Sort",
        django_filters.ChoiceFilter(
            choices=[(value, label) for value, (label, _) in ORDERINGS.items()],
            method="filter_ordering",
            label="Sort",
            empty_label="Oldest first",
        ),
        "Sort",
    ),
]
for claim_filter in CLAIM_FILTERS:
    # The schema's text: drf-spectacular reads a filter's help_text (then lists its choices).
    claim_filter.filter.extra["help_text"] = claim_filter.description
    if claim_filter.schema is not None:
        schema = claim_filter.schema
        if isinstance(schema, dict):
            schema = {**schema, "description": claim_filter.description}
        extend_schema_field(schema)(claim_filter.filter)


class ClaimFilterSetMethods(FilterSet):
    """How the method filters of CLAIM_FILTERS filter; ClaimFilterSet declares the filters."""

    ORDERINGS = ORDERINGS

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
            # The rebuttals each claim received, from their summary table (claims/tallies.py):
            # counting them per claim (two joins and a GROUP BY of every claim) took 6.3 s of
            # SQL for the first page at 1M claims, the join about 1 s; the pages read the
            # table's index instead when they can (rebutted_first_within_pages).
            queryset = queryset.alias(rebutted_by_count=Coalesce("rebutted_tally__rebuttals", 0))
        return queryset.order_by(*order_by)


# The FilterSet of CLAIM_FILTERS, named and declared as if written out in a class statement.
ClaimFilterSet = type(
    "ClaimFilterSet",
    (ClaimFilterSetMethods,),
    {
        "__module__": __name__,
        "__doc__": "The claims' filters (CLAIM_FILTERS): the /claims/ page's, the timeline's and the API's.",
        "descriptions": {claim_filter.name: claim_filter for claim_filter in CLAIM_FILTERS},
        **{claim_filter.name: claim_filter.filter for claim_filter in CLAIM_FILTERS},
    },
)


def is_ranked(claims):
    """Whether the claims are in a search's best-match order (PostgreSQL's default for a search)."""
    return claims.query.order_by[:1] == ("-search_rank",)


def is_most_rebutted_first(claims):
    """Whether the claims are in the "Most rebutted" order (ORDERINGS["-rebutted_by"])."""
    return "rebutted_by_count" in claims.query.annotations


def rebutted_first_within_pages(claims, rows=None):
    """(claims, switched): "Most rebutted" pages read from the tally's index when they can.

    The order puts the claims with rebuttals first (most first, then by date), then the others
    by date; ordering every claim by its joined count took about 1 s at 1M claims. When the
    rebutted claims alone fill the rows asked for (rows: up to the last row of the page shown;
    by default every row the pages offer, which stop at MAX_PAGED_ROWS), those rows are the
    first rebutted claims, read in order from the tally's index: the same rows as the whole
    order, page 1 in milliseconds. switched: whether they are (a count of the claims returned
    is then not the list's).
    """
    rebutted = claims.filter(rebutted_tally__rebuttals__gt=0)
    enough = rows or MAX_PAGED_ROWS + MAX_PAGE_SIZE
    if rebutted.order_by().values("pk")[:enough].count() < enough:
        return claims, False
    return rebutted.order_by("-rebutted_tally__rebuttals", "said_on", "pk"), True


def ranked_unless_too_many(claims, exact=True):
    """(claims, count, unranked): a ranked search in time order when it matches MAX_PAGED_ROWS or more.

    Ranking scores every match before the first page is known (1.3 s for the 561,550 claims
    matching "data" at 1M); time order walks the (said_on, id) index. One rule for the /claims/
    page and the API. count is the claims' (exact and cached, for the API's count); without exact
    only up to the cap, None past it (the page counts within its budget); an ordering asked for,
    or SQLite's unranked search, is kept as it is.
    """
    if not is_ranked(claims):
        return claims, None, False
    chronological = claims.chronological()
    if exact:
        count = cached_count(chronological)
    else:
        # Counting stops at the cap: the exact count of half a million matches took 0.8 s at 1M.
        count = chronological.order_by().values("pk")[:MAX_PAGED_ROWS].count()  # (no rank computed)
    if count >= MAX_PAGED_ROWS:
        return chronological, count if exact else None, True
    return claims, count, False
