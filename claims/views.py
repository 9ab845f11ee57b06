from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import DetailView, ListView

from claims.filters import ClaimFilterSet, claim_facets
from claims.highlighting import matching_excerpt
from claims.jsonld import claim_jsonld
from claims.models import Claim, Quote, Rebuttal, Side, Speaker
from claims.timeline import timeline_layout
from sources.models import Article, Outlet
from tiktok_claims.api import MAX_PAGED_ROWS, CountCachingPaginator


def filter_errors(filterset):
    """(label, parameter, messages) for each invalid filter, for the message above the list."""
    if filterset.is_valid():
        return []
    return [
        (FILTER_LABELS.get(name, "Filters"), name if name in FILTER_LABELS else "", errors)
        for name, errors in filterset.errors.items()
    ]


def filtered_claims(request):
    """The claim FilterSet bound to the query string, and its claims (none when a filter is invalid)."""
    filterset = ClaimFilterSet(request.GET, queryset=Claim.objects.chronological())
    if not filterset.is_valid():
        return filterset, Claim.objects.none()
    return filterset, filterset.qs


# How the removable list of active filters names each parameter.
FILTER_LABELS = {
    "q": "Search",
    "speaker": "Speaker",
    "speaker_kind": "Speaker kind",
    "side": "Side",
    "outlet": "Outlet",
    "article": "Article",
    "topic": "Topic",
    "claim_type": "Claim type",
    "said_from": "Said from",
    "said_to": "Said until",
    "is_rebutted": "Is rebutted",
    "rebuts": "Rebuts other claims",
    "relation": "Rebuttal relation",
    "ordering": "Sort",
}


def active_filters(filterset):
    """(parameter, filter label, value, value label) for each filter value in the query string."""
    cleaned = filterset.form.cleaned_data if filterset.is_valid() else {}
    chips = []
    for name, filter_ in filterset.filters.items():
        if name not in FILTER_LABELS or name == "ordering":
            continue
        values = cleaned.get(name)
        if isinstance(values, QuerySet):  # model choices: name each by its row, no extra query
            names = {item.slug: str(item) for item in values}
        else:
            names = {str(value): str(label) for value, label in getattr(filter_.field, "choices", None) or []}
        for value in filterset.data.getlist(name):
            if value == "":
                continue
            label = names.get(value, value)
            if name in ("is_rebutted", "rebuts"):
                label = {"true": "yes", "false": "no"}.get(value.lower(), value)
            chips.append((name, FILTER_LABELS[name], value, label))
    return chips


