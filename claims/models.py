import operator
import re
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims import anchoring
from claims.history import VersionedHistoricalRecords
from sources.dates import (
    DatePrecision,
    format_with_precision,
    iso_with_precision,
    period_end,
    period_start,
    validate_bounds,
    validate_period_start,
)
from sources.models import SlugManager
from tiktok_claims.versioning import VersionedModel

# The text-search configuration for PostgreSQL full-text search; the corpus is in English.
SEARCH_CONFIG = "english"
# SQLite's full-text index of the same document (FTS5), kept in step by triggers (migration 0003).
SQLITE_SEARCH_TABLE = "claims_claim_search"


def sqlite_fts_match(text):
    """An FTS5 MATCH expression requiring every word of the search, each as a quoted token."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in search_words(text))


_sqlite_search_tables = {}


def has_sqlite_search_table(connection):
    """Whether this SQLite database has the FTS5 table (absent where SQLite lacks FTS5); asked once."""
    database = connection.settings_dict["NAME"]
    if not _sqlite_search_tables.get(database):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [SQLITE_SEARCH_TABLE])
            _sqlite_search_tables[database] = cursor.fetchone() is not None
    return _sqlite_search_tables[database]


def search_words(text):
    """The words of a search, for the simple match and for highlighting."""
    return [word for word in re.findall(r"\w[\w'’-]*", text) if word]


class SpeakerKind(models.TextChoices):
    PERSON = "person", "Person"
    GOVERNMENT_BODY = "government_body", "Government body"
    COMPANY = "company", "Company"
    NEWS_OUTLET = "news_outlet", "News outlet"
    REPORT = "report", "NGO or company report"
    COURT = "court", "Court"


class Side(models.TextChoices):
    US_GOVERNMENT = "us_government", "US government"
    TIKTOK_BYTEDANCE = "tiktok_bytedance", "TikTok / ByteDance"
    INDEPENDENT = "independent", "Independent and others"


class ClaimType(models.TextChoices):
    ALLEGATION = "allegation", "Allegation"
    DENIAL = "denial", "Denial"
    ADMISSION = "admission", "Admission"
    ASSESSMENT = "assessment", "Assessment"
    STATISTIC = "statistic", "Statistic"
    ACTION = "action", "Announced action"
    FINDING = "finding", "Finding of a report or court"


class QuoteMode(models.TextChoices):
    DIRECT = "direct", "Direct quotation"
    REPORTED = "reported", "Reported speech"


class RebuttalRelation(models.TextChoices):
    DENIES = "denies", "denies"
    DISPUTES = "disputes", "disputes"
    QUALIFIES = "qualifies", "qualifies"
    CONTRADICTS = "contradicts", "contradicts"


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Speaker(VersionedModel, models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=SpeakerKind.choices)
    role = models.CharField(
        max_length=300, blank=True, help_text="Role at the time, e.g. U.S. Secretary of State."
    )
    affiliation = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    is_anonymous = models.BooleanField(
        default=False, help_text="An unnamed individual with no organisation to speak for."
    )
    side = models.CharField(max_length=20, choices=Side.choices, help_text="Groups the timeline.")
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata ID is Q followed by digits, e.g. Q312842.")
        ],
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SpeakerKind.values), name="speaker_kind_valid"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="speaker_side_valid"),
            models.CheckConstraint(
                condition=~Q(affiliation=F("pk")), name="speaker_not_affiliated_with_itself"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("claims:speaker-detail", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.pk and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": "A speaker cannot be affiliated with itself."})
        if self.pk and self.affiliation_id:
            chain = self.affiliation_chain()
            if chain and chain[-1] == self.pk:
                speakers = Speaker.objects.in_bulk(chain[:-1])
                loop = [self.name, *(speakers[pk].name for pk in chain[:-1]), self.name]
                raise ValidationError({"affiliation": f"This affiliation makes a loop: {' -> '.join(loop)}."})

    def affiliation_chain(self):
        """The ids up this speaker's (unsaved) affiliation, one query each; it ends with self.pk on a loop."""
        chain = []
        current = self.affiliation_id
        while current is not None and current not in chain:
            chain.append(current)
            if current == self.pk:
                break
            current = Speaker.objects.filter(pk=current).values_list("affiliation", flat=True).first()
        return chain


