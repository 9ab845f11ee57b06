"""The /claims/ page's facets: beside each filter value, how many claims it would match."""

import time
from contextlib import contextmanager, nullcontext

from django.core.cache import cache
from django.db import OperationalError, connections, transaction
from django.db.models import Case, Count, When
from django.urls import reverse

from claims.models import (
    Claim,
    ClaimType,
    Quote,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
    Topic,
)
from sources.models import Article, Outlet
from tiktok_claims import readcache
from tiktok_claims.paging import MAX_PAGED_ROWS

# The /claims/ page's facets: beside each filter value, how many claims it would match under
# the other filters. Bounded as Datasette bounds them: each facet's SQL stops after
# FACET_TIME_LIMIT_MS and the facet is then shown without counts (its values still usable), and
# counts over MAX_PAGED_ROWS claims, or that ran out of time, are cached for the corpus version,
# keyed by the validated filter values (small ones are cheap, and the whole page is cached).

FACET_TIME_LIMIT_MS = 200
# Speakers and articles run to thousands at scale: a facet lists the busiest FACET_TOP values
# (and any selected one); the speaker and article lists lead to the rest.
FACET_TOP = 30
NOT_COUNTED = "not counted"


class FacetOption:
    """One value of a facet: its checkbox's label and how many claims it would match (None: not counted)."""

    def __init__(self, value, label, count, selected):
        self.value, self.label, self.count, self.selected = value, label, count, selected


class Facet:
    """A filter's values; counted is False when counting ran out of time; more links to the rest."""

    def __init__(self, name, label, options, counted=True, more=None):
        self.name, self.label, self.options, self.counted, self.more = name, label, options, counted, more


def _claims_without(filterset, name):
    """The filterset's claims under every filter but one: its already-validated values, no new queries."""
    queryset = Claim.objects.all()
    for filter_name, value in filterset.form.cleaned_data.items():
        if filter_name not in (name, "ordering"):
            queryset = filterset.filters[filter_name].filter(queryset, value)
    # No filter here follows a many-valued link, so no claim repeats; clearing the order drops
    # the search rank, which would otherwise be computed for every match.
    return queryset.order_by().values("pk")


def _restricted(rows, field, claims):
    """rows (of another table) belonging to these claims; all of them when no filter applies."""
    return rows.filter(**{f"{field}__in": claims}) if claims.query.where else rows


def _choice_counts(path, choices):
    """Counts per choice (a handful of values: all of them)."""

    def count(claims, selected_ids):
        rows = claims.values_list(path).annotate(count=Count("pk")).order_by()
        return [(value, choices.get(value, value), total) for value, total in rows], False

    return count


def _top_counts(rows, id_field, count_expression, model, label_field, top_only=False):
    """Counts per row of model (with top_only, the busiest FACET_TOP and the selected ones); labels after."""

    def count(claims, selected_ids):
        grouped = rows(claims).values(id_field).annotate(count=count_expression).order_by()
        if not top_only:
            counts, more = dict(grouped.values_list(id_field, "count")), False
        else:
            order = ["-count", id_field]
            if selected_ids:  # the selected values first, whatever their counts
                order.insert(0, Case(When(**{f"{id_field}__in": selected_ids}, then=1), default=0).desc())
            grouped = grouped.order_by(*order)
            shown = FACET_TOP + len(selected_ids)
            counts = dict(grouped.values_list(id_field, "count")[: shown + 1])
            more = len(counts) > shown
            if more:
                counts.popitem()
        labels = model.objects.filter(pk__in=counts).values_list("pk", "slug", label_field)
        return [(slug, label, counts[pk]) for pk, slug, label in labels], more

    return count


def _relation_counts(claims, selected_ids):
    """Claims with a rebuttal of each relation, either way: counted from the rebuttals table."""
    table = Rebuttal._meta.db_table
    sides, params = [], []
    for column in ("rebutting_claim_id", "rebutted_claim_id"):
        side = f"SELECT {column} AS claim_id, relation FROM {table}"
        if claims.query.where:
            # In each half of the UNION, so each can use its column's index.
            claims_sql, claims_params = claims.query.sql_with_params()
            side += f" WHERE {column} IN ({claims_sql})"
            params.extend(claims_params)
        sides.append(side)
    sql = f"SELECT relation, COUNT(*) FROM ({' UNION '.join(sides)}) pairs GROUP BY relation"
    with connections[claims.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(value, RebuttalRelation(value).label, total) for value, total in rows], False


