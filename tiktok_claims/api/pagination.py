"""The API's paging: page numbers capped at MAX_PAGED_ROWS, and keyset cursors (after/before) past them."""

import re

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from tiktok_claims.paging import (
    ID_PATTERN,
    MAX_PAGE_SIZE,
    MAX_PAGED_ROWS,
    CountCachingPaginator,
    cached_count,
    whole_number,
)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number paging; a page_size over the cap or not a whole number is refused, not clamped."""

    django_paginator_class = CountCachingPaginator
    invalid_page_message = "Invalid page: {message}"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None or value == "":
            return self.page_size
        size = whole_number(value)
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param) or "1"
        if value != "last" and whole_number(value) is None:
            raise exceptions.ValidationError({self.page_query_param: ["Enter a page number (1, 2, ...)."]})
        return value

    def paginate_queryset(self, queryset, request, view=None, count=None):
        """DRF's, but a page past the end or past the cap is a 400 naming `page`, not a 404.

        count: the rows' count, when the view has counted them already.
        """
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request), count=count)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as error:
            message = self.invalid_page_message.format(page_number=page_number, message=error)
            raise exceptions.ValidationError({self.page_query_param: [message]}) from error
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return list(self.page)


class KeysetPagination(PageNumberPagination):
    """Page numbers to jump (to row MAX_PAGED_ROWS); `after`/`before` cursors to walk any distance.

    A cursor is a row's place in the order, its date and id (`after=2020-08-12,1234`), and the
    page is the rows past it, found through the (date, id) index: the same cost on page 1 and
    at row 900,000, where OFFSET walks every row it skips. Results ordered by one non-null field
    then id have cursors, and their `next`/`previous` links are cursors even from a numbered
    page; other orders (by rank, by rebuttals) keep page numbers only.
    """

    cursor_query_params = ("after", "before")
    ordering = None  # the order the view listed the rows in, named as its ordering parameter names it

    def paginate_queryset(self, queryset, request, view=None, count=None):
        self.request = request
        self.keyset = keyset_of(queryset)
        given = [name for name in self.cursor_query_params if request.query_params.get(name)]
        if not given:
            self.rows = super().paginate_queryset(queryset, request, view, count)
            if self.rows is not None:
                self.count = self.page.paginator.count
                self.more_before = self.page.number > 1
                self.more_after = self.page.number * self.page.paginator.per_page < self.count
            return self.rows
        name = given[0]
        if len(given) > 1 or request.query_params.get(self.page_query_param):
            raise exceptions.ValidationError({name: ["Give one of page, after or before, not several."]})
        if self.keyset is None:
            raise exceptions.ValidationError(
                {
                    name: [
                        "Cursors follow the date orderings (said_on, -said_on); this order has page numbers."
                    ]
                }
            )
        field, descending = self.keyset
        position = parse_position(field, request.query_params[name], name)
        page_size = self.get_page_size(request)
        forward = name == "after"
        rows = queryset.filter(keyset_condition(queryset, field, position, forward != descending))
        if not forward:
            rows = rows.reverse()
        rows = list(rows[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size] if forward else rows[:page_size][::-1]
        self.count = cached_count(queryset) if count is None else count
        self.more_after, self.more_before = (more, True) if forward else (True, more)
        self.rows = rows
        self.display_page_controls = False
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "ordering": self.ordering,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if self.keyset is None:
            return super().get_next_link()
        if not self.more_after or not self.rows:
            return None
        return self.cursor_link("after", self.rows[-1])

    def get_previous_link(self):
        if self.keyset is None:
            return super().get_previous_link()
        if not self.more_before or not self.rows:
            return None
        return self.cursor_link("before", self.rows[0])

    def cursor_link(self, name, row):
        url = self.request.build_absolute_uri()
        for other in (self.page_query_param, *self.cursor_query_params):
            url = remove_query_param(url, other)
        field, _ = self.keyset
        value, pk = (
            (row[field.attname], row["id"])
            if isinstance(row, dict)
            else (getattr(row, field.attname), row.pk)
        )
        return replace_query_param(url, name, f"{value},{pk}")

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"] = {
            "count": response["properties"]["count"],
            "ordering": {
                "type": "string",
                "example": "said_on",
                "description": "The order of the results: the ordering asked for, or without one "
                "said_on (oldest first), or for a search on PostgreSQL rank (best match first), "
                f"unless it matches {MAX_PAGED_ROWS:,} claims or more: those are listed in time "
                "order (said_on), since ranking them all costs seconds.",
            },
            **response["properties"],
        }
        # The links are cursors in the date orders (the default); page numbers only in the others.
        for name, cursor in (("next", "after=2020-08-12,1234"), ("previous", "before=2020-07-01,987")):
            response["properties"][name].update(
                example=f"https://claims.example.org/api/claims/?{cursor}",
                description=f"The {name} page: a cursor ({cursor.split('=')[0]}=<date>,<id>) in the "
                "date orders, a page number in the others; null at the end.",
            )
        return response

    def get_schema_operation_parameters(self, view):
        cursor = (
            "a row's date and id, e.g. 2020-08-12,1234, as the next and previous links give; "
            "for the date orderings only, and not with page."
        )
        return [
            *super().get_schema_operation_parameters(view),
            *(
                {
                    "name": name,
                    "required": False,
                    "in": "query",
                    "description": f"The page {where} this cursor: {cursor}",
                    "schema": {"type": "string"},
                }
                for name, where in (("after", "after"), ("before", "just before"))
            ),
        ]


def keyset_of(queryset):
    """(field, descending) when the queryset is ordered by one non-null field and then by id."""
    order = queryset.query.order_by
    if len(order) != 2 or not all(isinstance(name, str) for name in order):
        return None
    first, second = order
    descending = first.startswith("-")
    if second.lstrip("-") not in ("pk", "id") or second.startswith("-") != descending:
        return None
    try:
        field = queryset.model._meta.get_field(first.lstrip("-"))
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.null or field.is_relation:
        return None
    return field, descending


def parse_position(field, text, name):
    """A cursor's (value, id), or a 400 naming the parameter."""
    value, _, pk = text.rpartition(",")
    try:
        if not re.fullmatch(ID_PATTERN, pk):
            raise DjangoValidationError("bad id")
        return field.to_python(value), int(pk)
    except (DjangoValidationError, ValueError, TypeError) as error:
        raise exceptions.ValidationError(
            {
                name: [
                    "Enter a cursor as the next and previous links give: "
                    f"a {field.name} and an id, e.g. 2020-08-12,1234."
                ]
            }
        ) from error


def keyset_condition(queryset, field, position, greater):
    """Rows past (value, id) in the order: a row-value comparison, which walks the index from there."""
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    value, pk = position
    sql = (
        f"({table}.{quote(field.column)}, {table}.{quote(queryset.model._meta.pk.column)}) "
        f"{'>' if greater else '<'} (%s, %s)"
    )
    return RawSQL(sql, [field.get_db_prep_value(value, connection), pk], output_field=BooleanField())
