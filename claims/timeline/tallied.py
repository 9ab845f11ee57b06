"""The counted timeline read from the summary tables (claims/tallies.py) instead of the claims.

They answer the timeline unfiltered or filtered by side, speaker and claim type: rows and bars
always; the curves between bars when the rows are sides (the home page's strip) and no speaker
or claim type is chosen, as the link table counts rebuttals per pair of (side, month) cells.
Otherwise the curves come from the rebuttals as before (count_links). Other filters (a search,
dates, topics, ...) keep the path through the claims; a list's count (total_claims) also
answers dates of whole months and one topic (from the topic tally, by side).
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, Sum
from django.db.models.query import QuerySet

from claims.models import (
    Claim,
    DatePrecision,
    SideLinkTally,
    SideMonthTally,
    Speaker,
    SpeakerMonthTally,
    SpeakerTally,
    TopicMonthTally,
)
from claims.timeline.layouts import Cell, CountedClaims, CountedLink
from claims.timeline.queries import (
    MAX_COUNTED_LINKS,
    MAX_SPEAKER_ROWS,
    cell_key,
    count_links,
    counted_rows,
    with_curves,
)
from sources.dates import period_end, period_start

# The filters the tables answer; "ordering" and "page" do not change which claims are counted.
ANSWERED = {"side", "speaker", "claim_type", "ordering", "page"}
# A count (total_claims) also answers dates of whole months (whole_months) and one topic without a
# speaker (the topic tally is by side); the timeline does not.
COUNT_ANSWERED = ANSWERED | {"said_from", "said_to", "topic"}
# A facet's counts (FacetTallies) also answer one topic, by side (not dates: the per-speaker table
# has no months).
FACET_ANSWERED = ANSWERED | {"topic"}


@dataclass(frozen=True)
class TallyFilter:
    """Which claims to count: by side, speaker id, claim type and topic id (empty: all)."""

    sides: tuple = ()
    speakers: tuple = ()
    claim_types: tuple = ()
    topics: tuple = ()  # (at most one, and then no speakers: the topic tally sums by side)

    @classmethod
    def from_filterset(cls, filterset, answered=ANSWERED, without=None):
        """The filter when the summary tables can answer the page's filters, else None.

        answered: the filter names the caller answers (a count also answers whole-month dates:
        whole_months()); without: a filter left out (a facet counts under the other filters).
        """
        if not filterset.is_valid():
            return None
        cleaned = {name: value for name, value in filterset.form.cleaned_data.items() if name != without}
        for name, value in cleaned.items():
            empty = value in (None, "", [], ()) or (isinstance(value, QuerySet) and not value)
            if name not in answered and not empty:
                return None
        speakers, topics = cleaned.get("speaker"), cleaned.get("topic")
        if topics and (len(topics) > 1 or speakers):
            return None  # a claim on two of the topics would be summed twice; no tally by speaker
        return cls(
            tuple(sorted(cleaned.get("side") or ())),
            tuple(sorted(speaker.pk for speaker in speakers)) if speakers else (),
            tuple(sorted(cleaned.get("claim_type") or ())),
            tuple(topic.pk for topic in topics) if topics else (),
        )

    def allowed_speakers(self):
        """{speaker id: (side, name, slug)} of the speakers this filter allows (all when none is chosen)."""
        speakers = Speaker.objects.order_by()
        if self.speakers:
            speakers = speakers.filter(pk__in=self.speakers)
        if self.sides:
            speakers = speakers.filter(side__in=self.sides)
        return {
            pk: (side, name, slug)
            for pk, side, name, slug in speakers.values_list("pk", "side", "name", "slug")
        }

    def typed(self, queryset):
        return queryset.filter(claim_type__in=self.claim_types) if self.claim_types else queryset


def claims_per_speaker(tally_filter, sides):
    """{speaker id: claims} for the speakers with claims under the filter; sides: {allowed id: side}."""
    counts = tally_filter.typed(SpeakerTally.objects.order_by())
    if tally_filter.speakers:
        counts = counts.filter(speaker_id__in=list(sides))
    return {
        speaker: total
        for speaker, total in counts.values_list("speaker_id").annotate(total=Sum("claims"))
        if total > 0 and speaker in sides
    }


class FacetTallies:
    """A facet block's counts from the summary tables: {value: claims} per facet (counts()).

    The speakers' sides and kinds (3,873 rows at a million claims) are read once for the block,
    and the claims per speaker once per set of claim types (summed from 11,600 rows); the claim
    type and topic facets are one small grouped query each.
    """

    def __init__(self):
        self._per_speaker = {}

    @cached_property
    def _speakers(self):
        return {
            pk: (side, kind)
            for pk, side, kind in Speaker.objects.order_by().values_list("pk", "side", "kind")
        }

    def _claims_per_speaker(self, claim_types):
        """{speaker id: claims} of the speakers with claims of these types (any type when empty)."""
        if claim_types not in self._per_speaker:
            rows = SpeakerTally.objects.order_by()
            if claim_types:
                rows = rows.filter(claim_type__in=claim_types)
            grouped = rows.values_list("speaker_id").annotate(total=Sum("claims")).filter(total__gt=0)
            self._per_speaker[claim_types] = dict(grouped)
        return self._per_speaker[claim_types]

    def counts(self, tally_filter, by):
        """{value: claims} of the filter's claims by side, kind, claim_type, speaker (id) or topic (id).

        As a facet counts them, only the values with claims; None when the tables cannot say: by
        speaker or kind within a topic, or by topic for chosen speakers (the topic tally is by side).
        """
        if tally_filter.topics or by == "topic":
            if tally_filter.speakers or by not in ("side", "claim_type", "topic"):
                return None
            rows = TopicMonthTally.objects.order_by()
            if tally_filter.topics:
                rows = rows.filter(topic_id__in=tally_filter.topics)
            if tally_filter.sides:
                rows = rows.filter(side__in=tally_filter.sides)
            grouped = tally_filter.typed(rows).values_list("topic_id" if by == "topic" else by)
            return dict(grouped.annotate(total=Sum("claims")).filter(total__gt=0))
        if by == "claim_type":
            rows = SpeakerTally.objects.order_by()
            if tally_filter.speakers:
                rows = rows.filter(speaker_id__in=tally_filter.speakers)
            if tally_filter.sides:
                rows = rows.filter(
                    speaker_id__in=Speaker.objects.filter(side__in=tally_filter.sides).values("pk")
                )
            grouped = rows.values_list("claim_type").annotate(total=Sum("claims")).filter(total__gt=0)
            return dict(grouped)
        speakers, sides = set(tally_filter.speakers), set(tally_filter.sides)
        totals = {}
        for speaker, claims in self._claims_per_speaker(tally_filter.claim_types).items():
            if (speakers and speaker not in speakers) or speaker not in self._speakers:
                continue  # (not chosen, or deleted since the claims were summed)
            side, kind = self._speakers[speaker]
            if sides and side not in sides:
                continue
            value = speaker if by == "speaker" else side if by == "side" else kind
            totals[value] = totals.get(value, 0) + claims
        return totals


def whole_months(filterset):
    """(start, end) of a valid filterset's dates when each is open or falls on a month's edge, else None.

    said_from=2020-08 or 2020 starts on the first of a month, said_to=2020-08 or 2020 ends on
    the last: the month tables count those. A day inside a month (2020-08-15), or a start after
    the end, they cannot.
    """
    cleaned = filterset.form.cleaned_data
    said_from, said_to = cleaned.get("said_from"), cleaned.get("said_to")
    start = said_from.first if said_from is not None else None
    end = said_to.last if said_to is not None else None
    if start is not None and start.day != 1:
        return None
    if end is not None and end != period_end(end, DatePrecision.MONTH):
        return None
    if start is not None and end is not None and start > end:
        return None
    return start, end


def total_claims(tally_filter, start=None, end=None):
    """How many claims the filter matches, said between start and end (whole months: whole_months()).

    Without dates, one query of the per-speaker table (of the topic table for a topic). With them,
    the month tables (or the topic table) hold each claim in the month of its said_on, year-dated
    claims in their January apart: the claims said in the months asked for, the year-dated ones of
    the years they touch, and, before an end, the claims dated by a range that ends after it but
    may have been said before it (few: counted from the claims, by Claim.said_between as the list
    filters them).
    """
    if len(tally_filter.topics) > 1 or (tally_filter.topics and tally_filter.speakers):
        # (two topics would count a claim on both twice; the topic tally is by side, not speaker)
        raise ValueError("The topic tally counts one topic at a time, by side.")
    speakers = None
    if tally_filter.speakers or tally_filter.sides:
        speakers = (
            Speaker.objects.filter(pk__in=tally_filter.speakers) if tally_filter.speakers else Speaker.objects
        )
        if tally_filter.sides:
            speakers = speakers.filter(side__in=tally_filter.sides)
    if tally_filter.topics:  # one topic, by side (TallyFilter.from_filterset)
        counts = TopicMonthTally.objects.filter(topic_id__in=tally_filter.topics)
        if tally_filter.sides:
            counts = counts.filter(side__in=tally_filter.sides)
        if start is None and end is None:
            return tally_filter.typed(counts).aggregate(total=Sum("claims"))["total"] or 0
    elif start is None and end is None:
        counts = tally_filter.typed(SpeakerTally.objects.all())
        if speakers is not None:
            counts = counts.filter(speaker_id__in=speakers.values("pk"))
        return counts.aggregate(total=Sum("claims"))["total"] or 0
    elif tally_filter.speakers:
        counts = SpeakerMonthTally.objects.filter(speaker_id__in=speakers.values("pk"))
    else:  # by side: a few hundred rows, not a quarter of a million at 1M claims
        counts = SideMonthTally.objects.all()
        if tally_filter.sides:
            counts = counts.filter(side__in=tally_filter.sides)
    in_months, in_years = Q(year_only=False), Q(year_only=True)
    if start is not None:
        in_months &= Q(month__gte=start)
        in_years &= Q(month__gte=period_start(start, DatePrecision.YEAR))
    if end is not None:
        in_months &= Q(month__lte=end)
        in_years &= Q(month__lte=end)
    total = tally_filter.typed(counts).filter(in_months | in_years).aggregate(total=Sum("claims"))["total"]
    if end is not None:
        claims = tally_filter.typed(Claim.objects.all())
        if speakers is not None:
            claims = claims.filter(speaker__in=speakers)
        if tally_filter.topics:
            claims = claims.filter(topics__in=tally_filter.topics)
        total = (total or 0) + claims.said_between(start, end).filter(said_on__gt=end).count()
    return total or 0


def count_tallied(tally_filter, claims, rows_by, query):
    """CountedClaims from the summary tables; the curves from the rebuttals where the tables cannot say.

    claims: the page's claims, for those curves.
    """
    return with_curves(*tallied_bars(tally_filter, claims, rows_by, query))


def tallied_bars(tally_filter, claims, rows_by, query):
    """The bars from the summary tables (CountedClaims without curves), and a function counting the curves.

    The curves come from the link table when the rows are sides and no speaker or claim type is
    chosen (milliseconds), else from the rebuttals (count_links: seconds at a million claims).
    """
    if rows_by == "side" and not tally_filter.speakers:
        # Sides only: the side tally alone.
        rows, busiest = counted_rows(rows_by, [], query)
        cells = _cells(tally_filter, rows_by, busiest, {})
    else:
        allowed = tally_filter.allowed_speakers()
        sides = {pk: side for pk, (side, _, _) in allowed.items()}
        per_speaker = claims_per_speaker(tally_filter, sides)
        ranked = sorted(per_speaker, key=lambda speaker: (-per_speaker[speaker], speaker))
        speakers = [
            {"speaker": pk, "side": allowed[pk][0], "name": allowed[pk][1], "slug": allowed[pk][2]}
            for pk in ranked[: MAX_SPEAKER_ROWS + 1]
        ]
        rows, busiest = counted_rows(rows_by, speakers if rows_by == "speaker" else [], query)
        cells = _cells(tally_filter, rows_by, busiest, sides, ranked)
    bars = CountedClaims(rows, cells, [], 0, headed=rows_by == "speaker")
    if rows_by == "side" and not tally_filter.speakers and not tally_filter.claim_types:
        return bars, lambda: _side_links(tally_filter)
    return bars, lambda: count_links(claims.order_by(), rows_by, busiest)


def _cells(tally_filter, rows_by, busiest, sides, with_claims=()):
    """Cells per (row, month): a speaker with a row from their own tally, the others per side."""
    counts = {}

    def add(row, side, year_only, month, claims):
        key = cell_key(row, side, year_only, month)
        counts[key] = counts.get(key, 0) + claims

    if rows_by == "speaker":
        own = busiest if busiest is not None else list(with_claims)
        for speaker, month, year_only, claims in _summed(SpeakerMonthTally, tally_filter, speaker_id__in=own):
            add(speaker, sides[speaker], year_only, month, claims)
            if busiest is not None and not tally_filter.speakers:
                add(0, sides[speaker], year_only, month, -claims)  # not among the side's others
        if busiest is None:
            return _positive(counts)
    if tally_filter.speakers:
        others = [speaker for speaker in sides if rows_by == "side" or speaker not in busiest]
        for speaker, month, year_only, claims in _summed(
            SpeakerMonthTally, tally_filter, speaker_id__in=others
        ):
            add(0, sides[speaker], year_only, month, claims)
        return _positive(counts)
    # The others of each side: the side's tally, less the speakers with a row of their own (above).
    by_side = {"side__in": tally_filter.sides} if tally_filter.sides else {}
    for side, month, year_only, claims in _summed(SideMonthTally, tally_filter, **by_side):
        add(0, side, year_only, month, claims)
    return _positive(counts)


def _summed(model, tally_filter, **lookups):
    """(speaker id or side, month, year only, claims) of a tally under the filter's claim types."""
    by = "speaker_id" if model is SpeakerMonthTally else "side"
    rows = tally_filter.typed(model.objects.filter(**lookups).order_by())
    return rows.values_list(by, "month", "year_only").annotate(total=Sum("claims")).filter(total__gt=0)