class ClaimQuerySet(models.QuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def said_between(self, start=None, end=None):
        """Claims whose period (day, month or year) overlaps [start, end]; either end may be open.

        Written as alternatives that each bound said_on where they can, so that the database
        reads only the days asked for from its date indexes, not every claim of the speaker
        (~370 ms -> ~55 ms for one speaker's month at 1M claims on PostgreSQL). With a start,
        year-dated claims are an alternative of their own: within the days and months they
        widened the read to the whole year before the start (a speaker's August at 100k on
        SQLite: 2,203 claims read for 586; the rows 2.7 -> 0.5 ms, the count 3.6 -> 0.3 ms).
        """
        if start is None and end is None:
            return self
        is_range = Q(said_on_precision=DatePrecision.RANGE)
        alternatives = [~is_range]
        ranged = is_range
        if start is not None:
            # said_on is the first day of its period, so a month- or year-precision claim
            # overlaps when its period starts on or after the first day of start's month or year;
            # a range overlaps when its latest day is on or after start. A day-dated claim's
            # first bound is the start's month, for the index; the condition after it is start.
            alternatives = [
                Q(
                    said_on_precision__in=[DatePrecision.DAY, DatePrecision.MONTH],
                    said_on__gte=period_start(start, "month"),
                )
                & (Q(said_on_precision=DatePrecision.MONTH) | Q(said_on__gte=start)),
                Q(said_on_precision=DatePrecision.YEAR, said_on__gte=period_start(start, "year")),
            ]
            ranged &= Q(said_on__gte=start)
        if end is not None:
            # A period overlaps when it starts on or before end: said_on, except for a range,
            # whose said_on is its latest day and which starts at said_earliest (or is open).
            alternatives = [Q(said_on__lte=end) & alternative for alternative in alternatives]
            ranged &= Q(said_earliest__isnull=True) | Q(said_earliest__lte=end)
        overlapping = reduce(operator.or_, [*alternatives, ranged])
        if start is not None and connections[self.db].vendor == "postgresql":
            # Implied by every alternative: the one bound PostgreSQL's read of the date index in
            # order can start at. Without it, a month's first page with no other filter read
            # every claim from the first one (1M claims: 309,293 rows, 367 ms -> 0.5 ms). SQLite
            # pages were already quick, and it took the bound over a speaker's index (a speaker's
            # month counted in 14.5 ms instead of 0.3 at 100k).
            overlapping &= Q(said_on__gte=period_start(start, "year"))
        return self.filter(overlapping)

    def with_rebuttal_counts(self):
        """Annotate how many claims rebut each claim and how many it rebuts."""
        return self.annotate(
            rebutted_by_count=Count("rebuttals_received", distinct=True),
            rebuts_count=Count("rebuttals_made", distinct=True),
        )

    def chronological(self):
        return self.order_by("said_on", "pk")

    def search(self, text):
        """Claims whose summary, speaker name or quote text match; ranked on PostgreSQL."""
        text = text.strip()
        if not text:
            return self
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
            # Best match first; an explicit ordering applied afterwards replaces this.
            return (
                self.filter(search_vector=query)
                .annotate(search_rank=SearchRank(F("search_vector"), query))
                .order_by("-search_rank", "said_on", "pk")
            )
        match = sqlite_fts_match(text)
        if not match:
            return self
        if has_sqlite_search_table(connection):
            matching = f"SELECT rowid FROM {SQLITE_SEARCH_TABLE} WHERE {SQLITE_SEARCH_TABLE} MATCH %s"
            return self.filter(pk__in=RawSQL(matching, [match]))
        return self._substring_search(text)

    def _substring_search(self, text):
        """Fallback for a SQLite built without FTS5: every word in one of the fields, a full scan."""
        queryset = self
        for word in search_words(text):
            queryset = queryset.filter(
                Q(summary__icontains=word)
                | Q(speaker__name__icontains=word)
                | Exists(Quote.objects.filter(claim=OuterRef("pk"), text__icontains=word))
            )
        return queryset


class Claim(VersionedModel, models.Model):
    key = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Stable handle for fixtures, e.g. pompeo-prague-enormous-data-sets.",
    )
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="claims")
    summary = models.CharField(max_length=500, help_text="One sentence in the curator's words.")
    claim_type = models.CharField(max_length=20, choices=ClaimType.choices)
    said_on = models.DateField(
        help_text="When it was said; the first day of the period for month or year precision, "
        "the latest day it can have been said for a range."
    )
    said_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    said_earliest = models.DateField(
        null=True,
        blank=True,
        help_text="For a range only: the earliest day it can have been said (empty: said on or "
        "before the date above, e.g. reported on that day without a date).",
    )
    dating_note = models.TextField(blank=True, help_text="How the date was established.")
    venue = models.CharField(max_length=300, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    note = models.TextField("curator's note", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # PostgreSQL only (NULL on SQLite, which uses an FTS5 table): summary, speaker name and quote
    # texts, kept up to date by database triggers so bulk writes cannot leave it stale (0003).
    search_vector = SearchVectorField(null=True, editable=False, serialize=False)

    history = VersionedHistoricalRecords(m2m_fields=[topics], excluded_fields=["search_vector"])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["said_on", "id"]
        indexes = [
            models.Index(fields=["said_on", "id"], name="claim_said_on_idx"),
            # With the id, a speaker's page far down their claims finds its ids in the index
            # alone (the busiest speaker's last page at 1M: 254 ms of SQL without it, 12 with).
            models.Index(fields=["speaker", "said_on", "id"], name="claim_speaker_said_on_id_idx"),
            # A speaker's claims of one date precision from a day on: the "or dated by a range
            # ending after the start" half of a date filter (said_between), which has no upper
            # bound; without it a speaker's month read all the speaker's claims after that day.
            models.Index(
                fields=["speaker", "said_on_precision", "said_on"], name="claim_speaker_precision_idx"
            ),
            models.Index(fields=["claim_type", "said_on"], name="claim_type_said_on_idx"),
            # The few claims dated by a range, or by a year, which a date filter reads apart
            # (said_between): without a speaker, the year-dated alternative read every claim of
            # the year before the start (a month at 1M on PostgreSQL: count 114-120 -> 28 ms).
            models.Index(
                fields=["said_on"], condition=Q(said_on_precision="range"), name="claim_range_said_on_idx"
            ),
            models.Index(
                fields=["said_on"], condition=Q(said_on_precision="year"), name="claim_year_said_on_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(claim_type__in=ClaimType.values), name="claim_type_valid"),
            models.CheckConstraint(
                condition=Q(said_on_precision__in=DatePrecision.values), name="claim_said_on_precision_valid"
            ),
            models.CheckConstraint(
                condition=Q(said_earliest__isnull=True)
                | Q(said_on_precision=DatePrecision.RANGE, said_earliest__lt=F("said_on")),
                name="claim_said_earliest_before_said_on",
            ),
        ]

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return reverse("claims:claim-detail", args=[self.pk])

    def natural_key(self):
        return (self.key,)

    @property
    def said_on_display(self):
        return format_with_precision(self.said_on, self.said_on_precision, self.said_earliest)

    @property
    def said_on_iso(self):
        """The date in Library of Congress EDTF: 2020-08-12, 2020-08, 2020, ../2020-08-13."""
        return iso_with_precision(self.said_on, self.said_on_precision, self.said_earliest)

    @property
    def said_on_datetime(self):
        """For HTML's <time datetime>, which takes no ranges: a range's latest day."""
        return self.said_on.isoformat() if self.said_on_precision == DatePrecision.RANGE else self.said_on_iso

    @property
    def said_on_end(self):
        return period_end(self.said_on, self.said_on_precision)

    def clean(self):
        message = validate_period_start(self.said_on, self.said_on_precision)
        if message:
            raise ValidationError({"said_on": message})
        message = validate_bounds(self.said_on, self.said_on_precision, self.said_earliest)
        if message:
            raise ValidationError({"said_earliest": message})


class Quote(VersionedModel, models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="quotes")
    article = models.ForeignKey("sources.Article", on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField(help_text="The article's exact words.")
    start = models.PositiveIntegerField(help_text="Offset of the first character in the article's text.")
    end = models.PositiveIntegerField(help_text="Offset just past the last character.")
    mode = models.CharField(max_length=10, choices=QuoteMode.choices)
    attribution = models.CharField(
        max_length=300, blank=True, help_text='The article\'s words, e.g. "Pompeo told Fox News".'
    )
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["article", "start"]
        indexes = [models.Index(fields=["article", "start"], name="quote_article_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="quote_span_valid"
            ),
            models.CheckConstraint(condition=Q(mode__in=QuoteMode.values), name="quote_mode_valid"),
            models.UniqueConstraint(
                fields=["claim", "article", "start"], name="quote_unique_per_claim_article_start"
            ),
        ]

    def __str__(self):
        return f"“{self.text[:80]}” ({self.article_id}:{self.start}–{self.end})"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor_id}"

    @property
    def anchor_id(self):
        """The HTML id of this quote's highlight on its article page."""
        return f"quote-{self.pk}"

    def verify(self):
        """Exact, moved or orphaned: never re-anchors on its own."""
        return anchoring.status(self.article.text, self.text, self.start, self.end)

    def clean(self):
        """Compute missing offsets from the text, and refuse offsets that do not hold the text."""
        if not self.article_id or not self.text:
            return
        text = self.article.text
        if self.start is None and self.end is None:
            try:
                self.start, self.end = anchoring.anchor(text, self.text)
            except anchoring.AnchorError as error:
                raise ValidationError({"text": str(error)}) from error
            return
        if self.start is None or self.end is None or text[self.start : self.end] != self.text:
            found = text[self.start : self.end] if self.start is not None and self.end is not None else ""
            raise ValidationError(
                {"start": f"The article's text at {self.start}–{self.end} is “{found[:120]}”, not the quote."}
            )


class Rebuttal(VersionedModel, models.Model):
    rebutting_claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="rebuttals_made")
    rebutted_claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="rebuttals_received")
    relation = models.CharField(max_length=12, choices=RebuttalRelation.choices)
    note = models.CharField(
        max_length=500, blank=True, help_text="One line: why this claim answers the other."
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rebutted_claim", "rebutting_claim"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rebutting_claim=F("rebutted_claim")), name="rebuttal_not_self"
            ),
            models.UniqueConstraint(
                fields=["rebutting_claim", "rebutted_claim"], name="rebuttal_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(relation__in=RebuttalRelation.values), name="rebuttal_relation_valid"
            ),
        ]

    def __str__(self):
        return f"“{self.rebutting_claim}” {self.relation} “{self.rebutted_claim}”"

    def clean(self):
        if self.rebutting_claim_id and self.rebutting_claim_id == self.rebutted_claim_id:
            raise ValidationError({"rebutted_claim": "A claim cannot rebut itself."})


