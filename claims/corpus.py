"""The curated corpus: annotations plus seed texts -> one Django fixture, and the checks on loaded rows."""

import datetime
import hashlib
import json
from pathlib import Path

import yaml
from django.conf import settings
from django.db.models import Exists, OuterRef

from claims import anchoring
from claims.models import (
    Claim,
    ClaimType,
    Quote,
    QuoteMode,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
)
from sources.dates import DatePrecision, period_end, validate_bounds, validate_period_start
from sources.models import Article

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
ANNOTATIONS_DIR = FIXTURES_DIR / "annotations"
SEEDS_DIR = FIXTURES_DIR / "seeds"
CORPUS_FIXTURE = FIXTURES_DIR / "corpus.json"

ANNOTATION_FILES = ("outlets", "articles", "topics", "speakers", "claims", "rebuttals")


class CorpusError(ValueError):
    """The annotations cannot be built into a fixture; the message lists every problem."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_annotations(annotations_dir=ANNOTATIONS_DIR):
    """Each annotation file's list of entries, by file name."""
    annotations = {}
    for name in ANNOTATION_FILES:
        path = Path(annotations_dir) / f"{name}.yaml"
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(entries, list):
            raise CorpusError([f"{path.name}: expected a list of entries."])
        annotations[name] = entries
    return annotations


def read_seed(seeds_dir, file_name):
    """The seed text exactly as stored: bytes decoded as UTF-8, line endings untouched."""
    return (Path(seeds_dir) / file_name).read_bytes().decode("utf-8")


