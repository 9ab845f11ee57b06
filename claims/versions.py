"""A claim's public versions, read from its history records; corrections; the deleted claim's tombstone.

Each version is the claim as one save left it: its number is the claim's `version` counter.
Several records with one number (a save and the topic changes of the same admin form) are one
version, the last of them; a deletion is listed after the last version, without a number of its
own. Curators are never named: a version says the role of whoever made it. docs/versions.md.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from claims.models import Claim, ClaimType, Correction, Speaker, Topic
from sources.dates import DatePrecision, format_with_precision

# The fields a reader sees, in the order a version lists its changes, with their labels.
PUBLIC_FIELDS = {
    "summary": "Summary",
    "speaker": "Speaker",
    "claim_type": "Type",
    "said_on": "Said on",
    "said_on_precision": "Date known to the",
    "dating_note": "Dating note",
    "venue": "Venue",
    "topics": "Topics",
    "note": "Curator's note",
    "key": "Key",
}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
REMOVED_BY_DEFAULT = "removed by the editors"


def editor_role(user):
    """Who made a version, as the public may know it: a role, never a name."""
    if user is None:
        return "system"  # a data load or a command run by the operators
    return "editor" if user.is_superuser else "curator"


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class Version:
    claim_id: int
    number: int | None
    date: datetime
    action: str
    role: str
    state: dict
    changes: list = field(default_factory=list)
    correction: Correction | None = None
    first_recorded: bool = False

    @property
    def web_path(self):
        if self.number is None:
            return None
        return reverse("claims:claim-version", args=[self.claim_id, self.number])


# The largest id a database column holds; a larger one in a URL is an id never used, not a 500.
MAX_ID = 2**63 - 1


def history_records(claim_id):
    if claim_id > MAX_ID:
        raise Http404("No claim has this id.")
    return list(
        Claim.history.filter(id=claim_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def shown(value):
    return "(empty)" if value in (None, "") else str(value)


def names_by_id(model, ids):
    """Names of rows by id; a row deleted since is named as its history last knew it."""
    names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
    missing = set(ids) - set(names)
    if missing:
        for pk, name in (
            model.history.filter(id__in=missing).order_by("history_date").values_list("id", "name")
        ):
            names[pk] = name
    return names


def record_states(records):
    """Each record's public fields as a reader sees them (names, labels), in records' order."""
    through = Claim.history.model.topics.model  # one row per topic per record
    topic_ids = {}
    for history_id, topic_id in through.objects.filter(
        history__in=[r.history_id for r in records]
    ).values_list("history_id", "topic_id"):
        topic_ids.setdefault(history_id, []).append(topic_id)
    topic_names = names_by_id(Topic, {pk for pks in topic_ids.values() for pk in pks})
    speaker_names = names_by_id(Speaker, {record.speaker_id for record in records})
    speaker_slugs = dict(
        Speaker.objects.filter(pk__in={r.speaker_id for r in records}).values_list("pk", "slug")
    )
    states = []
    for record in records:
        topics = sorted(topic_names.get(pk, f"topic {pk}") for pk in topic_ids.get(record.history_id, []))
        states.append(
            {
                "summary": record.summary,
                "speaker": speaker_names.get(record.speaker_id, f"speaker {record.speaker_id}"),
                "speaker_slug": speaker_slugs.get(record.speaker_id),
                "claim_type": ClaimType(record.claim_type).label
                if record.claim_type in ClaimType.values
                else record.claim_type,
                "said_on": record.said_on.isoformat(),
                "said_on_precision": record.said_on_precision,
                "said": format_with_precision(record.said_on, record.said_on_precision)
                if record.said_on_precision in DatePrecision.values
                else record.said_on.isoformat(),
                "dating_note": record.dating_note,
                "venue": record.venue,
                "topics": ", ".join(topics),
                "note": record.note,
                "key": record.key,
            }
        )
    return states


def claim_versions(claim_id):
    """Every version of the claim, oldest first, each with its changes from the one before."""
    records = history_records(claim_id)
    states = record_states(records)
    corrections = {c.version: c for c in Correction.objects.filter(claim_id=claim_id)}
    versions, previous = [], None
    for index, (record, state) in enumerate(zip(records, states, strict=True)):
        following = records[index + 1] if index + 1 < len(records) else None
        deleted = record.history_type == "-"
        # A record followed by another of the same number (not a deletion) is an intermediate
        # state of one save: the version is the last of them.
        if not deleted and following is not None and following.history_type != "-":
            if following.version == record.version:
                continue
        version = Version(
            claim_id=claim_id,
            number=None if deleted else record.version,
            date=record.history_date,
            action=ACTIONS.get(record.history_type, "changed"),
            role=editor_role(record.history_user),
            state=state,
            correction=None if deleted else corrections.get(record.version),
        )
        if previous is None:
            version.first_recorded = record.history_type != "+"
        elif not deleted:
            version.changes = [
                Change(name, label, shown(previous[name]), shown(state[name]))
                for name, label in PUBLIC_FIELDS.items()
                if previous[name] != state[name]
            ]
        if deleted:
            version.state = previous or state
        versions.append(version)
        previous = state
    return versions


def claim_version(claim_id, number):
    for version in claim_versions(claim_id):
        if version.number == number:
            return version
    raise Http404("This claim has no such version.")


def record_correction(claim, note):
    """Mark the claim's stored version (the one this write made) as a correction, with a public note."""
    note = (note or "").strip()
    if not note or claim.pk is None:
        return None
    version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True).first()
    with transaction.atomic():
        correction, _ = Correction.objects.update_or_create(
            claim_id=claim.pk, version=version, defaults={"note": note}
        )
    return correction