class Correction(models.Model):
    """A public note that the edit making one version of a claim corrected an error (docs/versions.md)."""

    # No database constraint and nothing done on delete: a correction outlives its claim, so the
    # tombstone and /corrections/ still show it.
    claim = models.ForeignKey(
        Claim, on_delete=models.DO_NOTHING, db_constraint=False, related_name="corrections"
    )
    version = models.PositiveIntegerField(help_text="The claim's version this edit made.")
    note = models.TextField(help_text="Public: what was wrong and what it says now.")
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "version"], name="correction_unique_per_claim_version")
        ]

    def __str__(self):
        return f"Correction of claim {self.claim_id}, version {self.version}"

    def get_absolute_url(self):
        return reverse("claims:claim-version", args=[self.claim_id, self.version])


# Summary tables (claims/tallies.py): counts kept exact by database triggers (migration 0006), so
# the home page, the timeline and the speaker list read thousands of rows, not a million.
# Plain ids, not foreign keys: a count of 0 keeps its row after its speaker or claim is gone.


class SpeakerMonthTally(models.Model):
    """Claims per speaker, claim type and month (year_only: dated only to that year; month is January)."""

    speaker_id = models.BigIntegerField()
    claim_type = models.CharField(max_length=20)
    month = models.DateField()
    year_only = models.BooleanField()
    claims = models.IntegerField()

    class Meta:
        db_table = "claims_tally_claims"
        constraints = [
            models.UniqueConstraint(
                fields=["speaker_id", "claim_type", "month", "year_only"], name="tally_claims_key"
            )
        ]

    def __str__(self):
        return f"{self.claims} claims by speaker {self.speaker_id}, {self.claim_type}, {self.month}"


