"""Complete history: loaded rows, topic links and restored rows each get a version with its record.

simple-history records a row's saves and deletes. This module fills the gaps (docs/history.md):
- a row written by `loaddata` (a raw save, which simple-history skips) gets its first record;
- adding or removing a claim's topics, from either side, is a new version of each claim touched,
  unless it follows a save of the same claim in the same request (an admin or API save that also
  sets topics), whose record then carries the new topics: one edit, one version;
- deleting a topic is a new version of every claim it was on, and restoring the topic links them
  again.
Versions are bumped by saving the row normally, so the version counter stays in one place.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import ManyToManyField, Max
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils.text import capfirst
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

# Set on a saved instance: (the request it was saved in, or LOADING; its history record).
OPEN_RECORD = "_history_open_record"
LOADING = object()


def current_request():
    """The request simple-history's middleware is serving in this thread, if any."""
    return getattr(HistoricalRecords.context, "request", None)


def curated_models():
    """Every model whose history the admin shows."""
    from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
    from sources.models import Article, Outlet

    return [Outlet, Article, Topic, Speaker, Claim, Quote, Rebuttal]


def save_new_version(model, pk, reason, user=None):
    """Save the stored row again, so its version counts one more and its record shows it now."""
    with transaction.atomic(using=model._default_manager.db):
        row = model._default_manager.select_for_update().filter(pk=pk).first()
        if row is None:
            return None
        if user is not None:
            row._history_user = user
        row._change_reason = reason[:100]  # The record's reason holds 100 characters.
        row.save()
    return row


def version_record(instance):
    """The history record an instance was built from (a version shown or restored), else None."""
    return getattr(instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)


def row_exists(instance):
    return type(instance)._default_manager.filter(pk=instance.pk).exists()


