"""FilterSets shared by the HTML pages and the REST API: one set of parameter names."""

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q

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
from sources.models import Article, Outlet

NUL_MESSAGE = "This value contains a NUL character (%00), which is not allowed."


class FilterForm(forms.Form):
    """Rejects NUL characters before any field touches the database (PostgreSQL refuses them)."""

    def __init__(self, data=None, *args, **kwargs):
        self.fields_with_nul = []
        if data is not None:
            data = data.copy()
            for name in list(data.keys()):
                values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
                if any("\x00" in str(value) for value in values):
                    self.fields_with_nul.append(name)
                    del data[name]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        for name in self.fields_with_nul:
            # A parameter, not a bare "%" in the message: django-filter's API errors %-format it.
            error = forms.ValidationError(
                NUL_MESSAGE.replace("%00", "%(character)s"), code="nul_character", params={"character": "%00"}
            )
            self.add_error(name if name in self.fields else None, error)
        return cleaned_data


class ClaimFilterSet(django_filters.FilterSet):
    ORDERINGS = {
        "said_on": ("Oldest first", ["said_on", "pk"]),
        "-said_on": ("Newest first", ["-said_on", "-pk"]),
        "-rebutted_by": ("Most rebutted", ["-rebutted_by_count", "said_on", "pk"]),
    }

    q = django_filters.CharFilter(method="filter_search", label="Search", max_length=200)
    # distinct=False: these follow many-to-one links, so no claim can repeat, and django-filter's
    # default DISTINCT made the paginator count every column of every match (151 ms at 100k).
    speaker = django_filters.ModelMultipleChoiceFilter(
        field_name="speaker__slug", to_field_name="slug", queryset=Speaker.objects.all(), distinct=False
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
    said_from = django_filters.DateFilter(method="filter_said_from", label="Said from (YYYY-MM-DD)")
    said_to = django_filters.DateFilter(method="filter_said_to", label="Said until (YYYY-MM-DD)")
    is_rebutted = django_filters.BooleanFilter(method="filter_is_rebutted", label="Is rebutted")
    rebuts = django_filters.BooleanFilter(method="filter_rebuts", label="Rebuts other claims")
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
        return queryset.said_between(value, None)

    def filter_said_to(self, queryset, name, value):
        return queryset.said_between(None, value)

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


class FacetOption:
    """One value of a facet: what the checkbox shows and how many claims it would match."""

    def __init__(self, value, label, count, selected):
        self.value, self.label, self.count, self.selected = value, label, count, selected


class Facet:
    def __init__(self, name, label, options):
        self.name, self.label, self.options = name, label, options


# Facets in the order the filter form shows them: (parameter, label, what to count claims by).
FACETS = [
    ("side", "Side", "speaker__side"),
    ("speaker_kind", "Speaker kind", "speaker__kind"),
    ("claim_type", "Claim type", "claim_type"),
    ("topic", "Topic", "topics__slug"),
    ("speaker", "Speaker", "speaker__slug"),
    ("outlet", "Outlet", "quotes__article__outlet__slug"),
    ("article", "Article", "quotes__article__slug"),
]
FACET_LABELS = {
    "side": dict(Side.choices),
    "speaker_kind": dict(SpeakerKind.choices),
    "claim_type": dict(ClaimType.choices),
}
FACET_NAMES = {
    "topic": ("topics__name", Topic),
    "speaker": ("speaker__name", Speaker),
    "outlet": ("quotes__article__outlet__name", Outlet),
    "article": ("quotes__article__headline", Article),
}


def _claims_without(filterset, name):
    """The filterset's claims under every filter but one: its already-validated values, no new queries."""
    queryset = Claim.objects.all()
    for filter_name, value in filterset.form.cleaned_data.items():
        if filter_name not in (name, "ordering"):
            queryset = filterset.filters[filter_name].filter(queryset, value)
    return Claim.objects.filter(pk__in=queryset.order_by().values("pk"))


def claim_facets(filterset):
    """Facets for a valid ClaimFilterSet: each value with how many claims it would match.

    A facet counts claims under every other active filter (its own is left out), so ticking a
    second value of the same facet shows what it would add. One query per facet, whatever the rows.
    """
    selected = {name: [str(value) for value in filterset.data.getlist(name)] for name in filterset.filters}
    facets = []
    for name, label, path in FACETS:
        claims = _claims_without(filterset, name)
        fields = [path]
        if name in FACET_NAMES:
            fields.append(FACET_NAMES[name][0])
        rows = claims.order_by().values(*fields).annotate(count=Count("pk", distinct=True))
        options = {}
        for row in rows:
            value = row[path]
            if value is None:
                continue
            title = row[fields[-1]] if name in FACET_NAMES else FACET_LABELS[name].get(value, value)
            options[value] = FacetOption(value, title, row["count"], value in selected[name])
        for value in selected[name]:
            if value not in options:
                title = FACET_LABELS.get(name, {}).get(value, value)
                cleaned = filterset.form.cleaned_data.get(name) or []
                for instance in cleaned if name in FACET_NAMES else []:
                    if instance.slug == value:
                        title = str(instance)
                options[value] = FacetOption(value, title, 0, True)
        ordered = sorted(options.values(), key=lambda option: (-option.count, option.label))
        facets.append(Facet(name, label, ordered))
    facets.append(_relation_facet(filterset, selected["relation"]))
    return facets


def _relation_facet(filterset, selected):
    claims = _claims_without(filterset, "relation")
    counts = claims.aggregate(
        **{
            value: Count(
                "pk",
                filter=Exists(
                    Rebuttal.objects.filter(
                        Q(rebutting_claim=OuterRef("pk")) | Q(rebutted_claim=OuterRef("pk")), relation=value
                    )
                ),
            )
            for value in RebuttalRelation.values
        }
    )
    options = [
        FacetOption(value, label, counts[value], value in selected)
        for value, label in RebuttalRelation.choices
        if counts[value] or value in selected
    ]
    return Facet("relation", "Rebuttal relation", options)


def rebuttal_counts(filterset):
    """How many claims the is_rebutted / rebuts filters would keep, under the other filters."""
    counts = {}
    for name, related in (("is_rebutted", "rebutted_claim"), ("rebuts", "rebutting_claim")):
        claims = _claims_without(filterset, name)
        linked = Exists(Rebuttal.objects.filter(**{related: OuterRef("pk")}))
        counts[name] = claims.aggregate(yes=Count("pk", filter=linked), total=Count("pk"))
        counts[name]["no"] = counts[name]["total"] - counts[name]["yes"]
    return counts