# (parameter, label, how to count its values, the page listing all values when only the top ones show)
FACETS = [
    ("side", "Side", _choice_counts("speaker__side", dict(Side.choices)), None),
    ("speaker_kind", "Speaker kind", _choice_counts("speaker__kind", dict(SpeakerKind.choices)), None),
    ("claim_type", "Claim type", _choice_counts("claim_type", dict(ClaimType.choices)), None),
    (
        "topic",
        "Topic",
        _top_counts(
            lambda claims: _restricted(Claim.topics.through.objects, "claim", claims),
            "topic",
            Count("claim"),
            Topic,
            "name",
        ),
        None,
    ),
    (
        "speaker",
        "Speaker",
        _top_counts(lambda claims: claims, "speaker", Count("pk"), Speaker, "name", top_only=True),
        "claims:speaker-list",
    ),
    (
        "outlet",
        "Outlet",
        _top_counts(
            lambda claims: _restricted(Quote.objects, "claim", claims),
            "article__outlet",
            Count("claim", distinct=True),
            Outlet,
            "name",
        ),
        None,
    ),
    (
        "article",
        "Article",
        _top_counts(
            lambda claims: _restricted(Quote.objects, "claim", claims),
            "article",
            Count("claim", distinct=True),
            Article,
            "headline",
            top_only=True,
        ),
        "sources:article-list",
    ),
    ("relation", "Rebuttal relation", _relation_counts, None),
]
MODEL_FACETS = {"topic": Topic, "speaker": Speaker, "outlet": Outlet, "article": Article}
CHOICE_FACETS = {
    "side": Side.choices,
    "speaker_kind": SpeakerKind.choices,
    "claim_type": ClaimType.choices,
    "relation": RebuttalRelation.choices,
}
# Few enough to list in full when their counts ran out of time.
LISTED_WHEN_NOT_COUNTED = {"topic": ("name",), "outlet": ("name",)}


def _cache_key(filterset, name):
    """The facet's name and the validated value of every filter (not the order): one key per filtered set."""
    parts = []
    for filter_name, value in sorted(filterset.form.cleaned_data.items()):
        if filter_name == "ordering" or value in (None, "", []) or (hasattr(value, "exists") and not value):
            continue
        if isinstance(value, (list, tuple)) or hasattr(value, "model"):
            value = sorted(str(getattr(item, "pk", item)) for item in value)
        parts.append((filter_name, str(value) if not isinstance(value, list) else value))
    return readcache.key(f"claim-facet:{name}", parts)


def _is_timeout(error):
    """A statement stopped by the facet time limit (PostgreSQL's cancel, SQLite's interrupt)."""
    cause = error.__cause__
    # 57014 is query_canceled: psycopg names it sqlstate, psycopg2 pgcode.
    return "57014" in (
        getattr(cause, "sqlstate", None),
        getattr(cause, "pgcode", None),
    ) or "interrupted" in str(error)


def _within_time_limit(connection, count):
    """count() with its SQL stopped after FACET_TIME_LIMIT_MS; NOT_COUNTED if it was."""
    try:
        if connection.vendor == "postgresql":
            # A savepoint, so a cancelled statement does not abort the surrounding transaction.
            with transaction.atomic(using=connection.alias):
                return count()
        connection.ensure_connection()
        deadline = time.monotonic() + FACET_TIME_LIMIT_MS / 1000
        connection.connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            return count()
        finally:
            connection.connection.set_progress_handler(None, 0)
    except OperationalError as error:
        if not _is_timeout(error):
            raise
        return NOT_COUNTED