def deleted_records(model, limit):
    """The latest deletion record of each row of model that is gone now, latest first."""
    pk_name = model._meta.pk.attname
    records = (
        model.history.filter(history_type="-")
        .exclude(**{f"{pk_name}__in": model._default_manager.values("pk")})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    latest = {}
    for record in records.iterator():
        pk = getattr(record, pk_name)
        if pk not in latest:
            record.object_pk = pk
            try:
                record.label = str(record.instance)
            except ObjectDoesNotExist:  # Its name needs a row that is gone too, e.g. a rebuttal's claims.
                record.label = f"{model._meta.verbose_name} {pk}"
            latest[pk] = record
            if len(latest) == limit:
                break
    return list(latest.values())


def prepare_version(instance, for_display):
    """Ready an old version for the admin's form: its own topics shown, and a deleted row inserted."""
    record = version_record(instance)
    if not row_exists(instance):
        instance._state.adding = True  # Saving it inserts the row again, like an add.
    if not for_display:
        return
    # The form and read-only view read many-to-many values from the instance: give them the
    # version's links, not today's (never on a POST, whose save must compare with today's).
    cache = getattr(instance, "_prefetched_objects_cache", {})
    for field in type(instance)._meta.get_fields():
        if isinstance(field, ManyToManyField) and hasattr(record, field.name):
            linked = getattr(record, field.name).values_list(field.m2m_reverse_name(), flat=True)
            cache[field.name] = field.related_model._default_manager.filter(pk__in=list(linked))
    instance._prefetched_objects_cache = cache


def prepare_restore(instance):
    """Name the restore in its record; a row brought back gets a version number never used before."""
    record = version_record(instance)
    model = type(instance)
    if instance._state.adding:
        instance._change_reason = (
            f"Restored after deletion, from the record of {record.history_date:%Y-%m-%d %H:%M}"
        )
        if hasattr(instance, "version"):
            used = model.history.filter(**{model._meta.pk.attname: instance.pk}).aggregate(Max("version"))
            instance.version = (used["version__max"] or 0) + 1
    else:
        instance._change_reason = f"Restored the version of {record.history_date:%Y-%m-%d %H:%M}"


class VersionedHistoricalRecords(HistoricalRecords):
    """HistoricalRecords whose many-to-many changes are versions of the row, from either side."""

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if hasattr(instance, "skip_history_when_saving"):
            return
        if reverse:
            self.related_rows_changed(instance, action, attr, pk_set)
        elif action in ("post_add", "post_remove", "post_clear") and (pk_set or action == "post_clear"):
            self.row_changed(instance, attr)

    def row_changed(self, instance, attr):
        saved_in, record = getattr(instance, OPEN_RECORD, (None, None))
        if record is not None and (saved_in is LOADING or saved_in is current_request()):
            # Part of the save just made: that version's record gets the links it now has.
            for m2m_model in self.m2m_models.values():
                m2m_model.objects.filter(history=record).delete()
            self.create_historical_record_m2ms(record, instance)
            return
        reason = getattr(
            instance,
            "_history_m2m_reason",
            f"{capfirst(instance._meta.get_field(attr).verbose_name)} changed",
        )
        row = save_new_version(type(instance), instance.pk, reason, getattr(instance, "_history_user", None))
        if row is not None and hasattr(instance, "version"):
            instance.version = row.version

    def related_rows_changed(self, related, action, attr, pk_set):
        """A topic's claims were changed from the topic's side: each claim touched is a new version."""
        if action == "pre_clear":
            field = self.cls._meta.get_field(attr)
            accessor = field.remote_field.get_accessor_name()
            related._history_cleared_pks = list(getattr(related, accessor).values_list("pk", flat=True))
            return
        if action == "post_clear":
            pk_set = getattr(related, "_history_cleared_pks", [])
        elif action not in ("post_add", "post_remove"):
            return
        reason = f"{capfirst(self.cls._meta.get_field(attr).verbose_name)} changed"
        for pk in sorted(pk_set or []):
            save_new_version(self.cls, pk, reason)


def keep_record_open(sender, instance, history_instance, **kwargs):
    """Remember a claim's new record for the topic changes the same request makes next."""
    request = current_request()
    if request is not None:
        setattr(instance, OPEN_RECORD, (request, history_instance))


def record_loaded_row(sender, instance, created, raw=False, **kwargs):
    """A row written by loaddata gets a record too (simple-history skips raw saves)."""
    if not raw:
        return
    records = sender.history.bulk_history_create(
        [instance], update=not created, default_change_reason="Loaded from a fixture"
    )
    if records:  # None when SIMPLE_HISTORY_ENABLED is off.
        setattr(instance, OPEN_RECORD, (LOADING, records[0]))


def remember_topic_claims(sender, instance, **kwargs):
    instance._history_claim_pks = list(instance.claims.values_list("pk", flat=True))


def topic_deleted(sender, instance, **kwargs):
    """The links went with the topic: each claim it was on is a new version without it."""
    from claims.models import Claim

    for pk in getattr(instance, "_history_claim_pks", []):
        save_new_version(Claim, pk, f"Topic “{instance}” deleted")


def claims_linked_when_deleted(topic_pk):
    """The existing claims that had this topic just before its latest deletion."""
    from claims.models import Claim, Topic

    deletion = Topic.history.filter(id=topic_pk, history_type="-").order_by("-history_date").first()
    if deletion is None:
        return []
    links = Claim.history.model.topics.model.objects
    candidates = links.filter(topic_id=topic_pk, history__history_date__lt=deletion.history_date)
    linked = []
    for claim in Claim.objects.filter(pk__in=candidates.values("claim_id")).order_by("pk"):
        before = (
            Claim.history.filter(id=claim.pk, history_date__lt=deletion.history_date)
            .order_by("-history_date", "-history_id")
            .first()
        )
        if before is not None and links.filter(history=before, topic_id=topic_pk).exists():
            linked.append(claim)
    return linked


def topic_saved(sender, instance, created, raw=False, **kwargs):
    """A deleted topic brought back is linked again to the claims it was on (each a new version)."""
    if raw or not created:
        return
    for claim in claims_linked_when_deleted(instance.pk):
        claim._history_m2m_reason = f"Topic “{instance}” restored"
        claim.topics.add(instance)


def connect_history_signals():
    from claims.models import Claim, Topic

    for model in curated_models():
        post_save.connect(record_loaded_row, sender=model, dispatch_uid=f"record_loaded_{model._meta.label}")
    post_create_historical_record.connect(
        keep_record_open, sender=Claim.history.model, dispatch_uid="history_keep_claim_record_open"
    )
    pre_delete.connect(remember_topic_claims, sender=Topic, dispatch_uid="history_remember_topic_claims")
    post_delete.connect(topic_deleted, sender=Topic, dispatch_uid="history_topic_deleted")
    post_save.connect(topic_saved, sender=Topic, dispatch_uid="history_topic_restored")