def _positive(counts):
    return [Cell(key.row, key.first, key.last, claims) for key, claims in counts.items() if claims > 0]


def _side_links(tally_filter):
    """The busiest pairs of (side, month) cells from the link tally, and how many were left out."""
    pairs = SideLinkTally.objects.filter(rebuttals__gt=0)
    if tally_filter.sides:
        pairs = pairs.filter(source_side__in=tally_filter.sides, target_side__in=tally_filter.sides)
    busiest = pairs.order_by(
        "-rebuttals",
        "source_side",
        "source_year_only",
        "source_month",
        "target_side",
        "target_year_only",
        "target_month",
    )[:MAX_COUNTED_LINKS]
    relations = ("denies", "disputes", "qualifies", "contradicts")
    links = [
        CountedLink(
            cell_key(0, *values[0:3]),
            cell_key(0, *values[3:6]),
            {relation: count for relation, count in zip(relations, values[6:10], strict=True) if count},
            values[10],
        )
        for values in busiest.values_list(
            "source_side",
            "source_year_only",
            "source_month",
            "target_side",
            "target_year_only",
            "target_month",
            *relations,
            "rebuttals",
        )
    ]
    left_out = pairs.count() - len(links) if len(links) == MAX_COUNTED_LINKS else 0
    return links, left_out