class SpeakerTally(models.Model):
    """Claims per speaker and claim type."""

    speaker_id = models.BigIntegerField()
    claim_type = models.CharField(max_length=20)
    claims = models.IntegerField()

    class Meta:
        db_table = "claims_tally_speakers"
        constraints = [
            models.UniqueConstraint(fields=["speaker_id", "claim_type"], name="tally_speakers_key")
        ]

    def __str__(self):
        return f"{self.claims} claims by speaker {self.speaker_id}, {self.claim_type}"


class SideMonthTally(models.Model):
    """Claims per side (of the speaker), claim type and month."""

    side = models.CharField(max_length=20)
    claim_type = models.CharField(max_length=20)
    month = models.DateField()
    year_only = models.BooleanField()
    claims = models.IntegerField()

    class Meta:
        db_table = "claims_tally_sides"
        constraints = [
            models.UniqueConstraint(
                fields=["side", "claim_type", "month", "year_only"], name="tally_sides_key"
            )
        ]

    def __str__(self):
        return f"{self.claims} claims, {self.side}, {self.claim_type}, {self.month}"


class TopicMonthTally(models.Model):
    """Claims per topic, side (of the speaker), claim type and month (a topic's count, in all or by side)."""

    topic_id = models.BigIntegerField()
    side = models.CharField(max_length=20)
    claim_type = models.CharField(max_length=20)
    month = models.DateField()
    year_only = models.BooleanField()
    claims = models.IntegerField()

    class Meta:
        db_table = "claims_tally_topics"
        constraints = [
            models.UniqueConstraint(
                fields=["topic_id", "side", "claim_type", "month", "year_only"], name="tally_topics_key"
            )
        ]

    def __str__(self):
        return f"{self.claims} claims on topic {self.topic_id}, {self.side}, {self.claim_type}, {self.month}"


