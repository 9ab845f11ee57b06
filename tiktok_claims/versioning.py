"""Optimistic locking: every write of a curated row is checked against, and counts, its stored version."""

from django.db import OperationalError
from django.db.models import F, ManyToManyField, Max
from django.utils.text import capfirst
from simple_history.utils import get_m2m_reverse_field_name

# Longest old or new value shown in a stale-edit message; the history page has the rest.
SHOWN_VALUE_LENGTH = 120

# PostgreSQL's answers when writers collide: lock_not_available (lock_timeout), serialization
# failure, deadlock. Not an outage: the database is up, another writer was first.
POSTGRESQL_CONFLICT_CODES = {"55P03", "40001", "40P01"}


class VersionConflict(Exception):
    """A save found its row at another version than the one it was based on, or gone: nothing was saved."""

    def __init__(self, instance, expected, stored):
        self.instance, self.expected, self.stored = instance, expected, stored
        name = f"{instance._meta.verbose_name} {instance.pk}"
        if stored is None:
            message = f"The {name} was deleted by someone else; nothing was saved."
        else:
            message = (
                f"The {name} was saved by someone else while you were saving it (version {expected} -> "
                f"{stored}); nothing was saved. Load it again and make your change again."
            )
        super().__init__(message)


class VersionedModel:
    """Each save is `UPDATE ... SET <changed>, version = version + 1 WHERE pk = ... AND version = ...`.

    The version the instance was loaded at (or that a form checked) is the one the UPDATE
    requires, so a save based on an older row changes nothing and raises VersionConflict, and
    two saves can never end on the same version. Only the fields that differ from the loaded
    row are written, so a save cannot put back values it merely read. Works through plain
    save(), for the admin, the API and any code; fixtures (raw saves) load as they are.
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        self._remember_stored_values(fields)

    def _remember_stored_values(self, names=None):
        """Note these fields' values (all loaded ones by default) as the row's stored values."""
        stored = dict(self.__dict__.get("_loaded_values", {}))  # a copy: copied instances share it
        for field in self._meta.concrete_fields:
            named = names is None or field.name in names or field.attname in names
            if named and field.attname in self.__dict__:
                stored[field.attname] = self.__dict__[field.attname]
        self._loaded_values = stored

    def changed_fields(self):
        """Names of the fields set to another value than the row had when loaded (None: unknown)."""
        loaded = self.__dict__.get("_loaded_values")
        if loaded is None:
            return None
        return {
            field.name
            for field in self._meta.concrete_fields
            if not field.primary_key
            and field.attname in self.__dict__
            and (field.attname not in loaded or self.__dict__[field.attname] != loaded[field.attname])
        }

    def save(self, *args, update_fields=None, force_insert=False, **kwargs):
        saved = None if update_fields is None else {*update_fields, "version"}
        if not force_insert and self.pk is not None:
            self._expected_version = self.version
            if saved is not None:
                update_fields = saved
            elif not self._state.adding and (changed := self.changed_fields()) is not None:
                update_fields = changed | {"version"}
        try:
            super().save(*args, update_fields=update_fields, force_insert=force_insert, **kwargs)
        finally:
            self.__dict__.pop("_expected_version", None)
        self._remember_stored_values(saved)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = self.__dict__.get("_expected_version")
        if expected is None:  # a raw save (fixtures), or a save that did not go through save()
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        version = self._meta.get_field("version")
        values = [value for value in values if value[0] is not version]
        values.append((version, None, F("version") + 1))
        if base_qs.filter(pk=pk_val, version=expected)._update(values):
            self.version = expected + 1
            return True
        stored = base_qs.filter(pk=pk_val).values_list("version", flat=True).first()
        if stored is None and not forced_update:
            return False  # the row is gone: Django inserts it again (a restore from history)
        raise VersionConflict(self, expected, stored)

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        if not raw and self.pk is not None:
            # A row restored under its old key: number it after every version it had, so no
            # version is used twice in its history.
            recorded = self.history.aggregate(Max("version"))
            self.version = (recorded["version__max"] or 0) + 1
        return super()._do_insert(manager, using, fields, returning_fields, raw)


def lock_current(instance):
    """The row as stored now, locked until the transaction ends, for a read-modify-write.

    PostgreSQL holds a row lock; SQLite, whose transactions begin IMMEDIATE (settings), already
    holds the database's write lock.
    """
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def is_write_conflict(exception):
    """True when another writer was first (a stale version, a lock held too long), not for an outage."""
    if isinstance(exception, VersionConflict):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__ or exception
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if code is not None:
        return code in POSTGRESQL_CONFLICT_CODES
    # SQLite: SQLITE_BUSY (another connection writes; the busy timeout ran out) or SQLITE_LOCKED.
    name = getattr(cause, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in str(cause)


def conflict_message(exception, what="this item"):
    """What a writer who lost a race is told: nothing of theirs was saved, and what to do."""
    if isinstance(exception, VersionConflict):
        return str(exception)
    return (
        f"Someone else was saving {what} at the same moment and the database kept your write waiting "
        "too long; nothing was saved. Load it again and make your change again."
    )


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
