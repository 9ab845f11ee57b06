from django.core.paginator import InvalidPage
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.generic import DetailView, ListView

from claims import versions
from claims.citations import claim_citation
from claims.facets import FacetBlock
from claims.filters import ClaimFilterSet
from claims.highlighting import matching_excerpt
from claims.jsonld import claim_jsonld, vocabulary_jsonld
from claims.listing import ClaimCount, ClaimListing
from claims.models import Claim, Quote, Rebuttal, Side, Speaker
from claims.tallies import home_counts, speaker_claim_counts
from claims.timeline import TallyFilter, timeline_drawing
from claims.timeline import queries as timeline_queries
from claims.wordings import side_by_side
from sources.models import Article, Outlet
from tiktok_claims import readcache
from tiktok_claims.paging import MAX_PAGED_ROWS, CountCachingPaginator, Paginator, whole_number

SPEAKER_COUNTS_KEY = "speaker-claim-counts"


def export_query(request):
    """The list's filters as a query string for the API's JSON and CSV of the same claims."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def add_rebuttal_counts(page):
    """The page's claims as a list, each with rebutted_by_count and rebuts_count: one query.

    Counted for the page's claims only, so the paginator counts the plain claims, not a GROUP BY.
    """
    claims = list(page)
    counts = {
        row["pk"]: row
        for row in Claim.objects.filter(pk__in=[claim.pk for claim in claims])
        .with_rebuttal_counts()
        .values("pk", "rebutted_by_count", "rebuts_count")
    }
    for claim in claims:
        claim.rebutted_by_count = counts[claim.pk]["rebutted_by_count"]
        claim.rebuts_count = counts[claim.pk]["rebuts_count"]
    return claims


class ClaimListView(ListView):
    paginate_by = 25
    # The API's paginator: counts of MAX_PAGED_ROWS or more cached, pages stop at that row.
    paginator_class = CountCachingPaginator
    template_name = "claims/claim_list.html"
    past_last_page = False  # a page number past MAX_PAGED_ROWS
    unranked = False  # a search with too many matches to rank, listed in time order
    count = None

    def get_queryset(self):
        self.listing = ClaimListing(self.request.GET)
        return self.listing.claims.select_related("speaker").prefetch_related("quotes")

    def paginate_queryset(self, queryset, page_size):
        page = self.request.GET.get(self.page_kwarg) or ""
        number = whole_number(page)
        if number is not None and (number - 1) * page_size >= MAX_PAGED_ROWS:
            # Past the cap: this page says so and keeps the filters, to narrow the list with.
            self.past_last_page = True
            return self.get_paginator(queryset, page_size), None, queryset.none(), False
        rows = self.listing.last_row(page or 1, page_size)
        queryset, _, self.unranked = self.listing.ordered(queryset, exact=False, rows=rows)
        return super().paginate_queryset(queryset, page_size)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        # From the cache, or within the listing's count budget (else "more than 10,000", counted later).
        self.count = ClaimCount(0) if queryset.query.is_empty() else self.listing.count()
        paginator.count = self.count.number
        return paginator

    def render_to_response(self, context, **response_kwargs):
        if self.past_last_page:
            response_kwargs["status"] = 404
        response = super().render_to_response(context, **response_kwargs)
        if context["facets_counting"]:
            # Not the final answer: neither the read cache nor a proxy keeps it (its script, or a
            # reload, fetches the counts once they are in the cache).
            response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listing = self.listing
        valid = listing.valid
        query = self.request.GET.get("q", "") if valid else ""
        listed_count = context["paginator"].count if valid else 0
        facets = listing.facets(listed_count) if valid else FacetBlock([], {}, counting=False)
        count_exact = self.count is None or self.count.exact
        count_known = self.count is None or self.count.known
        page = add_rebuttal_counts(context["object_list"])
        for claim in page:
            excerpts = (matching_excerpt(quote.text, query) for quote in claim.quotes.all()) if query else []
            claim.matching_quote = next((excerpt for excerpt in excerpts if excerpt), None)
        query_string = self.request.GET.urlencode()
        context.update(
            object_list=page,
            filterset=listing.filterset,
            query=query,
            chips=listing.chips(),
            filter_errors=listing.filter_errors(),
            facets=facets.facets,
            rebuttal_counts=facets.yes_no,
            # Some figure is still being counted in the background: the page's script fills it in.
            facets_counting=facets.counting or not count_exact,
            count_exact=count_exact,
            count_known=count_known,
            facets_url=f"{reverse('claims:claim-facets')}?{query_string}",
            past_last_page=self.past_last_page,
            max_paged_rows=f"{MAX_PAGED_ROWS:,}",
            capped=listing.capped(listed_count),
            unranked=self.unranked,
            query_string=query_string,
            export_query=export_query(self.request),
            orderings=[
                (value, label)
                for value, (label, _) in ClaimFilterSet.ORDERINGS.items()
                if (query and not self.unranked) or value != "said_on"
            ],
            section="claims",
        )
        return context


def claim_facets_fragment(request):
    """The /claims/ page's facet block for the same query, from the cache only: the page's fill-in.

    {"complete": false} while some are still being counted (asked again later), else the block's
    HTML. Never counts: the page's request handed the counting to the background.
    """
    listing = ClaimListing(request.GET)
    if not listing.valid:
        errors = {name: [str(message) for message in messages] for name, messages in listing.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    facets = listing.facets(listed_count=0, count=False)
    count = listing.count(compute=False)
    if facets.counting or count is None:
        response = JsonResponse({"complete": False})
        response["Cache-Control"] = "no-store"
        return response
    html = render_to_string(
        "claims/_facets.html",
        {"facets": facets.facets, "rebuttal_counts": facets.yes_no, "request": request},
    )
    return JsonResponse({"complete": True, "html": html, "count": claim_count_text(count.number)})


def claim_count_text(number):
    """How the list names its number of claims: "43,797 claims"."""
    return f"{number:,} claim{'' if number == 1 else 's'}"


class ClaimDetailView(DetailView):
    queryset = Claim.objects.select_related("speaker__affiliation").prefetch_related(
        "topics", Prefetch("quotes", queryset=Quote.objects.select_related("article__outlet"))
    )

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            return versions.tombstone(request, kwargs["pk"])  # 410 for a deleted claim, else 404

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.object
        # Read once, for the page and its JSON-LD.
        received = list(claim.rebuttals_received.select_related("rebutting_claim__speaker"))
        made = list(claim.rebuttals_made.select_related("rebutted_claim__speaker"))
        context.update(
            rebuttals_received=received,
            rebuttals_made=made,
            same_speaker_claims=Claim.objects.filter(speaker=claim.speaker_id)
            .exclude(pk=claim.pk)
            .chronological()[:10],
            claim_url=self.request.build_absolute_uri(claim.get_absolute_url()),
            citation=claim_citation(claim, self.request.build_absolute_uri(claim.get_absolute_url())),
            jsonld=claim_jsonld(claim, self.request, made, received),
            wordings=side_by_side(claim.quotes.all()),
            api_url=reverse("api:claim-detail", args=[claim.pk]),
            jsonld_url=reverse("api:claim-jsonld", args=[claim.pk]),
            section="claims",
        )
        return context


class SpeakerListView(ListView):
    extra_context = {"section": "speakers"}
    template_name = "claims/speaker_list.html"
    # 3,873 speakers at a million claims: a page of 200 renders in a tenth of the time of all.
    paginate_by = 200

    def get_queryset(self):
        # Claims per speaker from the summary table (claims/tallies.py): 11,600 rows at a million
        # claims, where grouping the claims took 0.36 s; once per corpus version.
        counts = readcache.get_or_compute(SPEAKER_COUNTS_KEY, (), speaker_claim_counts)
        speakers = list(Speaker.objects.select_related("affiliation"))
        # One reverse() for the page, not one per speaker (a third of the time for 3,873 rows).
        url = reverse("claims:speaker-detail", args=["slug"])
        for speaker in speakers:
            speaker.claim_count = counts.get(speaker.pk, 0)
            speaker.url = url.replace("/slug/", f"/{speaker.slug}/")
        # Sides in the debate's order (as on the timeline), not alphabetically.
        return sorted(speakers, key=lambda speaker: (Side.values.index(speaker.side), speaker.name))


class SpeakerDetailView(DetailView):
    extra_context = {"section": "speakers"}
    queryset = Speaker.objects.select_related("affiliation")
    # The busiest generated speaker has 113,000 claims and 34,000 rebuttals at a million claims:
    # their claims come 50 a page, and each rebuttal list stops at 20, the rest on the claim list.
    claims_per_page = 50
    rebuttals_shown = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        speaker = self.object
        paginator = Paginator(speaker.claims.chronological(), self.claims_per_page)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(str(error)) from error
        claims = add_rebuttal_counts(page.object_list)
        received = list(
            Rebuttal.objects.filter(rebutted_claim__speaker=speaker)
            .select_related("rebutting_claim__speaker", "rebutted_claim")
            .order_by("rebutted_claim__said_on", "rebutting_claim__said_on", "pk")[: self.rebuttals_shown + 1]
        )
        made = list(
            Rebuttal.objects.filter(rebutting_claim__speaker=speaker)
            .select_related("rebutted_claim__speaker", "rebutting_claim")
            .order_by("rebutting_claim__said_on", "rebutted_claim__said_on", "pk")[: self.rebuttals_shown + 1]
        )
        context.update(
            members=speaker.members.order_by("name"),
            claims=claims,
            page_obj=page,
            rebuttals_received=received[: self.rebuttals_shown],
            more_rebuttals_received=len(received) > self.rebuttals_shown,
            rebuttals_made=made[: self.rebuttals_shown],
            more_rebuttals_made=len(made) > self.rebuttals_shown,
        )
        return context


def timeline(request):
    listing = ClaimListing(request.GET)
    layout = _timeline_layout(request, listing)
    context = {
        "filterset": listing.filterset,
        "layout": layout,
        "drawing_url": f"{reverse('claims:timeline-drawing')}?{request.GET.urlencode()}",
        "chips": listing.chips(),
        "filter_errors": listing.filter_errors(),
        "sides": Side.choices,
        "selected_sides": request.GET.getlist("side"),
        "max_drawn_claims": timeline_queries.MAX_DRAWN_CLAIMS,
        "timeline_title": TIMELINE_TITLE,
        "section": "timeline",
    }
    response = render(request, "claims/timeline.html", context)
    if layout.counting:
        # Not the final drawing: neither the read cache nor a proxy keeps it (its script, or a
        # reload, fetches the whole drawing once it is in the cache).
        response["Cache-Control"] = "no-store"
    return response


def _timeline_layout(request, listing, compute=True):
    return timeline_drawing(
        listing.claims,
        query=[(name, value) for name, values in request.GET.lists() for value in values],
        tallied=TallyFilter.from_filterset(listing.filterset),
        compute=compute,
    )


def timeline_drawing_fragment(request):
    """The timeline page's drawing for the same query, from the cache only: the page's fill-in.

    {"complete": false} while it is still being counted (asked again later), else its HTML.
    """
    listing = ClaimListing(request.GET)
    if not listing.valid:
        errors = {name: [str(message) for message in messages] for name, messages in listing.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    layout = _timeline_layout(request, listing, compute=False)
    if layout is None or layout.counting:
        response = JsonResponse({"complete": False})
        response["Cache-Control"] = "no-store"
        return response
    html = render_to_string(
        "claims/_timeline.html",
        {"layout": layout, "svg_id": "timeline", "svg_title": TIMELINE_TITLE, "chips": listing.chips()},
        request=request,
    )
    return JsonResponse({"complete": True, "html": html})


TIMELINE_TITLE = "Claims over time by speaker"


HOME_FIGURES_KEY = "home:figures"
# Curves on the home page's small strip when it counts claims: 400 across three rows hid the bars.
HOME_STRIP_LINKS = 60


def home_figures():
    """The database in numbers and its five most rebutted claims, once per corpus version.

    Read from the summary tables (claims/tallies.py): about 0.1 s at a million claims, where
    counting claims and grouping every rebuttal took about a second.
    """
    return readcache.get_or_compute(HOME_FIGURES_KEY, (), _count_home_figures)


def _count_home_figures():
    claim_count, rebutted_count, rebuttal_count, most_rebutted = home_counts()
    return {
        "claim_count": claim_count,
        "rebutted_count": rebutted_count,
        "speaker_count": Speaker.objects.count(),
        # Two counts, not one join of outlets to articles (170 ms at a million claims).
        "article_count": Article.objects.count(),
        "outlet_count": Outlet.objects.count(),
        "rebuttal_count": rebuttal_count,
        "most_rebutted": most_rebutted,
    }


def home(request):
    context = {
        **home_figures(),
        "layout": timeline_drawing(
            Claim.objects.all(), rows_by="side", max_counted_links=HOME_STRIP_LINKS, tallied=TallyFilter()
        ),
    }
    return render(request, "home.html", context)


def vocabulary(request):
    """Our JSON-LD terms for rebuttals (rebuts, denies, ...) as an RDFS vocabulary."""
    return JsonResponse(vocabulary_jsonld(request), content_type="application/ld+json")
