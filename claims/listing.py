"""One claim listing for /claims/, the timeline and /api/claims/: filters, order, count, cap, facets."""

from typing import NamedTuple

from django.core.cache import cache
from django.db import connections
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.utils.functional import cached_property

from claims.facets import claim_facets
from claims.filters import (
    CLAIM_FILTERS,
    ClaimFilterSet,
    YesNoFilter,
    is_most_rebutted_first,
    ranked_unless_too_many,
    rebutted_first_within_pages,
)
from claims.models import Claim
from claims.tallies import speakers_with_claims
from claims.timeline.tallied import COUNT_ANSWERED, TallyFilter, total_claims, whole_months
from tiktok_claims import readcache
from tiktok_claims.paging import MAX_PAGE_SIZE, MAX_PAGED_ROWS, cached_count, whole_number
from tiktok_claims.timelimits import OUT_OF_TIME, read_only_transaction, within

# The listed claims' count has this long while the reader waits (a filtered list of 43,797 claims
# took 0.45-1 s to count at 1M); past it the page says "more than 10,000" (all its pages are
# there: they stop at MAX_PAGED_ROWS) and the exact count comes from the background.
COUNT_BUDGET_MS = 60
# Then the first MAX_PAGED_ROWS + 1 are counted, within this; usually quick, but a poor plan (a
# join on speakers for a side) took a second at 1M: then the page says "Counting claims…".
CAPPED_COUNT_BUDGET_MS = 40


class ClaimCount(NamedTuple):
    """How many claims are listed; exact False: at least this many, the rest still being counted."""

    number: int
    exact: bool = True
    known: bool = True  # False: not even a lower bound yet; number is then only the pages' cap


# How the pages name each parameter: its chip, its error message.
FILTER_LABELS = {claim_filter.name: claim_filter.label for claim_filter in CLAIM_FILTERS}


