"""Optimistic locking: every save of a curated row counts its version; a stale edit is explained."""

from django.db.models import ManyToManyField
from django.db.models.signals import pre_save
from django.utils.text import capfirst
from simple_history.utils import get_m2m_reverse_field_name

# Longest old or new value shown in a stale-edit message; the history page has the rest.
SHOWN_VALUE_LENGTH = 120


def versioned_models():
    """The curated models that carry a version counter."""
    from claims.models import Claim, Quote, Rebuttal, Speaker
    from sources.models import Article

    return [Article, Speaker, Claim, Quote, Rebuttal]


def count_version(sender, instance, raw=False, **kwargs):
    """Give an updated row the stored version plus one, so every save counts (fixtures load as is)."""
    if raw or instance._state.adding:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
    if stored is not None:
        instance.version = stored + 1


def connect_version_counters():
    for model in versioned_models():
        pre_save.connect(count_version, sender=model, dispatch_uid=f"count_version_{model._meta.label}")


def shorten(value):
    text = "" if value is None else str(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def show_value(field, value):
    """A value as a curator reads it: related rows by name, topics by name."""
    if isinstance(field, ManyToManyField):
        reverse_name = get_m2m_reverse_field_name(field)
        related = field.related_model._default_manager.filter(pk__in=[row[reverse_name] for row in value])
        return ", ".join(str(row) for row in related) or "(none)"
    if value is None or value == "":
        return "(empty)"
    return f"“{shorten(value)}”"


def changes_since(model, pk, seen_version):
    """Lines saying who saved the row after seen_version, when, and each field's old -> new value."""
    records = model.history.filter(**{model._meta.pk.attname: pk}).order_by("-history_date", "-history_id")
    latest = records.first()
    if latest is None:
        return []
    seen = records.filter(version=seen_version).first()
    editors = sorted(
        {
            str(record.history_user or "someone without an account")
            for record in records.filter(version__gt=seen_version)
        }
    )
    who = ", ".join(editors) or "Another curator"
    lines = [
        f"{who} saved this {model._meta.verbose_name} after you opened it (last saved "
        f"{latest.history_date:%Y-%m-%d %H:%M} UTC, version {seen_version} -> {latest.version})."
    ]
    if seen is None:
        return lines
    delta = latest.diff_against(seen, excluded_fields=["version"], foreign_keys_are_objs=True)
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        old, new = show_value(field, change.old), show_value(field, change.new)
        lines.append(f"{capfirst(field.verbose_name)}: {old} -> {new}")
    return lines