def export_query(request):
    """The list's filters as a query string for the API's JSON and CSV of the same claims."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ClaimListView(ListView):
    paginate_by = 25
    # The API's paginator: counts of MAX_PAGED_ROWS or more cached, pages stop at that row.
    paginator_class = CountCachingPaginator
    template_name = "claims/claim_list.html"
    past_last_page = False  # a page number past MAX_PAGED_ROWS
    unranked = False  # a search with too many matches to rank, listed in time order
    listed_count = None

    def get_queryset(self):
        self.filterset, claims = filtered_claims(self.request)
        return claims.select_related("speaker").prefetch_related("quotes")

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get(self.page_kwarg) or ""
        if page.isdigit() and (int(page) - 1) * page_size >= MAX_PAGED_ROWS:
            # Past the cap: this page says so and keeps the filters, to narrow the list with.
            self.past_last_page = True
            return self.get_paginator(queryset, page_size), None, queryset.none(), False
        if queryset.query.order_by[:1] == ("-search_rank",):
            # Ranking scores every match before the first 25 are known (1.3 s for the 561,550
            # claims matching "data" at 1M): past MAX_PAGED_ROWS matches the list keeps time order.
            chronological = queryset.order_by(*Claim._meta.ordering)
            self.listed_count = self.get_paginator(chronological, page_size).count
            if self.listed_count >= MAX_PAGED_ROWS:
                self.unranked = True
                queryset = chronological
        return super().paginate_queryset(queryset, page_size)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if queryset.query.is_empty():
            paginator.count = 0  # none() has no SQL for the count cache's key
        elif self.listed_count is not None:
            paginator.count = self.listed_count  # counted above, under the other order
        return paginator

    def render_to_response(self, context, **response_kwargs):
        if self.past_last_page:
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        query = self.request.GET.get("q", "") if filterset.is_valid() else ""
        listed_count = context["paginator"].count if filterset.is_valid() else 0
        facets, yes_no_counts = claim_facets(filterset, listed_count) if filterset.is_valid() else ([], {})
        # Rebuttal counts for this page only, so the paginator counts the plain filtered claims.
        page = list(context["object_list"])
        counts = {
            row["pk"]: row
            for row in Claim.objects.filter(pk__in=[claim.pk for claim in page])
            .with_rebuttal_counts()
            .values("pk", "rebutted_by_count", "rebuts_count")
        }
        for claim in page:
            claim.rebutted_by_count = counts[claim.pk]["rebutted_by_count"]
            claim.rebuts_count = counts[claim.pk]["rebuts_count"]
            excerpts = (matching_excerpt(quote.text, query) for quote in claim.quotes.all()) if query else []
            claim.matching_quote = next((excerpt for excerpt in excerpts if excerpt), None)
        context.update(
            object_list=page,
            filterset=filterset,
            query=query,
            chips=active_filters(filterset),
            filter_errors=filter_errors(filterset),
            facets=facets,
            rebuttal_counts=yes_no_counts,
            past_last_page=self.past_last_page,
            max_paged_rows=f"{MAX_PAGED_ROWS:,}",
            capped=listed_count > MAX_PAGED_ROWS,
            unranked=self.unranked,
            query_string=self.request.GET.urlencode(),
            export_query=export_query(self.request),
            orderings=[
                (value, label)
                for value, (label, _) in ClaimFilterSet.ORDERINGS.items()
                if (query and not self.unranked) or value != "said_on"
            ],
            section="claims",
        )
        return context


class ClaimDetailView(DetailView):
    queryset = Claim.objects.select_related("speaker__affiliation").prefetch_related(
        "topics", Prefetch("quotes", queryset=Quote.objects.select_related("article__outlet"))
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.object
        context.update(
            rebuttals_received=claim.rebuttals_received.select_related("rebutting_claim__speaker"),
            rebuttals_made=claim.rebuttals_made.select_related("rebutted_claim__speaker"),
            same_speaker_claims=Claim.objects.filter(speaker=claim.speaker_id)
            .exclude(pk=claim.pk)
            .chronological()[:10],
            claim_url=self.request.build_absolute_uri(claim.get_absolute_url()),
            jsonld=claim_jsonld(claim, self.request),
            api_url=reverse("api:claim-detail", args=[claim.pk]),
            jsonld_url=reverse("api:claim-jsonld", args=[claim.pk]),
            section="claims",
        )
        return context


class SpeakerListView(ListView):
    extra_context = {"section": "speakers"}
    template_name = "claims/speaker_list.html"

    def get_queryset(self):
        speakers = Speaker.objects.select_related("affiliation").annotate(claim_count=Count("claims"))
        # Sides in the debate's order (as on the timeline), not alphabetically.
        return sorted(speakers, key=lambda speaker: (Side.values.index(speaker.side), speaker.name))


class SpeakerDetailView(DetailView):
    extra_context = {"section": "speakers"}
    queryset = Speaker.objects.select_related("affiliation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        speaker = self.object
        context.update(
            members=speaker.members.order_by("name"),
            claims=speaker.claims.with_rebuttal_counts().chronological(),
            rebuttals_received=Rebuttal.objects.filter(rebutted_claim__speaker=speaker)
            .select_related("rebutting_claim__speaker", "rebutted_claim")
            .order_by("rebutted_claim__said_on", "rebutting_claim__said_on", "pk"),
            rebuttals_made=Rebuttal.objects.filter(rebutting_claim__speaker=speaker)
            .select_related("rebutted_claim__speaker", "rebutting_claim")
            .order_by("rebutting_claim__said_on", "rebutted_claim__said_on", "pk"),
        )
        return context


def timeline_drawing(claims, rows_by="speaker"):
    """The layout for these claims and the rebuttals between them: two queries."""
    claims = list(
        claims.select_related("speaker").only(
            "said_on", "said_on_precision", "summary", "speaker__name", "speaker__slug", "speaker__side"
        )
    )
    ids = [claim.pk for claim in claims]
    rebuttals = Rebuttal.objects.filter(rebutting_claim__in=ids, rebutted_claim__in=ids).values_list(
        "rebutting_claim_id", "rebutted_claim_id", "relation"
    )
    return timeline_layout(claims, rebuttals, rows_by=rows_by)


def timeline(request):
    filterset, claims = filtered_claims(request)
    context = {
        "filterset": filterset,
        "layout": timeline_drawing(claims.order_by()),
        "chips": active_filters(filterset),
        "filter_errors": filter_errors(filterset),
        "sides": Side.choices,
        "selected_sides": request.GET.getlist("side"),
        "section": "timeline",
    }
    return render(request, "claims/timeline.html", context)


def home(request):
    counts = Claim.objects.aggregate(
        claims=Count("pk", distinct=True),
        rebutted=Count("pk", filter=Q(rebuttals_received__isnull=False), distinct=True),
    )
    context = {
        "claim_count": counts["claims"],
        "rebutted_count": counts["rebutted"],
        "speaker_count": Speaker.objects.count(),
        "article_count": Article.objects.count(),
        "outlet_count": Outlet.objects.count(),
        "rebuttal_count": Rebuttal.objects.count(),
        "layout": timeline_drawing(Claim.objects.all(), rows_by="side"),
        "most_rebutted": Claim.objects.with_rebuttal_counts()
        .filter(rebutted_by_count__gt=0)
        .select_related("speaker")
        .order_by("-rebutted_by_count", "said_on", "pk")[:5],
    }
    return render(request, "home.html", context)