class ClaimListing:
    """The claims a query string asks for: validated filters, claims in order, their count, facets.

    query is request.GET (or an API request's query_params). Without any filter parameter the
    FilterSet is not even validated for the claims (building its form costs more than the rest
    of the API's page 1).
    """

    def __init__(self, query, filterset_class=ClaimFilterSet):
        self.query = query
        self.filterset_class = filterset_class
        self.filtering = any(name in query for name in filterset_class.base_filters)

    @cached_property
    def filterset(self):
        filterset = self.filterset_class(self.query, queryset=Claim.objects.chronological())
        filterset.is_valid()
        return filterset

    @property
    def valid(self):
        return not self.filtering or self.filterset.is_valid()

    @property
    def errors(self):
        return self.filterset.errors

    @cached_property
    def claims(self):
        """The filtered claims in the order asked for (none when a filter is invalid)."""
        if not self.filtering:
            return Claim.objects.chronological()
        if not self.valid:
            return Claim.objects.none()
        claims = self.filterset.qs
        sides = self.filterset.form.cleaned_data.get("side")
        if sides:
            # Also on the ids of the side's speakers with claims of the chosen types (the summary
            # table): PostgreSQL cannot see that a side and a type rarely go together, and for a
            # pair with no claims (US government denials) walked all million claims in date
            # order looking for 25 (1.8 s; with the ids, a few ms).
            types = self.filterset.form.cleaned_data.get("claim_type")
            speakers = readcache.get_or_compute(
                "speakers-with-claims",
                (sorted(sides), sorted(types or ())),
                lambda: speakers_with_claims(sides, types),
            )
            claims = claims.filter(speaker_id__in=speakers) if speakers else claims.none()
        return claims

    def ordered(self, claims=None, exact=True, rows=None):
        """(claims, count, unranked): the claims as the pages read them, by the rules for big lists.

        Ranked search results in time order past MAX_PAGED_ROWS matches (ranked_unless_too_many);
        "Most rebutted" read from the tally's index when its claims fill the pages
        (rebutted_first_within_pages; rows: the last row of the page to be shown, when known).
        count is the claims' count when a rule had to count them (cached), else None; without
        exact, counted only up to the cap (the page counts within its budget: count()).
        """
        claims = self.claims if claims is None else claims
        if is_most_rebutted_first(claims):
            pages, switched = rebutted_first_within_pages(claims, rows=rows)
            count = None
            if switched and exact:  # the list's count, which the pages' claims are not
                count = self.tallied_count()
                count = cached_count(claims) if count is None else count
            return pages, count, False
        return ranked_unless_too_many(claims, exact=exact)

    def _count_key(self):
        claims = self.claims.order_by()
        sql, params = claims.query.sql_with_params()
        return claims, ("count", (sql, params))

    def count(self, compute=True):
        """The listed claims' ClaimCount: cached for the corpus version; computed within COUNT_BUDGET_MS.

        Past the budget, counted up to MAX_PAGED_ROWS + 1 (which stops early) and exactly in the
        background. Without compute, only the cache is read (None when the count is not there).
        """
        if self.claims.query.is_empty():
            return ClaimCount(0)
        tallied = self.tallied_count()
        if tallied is not None:
            return ClaimCount(tallied)
        claims, (name, parts) = self._count_key()
        cache_key = readcache.key(name, *parts)
        found = cache.get(cache_key)
        if found is not None or not compute:
            return None if found is None else ClaimCount(found)
        connection = connections[claims.db]
        at_least = OUT_OF_TIME
        if cache.get(f"{cache_key}:computing") is None:  # (else being counted: not tried twice)
            with read_only_transaction(connection):
                exact = within(connection, claims.count, COUNT_BUDGET_MS)
            if exact is not OUT_OF_TIME:
                readcache.store(cache_key, exact)
                return ClaimCount(exact)
            with read_only_transaction(connection):
                capped = claims.values("pk")[: MAX_PAGED_ROWS + 1]  # (ids only: no search rank computed)
                at_least = within(connection, capped.count, CAPPED_COUNT_BUDGET_MS)
            if at_least is not OUT_OF_TIME and at_least <= MAX_PAGED_ROWS:
                readcache.store(cache_key, at_least)
                return ClaimCount(at_least)
            readcache.compute_later(lambda: readcache.get_or_compute(name, parts, claims.count))
        if at_least is OUT_OF_TIME:  # not even the first 10,001 in time (a poor plan): pages up to the cap
            return ClaimCount(MAX_PAGED_ROWS, exact=False, known=False)
        return ClaimCount(at_least, exact=False)

    def tallied_count(self):
        """The count from the summary tables when they can answer the filters, else None.

        They can for no filter or any of side, speaker and claim type, with dates of whole months
        or years: one or two small queries, where COUNT(*) of a million claims took 40 ms, of a
        side's 200,000 claims of a type 220 ms, and of a speaker's 43,797 claims of a type in
        2020-2024 130-250 ms.
        """
        if not self.filtering:
            tally_filter, months = TallyFilter(), (None, None)
        elif not self.filterset.is_valid() or (months := whole_months(self.filterset)) is None:
            return None
        elif (tally_filter := TallyFilter.from_filterset(self.filterset, COUNT_ANSWERED)) is None:
            return None
        return readcache.get_or_compute(
            "count:tallied", (tally_filter, *months), lambda: total_claims(tally_filter, *months)
        )

    def facets(self, listed_count, count=True):
        """The facet block (claims.facets.FacetBlock) for a valid listing of listed_count claims."""
        return claim_facets(self.filterset, listed_count, count=count)

    @staticmethod
    def last_row(page, page_size):
        """The last row a page (its number as the query string gives it) shows, at most the last row
        any page may show; None when it is not a page number (the paginator answers those)."""
        number = whole_number(page)
        return None if number is None else min(number * page_size, MAX_PAGED_ROWS + MAX_PAGE_SIZE)

    @staticmethod
    def capped(count):
        """Whether pages stop before the last of count claims."""
        return count > MAX_PAGED_ROWS

    def filter_errors(self):
        """(label, parameter, messages) for each invalid filter, for the message above the list."""
        if self.valid:
            return []
        return [
            (FILTER_LABELS.get(name, "Filters"), name if name in FILTER_LABELS else "", errors)
            for name, errors in self.errors.items()
        ]

    def chips(self):
        """(parameter, filter label, value, value label) for each valid filter value in the query string.

        An invalid value gets no chip (its error says what is wrong), so the chips are bounded by the
        filters' values (at most MAX_VALUES_PER_PARAMETER each), never by what a URL repeats.
        """
        filterset = self.filterset
        form = filterset.form
        chips = []
        for name, filter_ in filterset.filters.items():
            if name not in FILTER_LABELS or name == "ordering" or name in form.errors:
                continue
            cleaned = form.cleaned_data.get(name)
            if cleaned in (None, "", [], ()) or (isinstance(cleaned, QuerySet) and not cleaned):
                continue
            values = [value for value in filterset.data.getlist(name) if value != ""]
            field = form.fields[name]
            if isinstance(field, ModelChoiceField):
                # The chosen rows (a list), each named by itself: no query. Naming them from the
                # field's choices read every article (83,000 at 1M claims: 2 s).
                names = {row.slug: str(row) for row in cleaned}
            elif isinstance(cleaned, (list, tuple)):
                names = {str(value): str(label) for value, label in getattr(field, "choices", None) or []}
            else:  # one value: the one the filter used (the last), whatever the URL repeats
                values = values[-1:]
                names = {value: value for value in values}
            for value in dict.fromkeys(values):
                if value not in names:
                    continue
                label = names[value]
                if isinstance(filter_, YesNoFilter):
                    label = {"true": "yes", "false": "no"}.get(value.lower(), value)
                chips.append((name, FILTER_LABELS[name], value, label))
        return chips
