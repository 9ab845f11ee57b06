"""Citations of claims: CSL-JSON items built once, written as CSL-JSON, BibTeX, RIS or APA-like text.

A claim is cited as a database entry: its speaker the author, the day (month, year) it was said
the date issued, our page the URL, with its version and the day it was read, its source articles
in a note. The CSL type is "dataset" and the RIS type DATA, which Zotero imports as its Dataset
item; BibTeX has no dataset type Zotero reads (it drops @dataset), so BibTeX uses @misc.
"""

import calendar
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice

import orjson
from django.utils.html import format_html

from claims.models import Claim, ClaimType, Quote, SpeakerKind
from sources.dates import DatePrecision, format_with_precision
from tiktok_claims.streaming import every_row

PUBLISHER = "TikTok claims database"
CLAIM_TYPE_LABELS = dict(ClaimType.choices)
# Claims are read, and their topics and sources fetched, this many at a time.
CHUNK_ROWS = 2_000


@dataclass
class SourceArticle:
    headline: str
    outlet: str
    published_on: datetime.date
    published_on_precision: str
    url: str


@dataclass
class CitedClaim:
    """What a citation of one claim says, whatever the format."""

    id: int
    key: str
    summary: str
    claim_type: str
    said_on: datetime.date
    said_on_precision: str
    venue: str
    version: int
    speaker_name: str
    speaker_kind: str
    speaker_is_anonymous: bool
    topics: list = field(default_factory=list)
    articles: list = field(default_factory=list)


def cited_claim(claim):
    """A Claim instance (speaker, topics and quotes' articles prefetched or not) as a CitedClaim."""
    articles = {}
    for quote in sorted(claim.quotes.all(), key=lambda quote: (quote.article.published_on, quote.article_id)):
        article = quote.article
        articles[article.pk] = SourceArticle(
            article.headline,
            article.outlet.name,
            article.published_on,
            article.published_on_precision,
            article.url,
        )
    return CitedClaim(
        id=claim.pk,
        key=claim.key,
        summary=claim.summary,
        claim_type=claim.claim_type,
        said_on=claim.said_on,
        said_on_precision=claim.said_on_precision,
        venue=claim.venue,
        version=claim.version,
        speaker_name=claim.speaker.name,
        speaker_kind=claim.speaker.kind,
        speaker_is_anonymous=claim.speaker.is_anonymous,
        topics=sorted(topic.name for topic in claim.topics.all()),
        articles=list(articles.values()),
    )


CLAIM_VALUES = [
    "id",
    "key",
    "summary",
    "claim_type",
    "said_on",
    "said_on_precision",
    "venue",
    "version",
    "speaker__name",
    "speaker__kind",
    "speaker__is_anonymous",
]


def cited_claims(queryset):
    """Each claim of a queryset as a CitedClaim, in its order: three queries per CHUNK_ROWS claims."""
    rows = every_row(queryset.prefetch_related(None).values(*CLAIM_VALUES), CHUNK_ROWS)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        ids = [row["id"] for row in chunk]
        topics, articles = defaultdict(list), defaultdict(dict)
        for claim_id, name in (
            Claim.topics.through.objects.filter(claim__in=ids)
            .order_by("topic__name")
            .values_list("claim_id", "topic__name")
        ):
            topics[claim_id].append(name)
        quotes = (
            Quote.objects.filter(claim__in=ids)
            .order_by("article__published_on", "article_id")
            .values_list(
                "claim_id",
                "article_id",
                "article__headline",
                "article__outlet__name",
                "article__published_on",
                "article__published_on_precision",
                "article__url",
            )
        )
        for claim_id, article_id, *article in quotes:
            articles[claim_id][article_id] = SourceArticle(*article)
        for row in chunk:
            yield CitedClaim(
                id=row["id"],
                key=row["key"],
                summary=row["summary"],
                claim_type=row["claim_type"],
                said_on=row["said_on"],
                said_on_precision=row["said_on_precision"],
                venue=row["venue"],
                version=row["version"],
                speaker_name=row["speaker__name"],
                speaker_kind=row["speaker__kind"],
                speaker_is_anonymous=row["speaker__is_anonymous"],
                topics=topics[row["id"]],
                articles=list(articles[row["id"]].values()),
            )


