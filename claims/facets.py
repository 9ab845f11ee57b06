"""The /claims/ page's facets: beside each filter value, how many claims it would match.

Which filters have a facet, and how each counts, is said once in claims.filters.CLAIM_FILTERS.
A facet counts claims under every other active filter. Where those are ones the summary tables
answer (side, speaker, claim type, one topic), the side, speaker kind, claim type, speaker and
topic facets are sums over the tables (FacetTallies), exact at once. The others share one time
budget per request (FACET_BUDGET_MS): the facets not counted within it are counted once in the
background (one thread per process, marked in the shared cache so no other worker counts them
again) and shown as "counting…"; the page's script then fetches them from the cache. Every
count is kept for the corpus version, keyed by the validated filter values.
"""

import time
from typing import NamedTuple

from django.core.cache import cache
from django.db import connections
from django.db.models import Case, Count, When
from django.urls import reverse

from claims.models import Claim, Quote, Rebuttal
from claims.timeline.tallied import FACET_ANSWERED, FacetTallies, TallyFilter
from tiktok_claims import readcache
from tiktok_claims.timelimits import OUT_OF_TIME, read_only_transaction, within

# The whole facet block's share of a request: at a million claims each facet of a filtered list
# costs 0.4-1.3 s and a search for a common word 1-4.7 s, so they cannot all be counted while the
# reader waits; the ones that fit are shown at once, the rest come from the background. With the
# count's 60 + 40 ms (claims/listing.py) a reader waits at most 160 ms for figures (100 + 100 before).
FACET_BUDGET_MS = 60
# A facet counted in the background stops after this long and is then shown "Not counted" (the
# slowest at a million claims took 4.7 s on a loaded machine).
BACKGROUND_TIME_LIMIT_MS = 30_000
# Speakers and articles run to thousands at scale: a facet lists the busiest FACET_TOP values
# (and any selected one); the speaker and article lists lead to the rest.
FACET_TOP = 30
NOT_COUNTED = "not counted"  # ran out of BACKGROUND_TIME_LIMIT_MS: shown without counts
COUNTING = "counting"  # being counted in the background: shown as "counting…"


class Counting(NamedTuple):
    """How a filter's facet counts: count(claims, selected_ids) -> (rows, more) or a yes/no dict.

    tallied: what the summary tables group the claims by for this facet (tallied_facet's by), when
    they can count it; rows({value: claims}, selected_ids, model) -> (rows, more) then shapes
    their counts as count does.
    """

    count: object
    position: int = 0  # the facet's place on the page
    more: str = None  # the URL name of the page listing every value, when only the top ones show
    listed: bool = False  # a short table: its rows are offered even when not counted
    yes_no: bool = False
    tallied: str = None
    rows: object = None


class FacetOption:
    """One value of a facet: its checkbox's label and how many claims it would match (None: not counted)."""

    def __init__(self, value, label, count, selected):
        self.value, self.label, self.count, self.selected = value, label, count, selected


class Facet:
    """A filter's values; counted is False when counting ran out of time, counting while it runs."""

    def __init__(self, name, label, options, counted=True, more=None, counting=False):
        self.name, self.label, self.options, self.counted, self.more = name, label, options, counted, more
        self.counting = counting


class FacetBlock(NamedTuple):
    """The facets, the yes/no counts, and whether some are still being counted."""

    facets: list
    yes_no: dict
    counting: bool


# --- How each facet counts (referred to by claims.filters.CLAIM_FILTERS) ----------------------


def restricted(rows, field, claims):
    """rows (of another table) belonging to these claims; all of them when no filter applies."""
    return rows.filter(**{f"{field}__in": claims}) if claims.query.where else rows


def quotes_of(claims):
    return restricted(Quote.objects, "claim", claims)


def topic_links_of(claims):
    return restricted(Claim.topics.through.objects, "claim", claims)


def choice_counts(path, position, tallied=None):
    """Counts per choice (a handful of values: all of them)."""

    def count(claims, selected_ids):
        rows = claims.values_list(path).annotate(count=Count("pk")).order_by()
        return [(value, total) for value, total in rows], False

    def counted_rows(counts, selected_ids, model):
        return list(counts.items()), False

    return Counting(count, position, tallied=tallied, rows=counted_rows)