def iso_date(value):
    """A YAML date (parsed or quoted) as an ISO string; None when it is not a date."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


class _Builder:
    """Turns the annotations into fixture rows, collecting every problem before refusing."""

    def __init__(self, annotations, seeds_dir):
        self.annotations = annotations
        self.seeds_dir = seeds_dir
        self.problems = []
        self.rows = []

    def add_row(self, model, pk, fields):
        self.rows.append({"model": model, "pk": pk, "fields": fields})

    def check_choice(self, where, field, value, choices):
        if value not in choices.values:
            self.problems.append(f"{where}: {field} {value!r} is not one of {', '.join(choices.values)}.")

    def check_date(self, where, field, value, precision):
        day = iso_date(value)
        if day is None:
            self.problems.append(f"{where}: {field} {value!r} is not a date (YYYY-MM-DD).")
            return None
        self.check_choice(where, f"{field}_precision", precision, DatePrecision)
        message = validate_period_start(datetime.date.fromisoformat(day), precision)
        if message and precision in DatePrecision.values:
            self.problems.append(f"{where}: {message}")
        return day

    def curated_id(self, where, entry):
        """The entry's id: its public URL (/claims/2/, /api/quotes/40/), curated, never file order."""
        pk = entry.get("id")
        if not isinstance(pk, int) or isinstance(pk, bool) or pk < 1:
            self.problems.append(f"{where}: id must be a positive whole number, not {pk!r}.")
        return pk

    def unique(self, entries, field, label):
        seen = set()
        for entry in entries:
            value = entry.get(field)
            if not value:
                self.problems.append(f"{label}: an entry has no {field}.")
            elif value in seen:
                self.problems.append(f"{label} {value}: {field} is used twice.")
            seen.add(value)
        return seen

    def build(self):
        self.outlets()
        texts = self.articles()
        self.topics()
        self.speakers()
        self.claims(texts)
        self.rebuttals()
        if self.problems:
            raise CorpusError(self.problems)
        return self.rows

    def outlets(self):
        self.unique(self.annotations["outlets"], "slug", "outlet")
        for pk, outlet in enumerate(self.annotations["outlets"], start=1):
            fields = {
                "name": outlet.get("name", ""),
                "slug": outlet.get("slug"),
                "homepage": outlet.get("homepage") or "",
            }
            self.add_row("sources.outlet", pk, fields)

    def articles(self):
        outlets = {outlet.get("slug") for outlet in self.annotations["outlets"]}
        self.unique(self.annotations["articles"], "slug", "article")
        texts = {}
        for pk, article in enumerate(self.annotations["articles"], start=1):
            where = f"article {article.get('slug')}"
            if article.get("outlet") not in outlets:
                self.problems.append(f"{where}: outlet {article.get('outlet')!r} is not in outlets.yaml.")
            try:
                text = read_seed(self.seeds_dir, article.get("seed_file", ""))
            except (OSError, UnicodeDecodeError) as error:
                self.problems.append(
                    f"{where}: seed file {article.get('seed_file')!r} cannot be read ({error})."
                )
                text = ""
            texts[article.get("slug")] = (text, article)
            precision = article.get("published_on_precision", DatePrecision.DAY)
            fields = {
                "outlet": [article.get("outlet")],
                "headline": article.get("headline", ""),
                "slug": article.get("slug"),
                "url": article.get("url") or "",
                "published_on": self.check_date(
                    where, "published_on", article.get("published_on"), precision
                ),
                "published_on_precision": precision,
                "byline": article.get("byline") or "",
                "text": text,
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "dating_note": article.get("dating_note") or "",
                "seed_file": article.get("seed_file", ""),
                "version": 1,
            }
            self.add_row("sources.article", pk, fields)
        return texts

    def topics(self):
        self.unique(self.annotations["topics"], "slug", "topic")
        for pk, topic in enumerate(self.annotations["topics"], start=1):
            fields = {
                "name": topic.get("name", ""),
                "slug": topic.get("slug"),
                "description": topic.get("description") or "",
            }
            self.add_row("claims.topic", pk, fields)

    def speakers(self):
        slugs = self.unique(self.annotations["speakers"], "slug", "speaker")
        for pk, speaker in enumerate(self.annotations["speakers"], start=1):
            where = f"speaker {speaker.get('slug')}"
            self.check_choice(where, "kind", speaker.get("kind"), SpeakerKind)
            self.check_choice(where, "side", speaker.get("side"), Side)
            affiliation = speaker.get("affiliation")
            if affiliation is not None and (affiliation not in slugs or affiliation == speaker.get("slug")):
                self.problems.append(f"{where}: affiliation {affiliation!r} is not another speaker.")
            fields = {
                "name": speaker.get("name", ""),
                "slug": speaker.get("slug"),
                "kind": speaker.get("kind"),
                "role": speaker.get("role") or "",
                "affiliation": [affiliation] if affiliation else None,
                "is_anonymous": bool(speaker.get("is_anonymous", False)),
                "side": speaker.get("side"),
                "wikidata_id": speaker.get("wikidata_id") or "",
                "version": 1,
            }
            self.add_row("claims.speaker", pk, fields)

    def claims(self, texts):
        speakers = {speaker.get("slug") for speaker in self.annotations["speakers"]}
        topics = {topic.get("slug") for topic in self.annotations["topics"]}
        self.unique(self.annotations["claims"], "key", "claim")
        quote_rows = []
        self.unique(
            [quote for claim in self.annotations["claims"] for quote in claim.get("quotes") or []],
            "id",
            "quote",
        )
        self.unique(self.annotations["claims"], "id", "claim")
        for claim in self.annotations["claims"]:
            key = claim.get("key")
            where = f"claim {key}"
            pk = self.curated_id(where, claim)
            if claim.get("speaker") not in speakers:
                self.problems.append(f"{where}: speaker {claim.get('speaker')!r} is not in speakers.yaml.")
            self.check_choice(where, "claim_type", claim.get("claim_type"), ClaimType)
            precision = claim.get("said_on_precision", DatePrecision.DAY)
            said_on = self.check_date(where, "said_on", claim.get("said_on"), precision)
            said_earliest = claim.get("said_earliest")
            if said_earliest is not None:
                said_earliest = iso_date(said_earliest)
                if said_earliest is None:
                    self.problems.append(f"{where}: said_earliest {claim['said_earliest']!r} is not a date.")
                elif said_on:
                    latest, earliest = (datetime.date.fromisoformat(day) for day in (said_on, said_earliest))
                    if message := validate_bounds(latest, precision, earliest):
                        self.problems.append(f"{where}: said_earliest: {message}")
            unknown_topics = [topic for topic in claim.get("topics") or [] if topic not in topics]
            if unknown_topics:
                self.problems.append(f"{where}: topics {unknown_topics} are not in topics.yaml.")
            fields = {
                "key": key,
                "speaker": [claim.get("speaker")],
                "summary": claim.get("summary", ""),
                "claim_type": claim.get("claim_type"),
                "said_on": said_on,
                "said_on_precision": precision,
                "said_earliest": said_earliest,
                "dating_note": claim.get("dating_note") or "",
                "venue": claim.get("venue") or "",
                "topics": [[topic] for topic in claim.get("topics") or []],
                "note": claim.get("note") or "",
                "version": 1,
            }
            self.add_row("claims.claim", pk, fields)
            quotes = claim.get("quotes") or []
            if not quotes:
                self.problems.append(f"{where}: has no quote.")
            for quote in quotes:
                quote_pk = self.curated_id(f"{where}: quote in {quote.get('article')}", quote)
                quote_rows.append((quote_pk, self.quote(where, key, quote, texts)))
        for pk, fields in quote_rows:
            self.add_row("claims.quote", pk, fields)

    def quote(self, where, key, quote, texts):
        slug = quote.get("article")
        text = quote.get("text") or ""
        start = end = None
        self.check_choice(where, "quote mode", quote.get("mode"), QuoteMode)
        if slug not in texts:
            self.problems.append(f"{where}: quote's article {slug!r} is not in articles.yaml.")
        else:
            try:
                start, end = anchoring.anchor(texts[slug][0], text, quote.get("occurrence"))
            except anchoring.AnchorError as error:
                self.problems.append(f"{where}: quote in {slug}: {error} Quote: “{text[:80]}”")
        return {
            "claim": [key],
            "article": [slug],
            "text": text,
            "start": start,
            "end": end,
            "mode": quote.get("mode"),
            "attribution": quote.get("attribution") or "",
            "note": quote.get("note") or "",
            "version": 1,
        }

    def rebuttals(self):
        keys = {claim.get("key") for claim in self.annotations["claims"]}
        pairs = set()
        self.unique(self.annotations["rebuttals"], "id", "rebuttal")
        for rebuttal in self.annotations["rebuttals"]:
            rebutting, rebutted = rebuttal.get("rebutting"), rebuttal.get("rebutted")
            where = f"rebuttal {rebutting} -> {rebutted}"
            pk = self.curated_id(where, rebuttal)
            for end in (rebutting, rebutted):
                if end not in keys:
                    self.problems.append(f"{where}: claim {end!r} is not in claims.yaml.")
            if rebutting == rebutted:
                self.problems.append(f"{where}: a claim cannot rebut itself.")
            if (rebutting, rebutted) in pairs:
                self.problems.append(f"{where}: the pair is linked twice.")
            pairs.add((rebutting, rebutted))
            self.check_choice(where, "relation", rebuttal.get("relation"), RebuttalRelation)
            fields = {
                "rebutting_claim": [rebutting],
                "rebutted_claim": [rebutted],
                "relation": rebuttal.get("relation"),
                "note": rebuttal.get("note") or "",
                "version": 1,
            }
            self.add_row("claims.rebuttal", pk, fields)