def date_parts(day, precision=DatePrecision.DAY):
    """A date as CSL date-parts, only as precise as it is known: [[2020]], [[2020, 8]] or [[2020, 8, 12]]."""
    parts = [day.year, day.month, day.day]
    if precision == DatePrecision.YEAR:
        parts = parts[:1]
    elif precision == DatePrecision.MONTH:
        parts = parts[:2]
    return {"date-parts": [parts]}


def author(claim):
    """A person as family and given names (the last word is the family name); any other speaker whole."""
    words = claim.speaker_name.split()
    if claim.speaker_kind == SpeakerKind.PERSON and not claim.speaker_is_anonymous and len(words) > 1:
        return {"family": words[-1], "given": " ".join(words[:-1])}
    return {"literal": claim.speaker_name}


def sources_note(claim):
    """The claim's source articles, oldest first, as one line of text."""
    sources = [
        f"{article.outlet}, “{article.headline}”, "
        f"{format_with_precision(article.published_on, article.published_on_precision)}"
        + (f", {article.url}" if article.url else "")
        for article in claim.articles
    ]
    return "Sources: " + "; ".join(sources) + "." if sources else ""


def csl_item(claim, url, accessed):
    """One claim as a CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html)."""
    note = [f"Claim {claim.id}, version {claim.version}."]
    if claim.venue:
        note.append(f"Venue: {claim.venue}.")
    if claim.articles:
        note.append(sources_note(claim))
    item = {
        "id": claim.key,
        "citation-key": claim.key,
        "type": "dataset",
        "title": claim.summary,
        "author": [author(claim)],
        "issued": date_parts(claim.said_on, claim.said_on_precision),
        "accessed": date_parts(accessed),
        "URL": url,
        "publisher": PUBLISHER,
        "version": str(claim.version),
        "genre": CLAIM_TYPE_LABELS.get(claim.claim_type, claim.claim_type),
        "note": " ".join(note),
    }
    if claim.topics:
        item["keyword"] = ", ".join(claim.topics)
    return item


# --- Writers: each takes CSL items and yields text, item by item, so a long list streams. ---


def csl_json_chunks(items):
    """A CSL-JSON array, one item per line."""
    yield "["
    for number, item in enumerate(items):
        yield ("," if number else "") + "\n" + orjson.dumps(item).decode()
    yield "\n]\n"


BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


# One regular expression pass: most values hold none of them (str.translate to multi-character
# strings took twice as long on 100,000 claims).
BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(BIBTEX_SPECIALS)) + "]")


def bibtex_escape(text):
    """Text with LaTeX's special characters escaped; other Unicode stays as it is (UTF-8)."""
    return BIBTEX_SPECIAL.sub(lambda match: BIBTEX_SPECIALS[match.group()], text)


def bibtex_name(name):
    """A CSL name as BibTeX: "Family, Given", or braced whole so an organisation is not split."""
    if "literal" in name:
        return "{" + bibtex_escape(name["literal"]) + "}"
    return f"{bibtex_escape(name['family'])}, {bibtex_escape(name['given'])}"


def iso_date(date):
    return "-".join(f"{part:02d}" for part in date["date-parts"][0])