def top_counts(
    rows,
    id_field,
    count_expression,
    label_field,
    position,
    top_only=False,
    more=None,
    listed=False,
    tallied=None,
):
    """Counts per row of the filter's model (top_only: the busiest FACET_TOP and the selected ones)."""

    def labelled(counts, model, more_values):
        labels = model.objects.filter(pk__in=counts).values_list("pk", "slug", label_field)
        return [(slug, label, counts[pk]) for pk, slug, label in labels], more_values

    def count(claims, selected_ids, model):
        grouped = rows(claims).values(id_field).annotate(count=count_expression).order_by()
        if not top_only:
            return labelled(dict(grouped.values_list(id_field, "count")), model, False)
        order = ["-count", id_field]
        if selected_ids:  # the selected values first, whatever their counts
            order.insert(0, Case(When(**{f"{id_field}__in": selected_ids}, then=1), default=0).desc())
        grouped = grouped.order_by(*order)
        shown = FACET_TOP + len(selected_ids)
        return _top(dict(grouped.values_list(id_field, "count")[: shown + 1]), shown, model, labelled)

    def counted_rows(counts, selected_ids, model):
        """The same rows from every value's count (the summary tables'), in count's order."""
        if not top_only:
            return labelled(counts, model, False)
        ranked = sorted(counts, key=lambda pk: (pk not in selected_ids, -counts[pk], pk))
        shown = FACET_TOP + len(selected_ids)
        return _top({pk: counts[pk] for pk in ranked[: shown + 1]}, shown, model, labelled)

    return Counting(count, position, more=more, listed=listed, tallied=tallied, rows=counted_rows)


def _top(counts, shown, model, labelled):
    """The first shown of counts (in order; one more tells there are more), labelled."""
    more_values = len(counts) > shown
    if more_values:
        counts.popitem()
    return labelled(counts, model, more_values)


def relation_counts(position):
    """Claims with a rebuttal of each relation, either way: counted from the rebuttals table."""

    def count(claims, selected_ids):
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
            return [(value, total) for value, total in cursor.fetchall()], False

    return Counting(count, position)


def yes_no_counts(related):
    """How many claims the is_rebutted / rebuts filter would keep: distinct claims in the rebuttals table."""

    def count(claims, listed_count):
        yes = restricted(Rebuttal.objects, related, claims).aggregate(yes=Count(related, distinct=True))[
            "yes"
        ]
        # With this filter unused, its claims are the listed ones, already counted.
        total = claims.count() if listed_count is None else listed_count
        return {"yes": yes, "no": total - yes, "total": total}

    return Counting(count, yes_no=True)


# --- Counting within a time limit ---------------------------------------------------------------


def _claims_without(filterset, name):
    """The filterset's claims under every filter but one: its already-validated values, no new queries."""
    queryset = Claim.objects.all()
    for filter_name, value in filterset.form.cleaned_data.items():
        if filter_name not in (name, "ordering"):
            queryset = filterset.filters[filter_name].filter(queryset, value)
    # No filter here follows a many-valued link, so no claim repeats; clearing the order drops
    # the search rank, which would otherwise be computed for every match.
    return queryset.order_by().values("pk")


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


def _counter(filterset, name, listed_count):
    """A function counting this filter's facet under the other filters."""
    description = filterset.descriptions[name]
    counting = description.facet
    claims = _claims_without(filterset, name)
    if counting.yes_no:
        unused = filterset.form.cleaned_data.get(name) is None
        return lambda: counting.count(claims, listed_count if unused else None)
    selected_ids = [pk for _, _, pk in _selected(filterset, name) if pk is not None]
    if description.model is not None:
        return lambda: counting.count(claims, selected_ids, description.model)
    return lambda: counting.count(claims, selected_ids)


def _tallied(filterset, name, tallies):
    """The facet's result from the summary tables (tallies: FacetTallies) if they can count it, else None."""
    description = filterset.descriptions[name]
    counting = description.facet
    if counting.tallied is None:
        return None
    tally_filter = TallyFilter.from_filterset(filterset, FACET_ANSWERED, without=name)
    counts = None if tally_filter is None else tallies.counts(tally_filter, counting.tallied)
    if counts is None:
        return None
    selected_ids = [pk for _, _, pk in _selected(filterset, name) if pk is not None]
    return counting.rows(counts, selected_ids, description.model)


def _count_within_budget(filterset, names, keys, listed_count):
    """{name: result} of the facets counted before FACET_BUDGET_MS ran out; the big ones stored."""
    connection = connections[Claim.objects.db]
    deadline = time.monotonic() + FACET_BUDGET_MS / 1000
    results, stored = {}, {}
    with read_only_transaction(connection):
        for name in names:
            remaining = (deadline - time.monotonic()) * 1000
            if remaining < 1:
                break
            result = within(connection, _counter(filterset, name, listed_count), remaining)
            if result is OUT_OF_TIME:
                break  # the budget is spent: the rest are counted in the background
            results[name] = result
            # Kept, big or small: the page's fill-in reads them when another figure is still counting.
            stored[keys[name]] = result
    if stored:
        cache.set_many(stored)
    return results


