"""Paging shared by the pages and the API: counts cached per corpus version, pages capped."""

import re

from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property

from tiktok_claims import readcache

# Paging by number stops after this many rows, as Datasette's and Elasticsearch's do: OFFSET
# walks every row it skips (page 18,000 of a million claims cost 10x page 1). Whole lists are
# the CSV export's job.
MAX_PAGED_ROWS = 10_000
# The most rows a page holds (the API's page_size); so the last page a list offers ends before
# row MAX_PAGED_ROWS + MAX_PAGE_SIZE.
MAX_PAGE_SIZE = 200

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


class CountCachingPaginator(DjangoPaginator):
    """Django's paginator with counts cached and pages stopping at MAX_PAGED_ROWS."""

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