def bibtex_entry(item):
    """One CSL item as a BibTeX @misc entry (with biblatex's date, urldate and version)."""
    issued = item["issued"]["date-parts"][0]
    fields = [
        ("author", " and ".join(bibtex_name(name) for name in item["author"])),
        # Double braces keep the title's capitals as they are.
        ("title", "{" + bibtex_escape(item["title"]) + "}"),
        ("year", str(issued[0])),
    ]
    if len(issued) > 1:
        fields.append(("month", BIBTEX_MONTHS[issued[1] - 1]))
    fields += [
        ("date", iso_date(item["issued"])),
        (
            "howpublished",
            bibtex_escape(f"{item['publisher']}, {item['genre'].lower()}, version {item['version']}"),
        ),
        ("publisher", bibtex_escape(item["publisher"])),
        ("version", item["version"]),
        ("url", item["URL"]),
        ("urldate", iso_date(item["accessed"])),
    ]
    if "keyword" in item:
        fields.append(("keywords", bibtex_escape(item["keyword"])))
    fields.append(("note", bibtex_escape(item["note"])))
    lines = [f"@misc{{{item['citation-key']},"]
    for name, value in fields:
        # A month is BibTeX's own macro (jan, feb...), written bare.
        lines.append(f"  {name} = {value}," if name == "month" else f"  {name} = {{{value}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def bibtex_chunks(items):
    for number, item in enumerate(items):
        yield ("\n" if number else "") + bibtex_entry(item)


def ris_date(date):
    """RIS's date form: YYYY/MM/DD/ with the unknown parts left empty."""
    parts = date["date-parts"][0]
    return "/".join([f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])] + [""] * (3 - len(parts) + 1))


def ris_name(name):
    return name["literal"] if "literal" in name else f"{name['family']}, {name['given']}"


def ris_record(item):
    """One CSL item as an RIS record of type DATA."""
    fields = [("TY", "DATA"), ("ID", item["citation-key"])]
    fields += [("AU", ris_name(name)) for name in item["author"]]
    fields += [
        ("TI", item["title"]),
        ("PY", str(item["issued"]["date-parts"][0][0])),
        ("DA", ris_date(item["issued"])),
        ("DB", item["publisher"]),
        ("PB", item["publisher"]),
        ("ET", item["version"]),
        ("M3", item["genre"]),
        ("UR", item["URL"]),
        ("Y2", ris_date(item["accessed"])),
    ]
    fields += [("KW", keyword) for keyword in item.get("keyword", "").split(", ") if keyword]
    fields.append(("N1", item["note"]))
    fields.append(("ER", ""))
    # RIS is line-based: a value never spans lines.
    return "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in fields)


def one_line(text):
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def ris_chunks(items):
    for item in items:
        yield ris_record(item)


# --- What a reader sees on the claim page. ---


def apa_author(name):
    """APA's form of a name: "Pompeo, M." for a person, the whole name otherwise."""
    if "literal" in name:
        return name["literal"]
    initials = " ".join(f"{part[0]}." for part in name["given"].replace("-", " ").split())
    return f"{name['family']}, {initials}"


def apa_date(date):
    """APA's form of a date: (2020), (2020, August) or (2020, August 12)."""
    parts = date["date-parts"][0]
    text = str(parts[0])
    if len(parts) > 1:
        text += f", {calendar.month_name[parts[1]]}"
    if len(parts) > 2:
        text += f" {parts[2]}"
    return text


def apa_citation(item):
    """An APA-like reference to a claim, as HTML: author, date, title, version and type, database, URL."""
    accessed = item["accessed"]["date-parts"][0]
    accessed_text = f"{calendar.month_name[accessed[1]]} {accessed[2]}, {accessed[0]}"
    return format_html(
        '{} ({}). <cite>{}</cite> (Version {}) [{}]. {}. Retrieved {}, from <a href="{}">{}</a>',
        ", ".join(apa_author(name) for name in item["author"]),
        apa_date(item["issued"]),
        item["title"],
        item["version"],
        item["genre"],
        item["publisher"],
        accessed_text,
        item["URL"],
        item["URL"],
    )


def claim_citation(claim, url):
    """The APA-like reference to a Claim instance read today, for its page."""
    return apa_citation(csl_item(cited_claim(claim), url, datetime.date.today()))
