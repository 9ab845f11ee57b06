"""Paging shared by the pages and the API: counts cached per corpus version, pages capped."""

import re
from operator import attrgetter, itemgetter

from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models.query import ModelIterable, QuerySet, ValuesIterable
from django.utils.functional import cached_property

from tiktok_claims import readcache

# Paging by number stops after this many rows, as Datasette's and Elasticsearch's do: OFFSET
# walks every row it skips (page 18,000 of a million claims cost 10x page 1). Whole lists are
# the CSV export's job.
MAX_PAGED_ROWS = 10_000
# The most rows a page holds (the API's page_size); so the last page a list offers ends before
# row MAX_PAGED_ROWS + MAX_PAGE_SIZE.
MAX_PAGE_SIZE = 200

# From this row on, a page's rows are found by id first (a "deferred join"): OFFSET then walks the
# ids alone, from an index where it can, not every skipped row's columns. "Most rebutted" page 400
# at a million claims: 116-128 ms of SQL for its 25 rows, 40-48 ms for their ids.
DEFERRED_FROM_ROW = 1_000

# An id longer than this overflows a 64-bit integer column (SQLite raises OverflowError).
ID_PATTERN = r"[0-9]{1,18}"


def whole_number(value, digits=9):
    """value (text from a request) as an int when it is 1 to `digits` ASCII digits, else None.

    Not str.isdigit(): it takes "²", which int() refuses (a 500 where a 400 belongs), and
    any length.
    """
    return int(value) if re.fullmatch(rf"[0-9]{{1,{digits}}}", str(value)) else None


def cached_count(queryset):
    """The queryset's row count, once per corpus version (a million-row COUNT costs more than a page)."""
    if queryset.query.is_empty():  # .none(): it has no SQL
        return 0
    sql, params = queryset.query.sql_with_params()
    return readcache.get_or_compute("count", (sql, params), queryset.count)


class Paginator(DjangoPaginator):
    """Django's paginator, but a page past DEFERRED_FROM_ROW reads its rows' ids first, then those rows.

    Rows are listed in a total order: the id breaks the order's ties, so pages never repeat or
    skip a row (PostgreSQL need not order ties alike in two queries, nor in a page's ids and a
    one-query page).
    """

    def __init__(self, object_list, *args, **kwargs):
        super().__init__(_in_total_order(object_list), *args, **kwargs)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        row_id = _row_id(self.object_list)
        if bottom < DEFERRED_FROM_ROW or row_id is None:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        by_id = {row_id(row): row for row in rows.order_by().filter(pk__in=ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)


class CountCachingPaginator(Paginator):
    """The paginator with counts cached and pages stopping at MAX_PAGED_ROWS (the lists and the API)."""

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:  # counted already by the caller: not counted twice
            self.count = count

    @cached_property
    def count(self):
        return cached_count(self.object_list)

    @cached_property
    def num_pages(self):
        return min(super().num_pages, -(-MAX_PAGED_ROWS // self.per_page))

    def validate_number(self, number):
        page = whole_number(number)
        if page is not None and (page - 1) * self.per_page >= MAX_PAGED_ROWS:
            raise InvalidPage(
                f"pages stop at row {MAX_PAGED_ROWS:,}; narrow the filters, or ask for format=csv."
            )
        return super().validate_number(number)


def _row_id(rows):
    """How to read a row's id from a queryset's rows (instances, or dicts holding it), else None."""
    if not isinstance(rows, QuerySet):
        return None
    if rows._iterable_class is ModelIterable:
        return attrgetter("pk")
    attname = rows.model._meta.pk.attname
    if rows._iterable_class is ValuesIterable and (not rows._fields or attname in rows._fields):
        return itemgetter(attname)
    return None


def _in_total_order(rows):
    """rows ordered by their id after the order asked for (or the model's), unless the id is already last."""
    if not isinstance(rows, QuerySet) or rows.query.is_sliced or rows.query.distinct:
        return rows
    order = list(rows.query.order_by)
    if not order and rows.query.default_ordering:
        order = list(rows.model._meta.ordering)
    if not order:
        return rows  # (unordered: Django's paginator warns)
    last = order[-1]
    if isinstance(last, str) and last.lstrip("-") in ("pk", rows.model._meta.pk.name):
        return rows
    return rows.order_by(*order, "pk")