class SideLinkTally(models.Model):
    """Rebuttals from the claims of one (side, month) cell to those of another, per relation and in all."""

    source_side = models.CharField(max_length=20)
    source_month = models.DateField()
    source_year_only = models.BooleanField()
    target_side = models.CharField(max_length=20)
    target_month = models.DateField()
    target_year_only = models.BooleanField()
    denies = models.IntegerField()
    disputes = models.IntegerField()
    qualifies = models.IntegerField()
    contradicts = models.IntegerField()
    rebuttals = models.IntegerField()

    class Meta:
        db_table = "claims_tally_links"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "source_side",
                    "source_month",
                    "source_year_only",
                    "target_side",
                    "target_month",
                    "target_year_only",
                ],
                name="tally_links_key",
            )
        ]
        indexes = [models.Index(fields=["-rebuttals"], name="tally_links_busiest")]

    def __str__(self):
        return f"{self.rebuttals} rebuttals, {self.source_side} {self.source_month} to {self.target_side}"


class RebuttedTally(models.Model):
    """Rebuttals received per claim."""

    # A link only for reading (the "Most rebutted" order joins it): the triggers write the rows,
    # which stay (at 0) when a claim's last rebuttal goes, so no constraint is declared.
    claim = models.OneToOneField(
        Claim,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="rebutted_tally",
    )
    rebuttals = models.IntegerField()

    class Meta:
        db_table = "claims_tally_rebutted"
        indexes = [models.Index(fields=["-rebuttals"], name="tally_rebutted_most")]

    def __str__(self):
        return f"Claim {self.claim_id} rebutted {self.rebuttals} times"


class RelatedLists(models.Model):
    """One claim's topics, articles and rebuttals as the CSV lists them (claims/related_lists.py)."""

    claim_id = models.BigIntegerField(primary_key=True)
    lists = models.TextField()

    class Meta:
        db_table = "claims_related_lists"

    def __str__(self):
        return f"Lists of claim {self.claim_id}"