def build_rows(annotations_dir=ANNOTATIONS_DIR, seeds_dir=SEEDS_DIR):
    """Fixture rows in file order, claims, quotes and rebuttals with their curated ids; raises CorpusError."""
    return _Builder(read_annotations(annotations_dir), seeds_dir).build()


def render(rows):
    """The fixture file's text: the same rows always give the same bytes."""
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def build_fixture(annotations_dir=ANNOTATIONS_DIR, seeds_dir=SEEDS_DIR):
    """The corpus fixture's text, built from the annotations and the seeds."""
    return render(build_rows(annotations_dir, seeds_dir))


def corpus_counts():
    """How many articles, speakers, claims, quotes and rebuttals the database holds."""
    return {
        "articles": Article.objects.count(),
        "speakers": Speaker.objects.count(),
        "claims": Claim.objects.count(),
        "quotes": Quote.objects.count(),
        "rebuttals": Rebuttal.objects.count(),
    }


def corpus_problems():
    """Every problem with the loaded corpus, one sentence each; empty when the corpus is sound."""
    problems = []
    for article in Article.objects.order_by("pk"):
        if hashlib.sha256(article.text.encode("utf-8")).hexdigest() != article.text_sha256:
            problems.append(f"article {article.slug}: text does not match its SHA-256.")
    for quote in Quote.objects.select_related("article", "claim").order_by("pk"):
        status = quote.verify()
        if status != anchoring.AnchorStatus.EXACT:
            problems.append(
                f"quote {quote.pk} of claim {quote.claim.key} in article {quote.article.slug}: "
                f"{status} (offsets {quote.start}–{quote.end})."
            )
        article_end = period_end(quote.article.published_on, quote.article.published_on_precision)
        if quote.claim.said_on > article_end:
            problems.append(
                f"claim {quote.claim.key}: said on {quote.claim.said_on_iso}, after article "
                f"{quote.article.slug} reporting it was published ({quote.article.published_on.isoformat()})."
            )
    for claim in Claim.objects.filter(quotes__isnull=True).order_by("pk"):
        problems.append(f"claim {claim.key}: has no quote.")
    missing_end = Rebuttal.objects.exclude(
        Exists(Claim.objects.filter(pk=OuterRef("rebutting_claim_id")))
        & Exists(Claim.objects.filter(pk=OuterRef("rebutted_claim_id")))
    )
    for rebuttal in missing_end.order_by("pk"):
        problems.append(
            f"rebuttal {rebuttal.pk}: claim {rebuttal.rebutting_claim_id} -> claim "
            f"{rebuttal.rebutted_claim_id} has a missing end."
        )
    dangling = Speaker.objects.filter(affiliation__isnull=False).exclude(
        Exists(Speaker.objects.filter(pk=OuterRef("affiliation_id")))
    )
    for speaker in dangling.order_by("pk"):
        problems.append(f"speaker {speaker.slug}: affiliation {speaker.affiliation_id} does not exist.")
    return problems


def summary_line(counts, problem_count, warning_count=0):
    """The checker's one-line summary; warnings are counted only when there are some."""
    line = (
        f"{counts['articles']} articles, {counts['speakers']} speakers, {counts['claims']} claims, "
        f"{counts['quotes']} quotes, {counts['rebuttals']} rebuttals: "
        f"{problem_count} {'problem' if problem_count == 1 else 'problems'}"
    )
    if warning_count:
        line += f", {warning_count} {'warning' if warning_count == 1 else 'warnings'}"
    return line