def deletion_record(claim_id):
    """The claim's deletion record when its last record is one, else None."""
    if claim_id > MAX_ID:
        return None
    last = Claim.history.filter(id=claim_id).order_by("-history_date", "-history_id").first()
    return last if last is not None and last.history_type == "-" else None


def tombstone(request, claim_id):
    """A deleted claim's page: 410, what it was and why it went; a 404 for an id never used."""
    record = deletion_record(claim_id)
    if record is None:
        raise Http404("No claim has this id.")
    state = record_states([record])[0]
    context = {
        "claim_id": claim_id,
        "state": state,
        "deleted_on": record.history_date,
        "reason": record.history_change_reason or REMOVED_BY_DEFAULT,
        "versions_url": reverse("claims:claim-versions", args=[claim_id]),
        "corrections": Correction.objects.filter(claim_id=claim_id),
        "section": "claims",
    }
    return render(request, "claims/claim_tombstone.html", context, status=410)


def versions_page(request, pk):
    """/claims/<id>/versions/: every version, newest first, with what changed and any correction."""
    versions = claim_versions(pk)
    if not versions:
        claim = Claim.objects.filter(pk=pk).first()
        if claim is None:
            raise Http404("No claim has this id.")
    current = Claim.objects.filter(pk=pk).first()
    context = {
        "claim_id": pk,
        "claim": current,
        "versions": list(reversed(versions)),
        "summary": current.summary if current else versions[-1].state["summary"],
        "section": "claims",
    }
    return render(request, "claims/claim_versions.html", context)


def version_page(request, pk, number):
    """/claims/<id>/versions/<n>/: the claim as version n left it; a citable address."""
    version = claim_version(pk, number)
    current = Claim.objects.filter(pk=pk).only("pk", "version").first()
    context = {
        "claim_id": pk,
        "version": version,
        "current": current,
        "is_latest": current is not None and current.version == number,
        "version_url": request.build_absolute_uri(version.web_path),
        "section": "claims",
    }
    return render(request, "claims/claim_version.html", context)


CORRECTIONS_PER_PAGE = 50


def corrections_page(request):
    """/corrections/: every correction, newest first."""
    corrections = Correction.objects.all()
    paginator = Paginator(corrections, CORRECTIONS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    summaries = claim_summaries([correction.claim_id for correction in page])
    for correction in page:
        correction.summary = summaries.get(correction.claim_id, f"claim {correction.claim_id}")
    context = {"page_obj": page, "corrections": page.object_list, "section": "claims"}
    return render(request, "claims/corrections.html", context)


def claim_summaries(ids):
    """Claims' summaries by id, a deleted claim's as its history last knew it."""
    summaries = dict(Claim.objects.filter(pk__in=ids).values_list("pk", "summary"))
    missing = set(ids) - set(summaries)
    if missing:
        for pk, summary in (
            Claim.history.filter(id__in=missing).order_by("history_date").values_list("id", "summary")
        ):
            summaries[pk] = summary
    return summaries


def last_modified(claim_ids):
    """When each claim last changed (its newest history record), by id; absent when never recorded."""
    return dict(
        Claim.history.filter(id__in=claim_ids)
        .order_by()
        .values("id")
        .annotate(last=Max("history_date"))
        .values_list("id", "last")
    )