@contextmanager
def _facet_time_limits(connection):
    """On PostgreSQL, statement_timeout for the facets' statements only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(FACET_TIME_LIMIT_MS)}")
        yield
        # Only reads happened: rolling back ends SET LOCAL, in a transaction or a savepoint alike.
        transaction.set_rollback(True, using=connection.alias)


def _cached_count(filterset, name, count, size, cached, listed_count):
    """count()'s result from cached, or computed within the time limit; cached when it counted many claims."""
    key = _cache_key(filterset, name)
    result = cached.get(key)
    if result is None:
        result = _within_time_limit(connections[Claim.objects.db], count)
        # A facet counts at least the listed claims (it drops a filter, never adds one), and at
        # least size(result): its shown counts add up to that many.
        if result == NOT_COUNTED or max(listed_count, size(result)) >= MAX_PAGED_ROWS:
            readcache.store(key, result)
    return result


def _selected(filterset, name):
    """(value, label, pk) of each value of this facet in the query string (validated)."""
    value = filterset.form.cleaned_data.get(name)
    if name in MODEL_FACETS:
        return [(item.slug, str(item), item.pk) for item in value or []]
    labels = dict(CHOICE_FACETS[name])
    return [(item, labels.get(item, item), None) for item in value or []]


def _not_counted_options(name):
    """The values a facet can still offer without counts: its choices, or a short table's rows."""
    if name in CHOICE_FACETS:
        return list(CHOICE_FACETS[name])
    if name in LISTED_WHEN_NOT_COUNTED:
        return list(
            MODEL_FACETS[name].objects.order_by(*LISTED_WHEN_NOT_COUNTED[name]).values_list("slug", "name")
        )
    return []


def _facet(filterset, cached, listed_count, name, label, counter, more_url):
    """One facet's options, counted (from the cache or within the time limit) or not."""
    selected = _selected(filterset, name)
    claims = _claims_without(filterset, name)
    selected_ids = [pk for _, _, pk in selected if pk is not None]
    result = _cached_count(
        filterset,
        name,
        lambda: counter(claims, selected_ids),
        lambda result: sum(total for _, _, total in result[0]),
        cached,
        listed_count,
    )
    chosen = {value for value, _, _ in selected}
    if result == NOT_COUNTED:
        options = {
            value: FacetOption(value, title, None, value in chosen)
            for value, title in _not_counted_options(name)
        }
        more = None
    else:
        rows, more = result
        options = {
            value: FacetOption(value, title, total, value in chosen)
            for value, title, total in rows
            if value is not None
        }
    for value, title, _ in selected:
        options.setdefault(value, FacetOption(value, title, None if result == NOT_COUNTED else 0, True))
    ordered = sorted(options.values(), key=lambda option: (-(option.count or 0), option.label))
    return Facet(
        name, label, ordered, counted=result != NOT_COUNTED, more=reverse(more_url) if more else None
    )


def claim_facets(filterset, listed_count):
    """Facets and yes/no counts for a valid ClaimFilterSet; listed_count is how many claims it lists.

    A facet counts claims under every other active filter (its own is left out), so ticking a
    second value of the same facet shows what it would add. One query per facet (plus one naming
    the values of a table's facet), whatever the rows; none when cached.
    """
    yes_no = ("is_rebutted", "rebuts")
    cached = cache.get_many(
        [_cache_key(filterset, name) for name in [*(facet[0] for facet in FACETS), *yes_no]]
    )
    counting = len(cached) < len(FACETS) + len(yes_no)
    with _facet_time_limits(connections[Claim.objects.db]) if counting else nullcontext():
        facets = [_facet(filterset, cached, listed_count, *facet) for facet in FACETS]
        counts = {name: _yes_no_counts(filterset, name, listed_count, cached) for name in yes_no}
    return facets, counts


def _yes_no_counts(filterset, name, listed_count, cached):
    """How many claims the is_rebutted / rebuts filter would keep, under the other filters."""
    related = {"is_rebutted": "rebutted_claim", "rebuts": "rebutting_claim"}[name]
    claims = _claims_without(filterset, name)

    def count():
        # Distinct claims in the rebuttals table, not a probe per claim.
        yes = _restricted(Rebuttal.objects, related, claims).aggregate(yes=Count(related, distinct=True))[
            "yes"
        ]
        # With this filter unused, its claims are the listed ones, already counted.
        total = listed_count if filterset.form.cleaned_data.get(name) is None else claims.count()
        return {"yes": yes, "no": total - yes, "total": total}

    result = _cached_count(filterset, name, count, lambda result: result["total"], cached, listed_count)
    return {"yes": None, "no": None, "total": None} if result == NOT_COUNTED else result