def _count_in_background(filterset, names, keys, listed_count):
    """Count these facets once, in this process's background thread, unless another worker is."""
    claimed = [name for name in names if cache.add(f"{keys[name]}:counting", True, timeout=60)]
    if not claimed:
        return
    filterset_class, data = type(filterset), filterset.data.copy()

    def count():
        again = filterset_class(data, queryset=Claim.objects.all())
        again.is_valid()
        connection = connections[Claim.objects.db]
        try:
            with read_only_transaction(connection):
                for name in claimed:
                    result = within(
                        connection,
                        _counter(again, name, listed_count),
                        BACKGROUND_TIME_LIMIT_MS,
                        savepoint=True,
                    )
                    readcache.store(keys[name], NOT_COUNTED if result is OUT_OF_TIME else result)
        finally:
            cache.delete_many([f"{keys[name]}:counting" for name in claimed])

    readcache.compute_later(count)


# --- The block of facets ------------------------------------------------------------------------


def _selected(filterset, name):
    """(value, label, pk) of each value of this facet in the query string (validated)."""
    description = filterset.descriptions[name]
    value = filterset.form.cleaned_data.get(name)
    if description.model is not None:
        return [(item.slug, str(item), item.pk) for item in value or []]
    labels = dict(description.choices)
    return [(item, labels.get(item, item), None) for item in value or []]


def _uncounted_options(description):
    """The values a facet can still offer without counts: its choices, or a short table's rows."""
    if description.choices is not None:
        return list(description.choices)
    if description.facet.listed:
        return list(description.model.objects.order_by("name").values_list("slug", "name"))
    return []


def _facet(filterset, description, result):
    """One facet's options from its counts, or its values without counts."""
    name = description.name
    selected = _selected(filterset, name)
    chosen = {value for value, _, _ in selected}
    counted = result not in (NOT_COUNTED, COUNTING)
    more = None
    if not counted:
        options = {
            value: FacetOption(value, title, None, value in chosen)
            for value, title in _uncounted_options(description)
        }
    else:
        rows, more = result
        if description.model is None:  # choices: (value, count), labelled here
            labels = dict(description.choices)
            rows = [(value, labels.get(value, value), total) for value, total in rows]
        options = {
            value: FacetOption(value, title, total, value in chosen)
            for value, title, total in rows
            if value is not None
        }
    for value, title, _ in selected:
        options.setdefault(value, FacetOption(value, title, 0 if counted else None, True))
    ordered = sorted(options.values(), key=lambda option: (-(option.count or 0), option.label))
    more_url = description.facet.more
    return Facet(
        name,
        description.label,
        ordered,
        counted=result != NOT_COUNTED,
        more=reverse(more_url) if more_url and more else None,
        counting=result == COUNTING,
    )


def claim_facets(filterset, listed_count, count=True):
    """The facets and yes/no counts of a valid ClaimFilterSet; listed_count is how many claims it lists.

    Read from the cache, or from the summary tables where they can count (a few ms at a million
    claims, not timed). With count, the other missing ones are counted within FACET_BUDGET_MS and
    the rest handed to the background (shown as counting); without, they are not (the fill-in).
    """
    described = [description for description in filterset.descriptions.values() if description.facet]
    keys = {description.name: _cache_key(filterset, description.name) for description in described}
    found = cache.get_many(list(keys.values()))
    results = {name: found[key] for name, key in keys.items() if key in found}
    missing = [name for name in keys if name not in results]
    if missing:
        tallies = FacetTallies()
        tallied = {name: _tallied(filterset, name, tallies) for name in missing}
        tallied = {name: result for name, result in tallied.items() if result is not None}
        if tallied:
            cache.set_many({keys[name]: result for name, result in tallied.items()})
            results.update(tallied)
            missing = [name for name in missing if name not in tallied]
    if missing and count:
        # Those being counted elsewhere (the background of this or another worker) are not tried.
        marks = cache.get_many([f"{keys[name]}:counting" for name in missing])
        elsewhere = [name for name in missing if f"{keys[name]}:counting" in marks]
        missing = [name for name in missing if name not in elsewhere]
        results.update(_count_within_budget(filterset, missing, keys, listed_count))
        missing = [name for name in keys if name not in results]
        if missing:
            _count_in_background(filterset, missing, keys, listed_count)
        missing += elsewhere
    for name in missing:
        results[name] = COUNTING
    facets = [
        _facet(filterset, description, results[description.name])
        for description in sorted(described, key=lambda description: description.facet.position)
        if not description.facet.yes_no
    ]
    unknown = {"yes": None, "no": None, "total": None}
    yes_no = {
        description.name: results[description.name]
        if isinstance(results[description.name], dict)
        else {**unknown, "counting": results[description.name] == COUNTING}
        for description in described
        if description.facet.yes_no
    }
    return FacetBlock(facets, yes_no, counting=bool(missing))
