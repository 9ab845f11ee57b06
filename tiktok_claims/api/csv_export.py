"""CSV: the renderer, cells safe for spreadsheets, and whole filtered lists streamed as they are written."""

import io

from django.conf import settings
from django.http import StreamingHttpResponse
from rest_framework import exceptions, renderers

from tiktok_claims.api.links import web_url
from tiktok_claims.paging import cached_count

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")

# CSV rows are read, and their related rows fetched, this many at a time: memory stays flat
# however long the export.
CSV_CHUNK_ROWS = 2_000


def neutralise_formula(value):
    """The cell as text, an apostrophe prefixed when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def raw_cell(value):
    """A cell as stored, for programs (?csv_raw=1)."""
    return "" if value is None else str(value)


def csv_field(text):
    """A cell's text as a CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).

    What csv.writer writes (QUOTE_MINIMAL, the default), four times as fast: its C loop reads a
    field one character at a time, str's `in` and replace() scan it at memory speed (586 rows of
    a speaker's month, 257 KB: 4.7 ms -> 1.2 ms). tiktok_claims/tests/test_csv_export.py compares
    the two on every kind of cell. One record differs: a single empty field, which csv.writer
    writes as "" and we as an empty line; every CSV here has three columns or more.
    """
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def spreadsheet_record(row):
    """One CSV record, CRLF-terminated, each cell neutralised for spreadsheets."""
    return ",".join([csv_field(neutralise_formula(value)) for value in row]) + "\r\n"


def raw_record(row):
    """One CSV record, CRLF-terminated, each cell as stored (?csv_raw=1)."""
    return ",".join([csv_field(raw_cell(value)) for value in row]) + "\r\n"


BOOLEAN_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


def flag(request, name):
    """A yes/no query parameter (1, true, yes / 0, false, no); anything else is a 400 naming it."""
    value = request.query_params.get(name, "") if request is not None else ""
    if value.lower() not in BOOLEAN_VALUES:
        raise exceptions.ValidationError({name: [f"Give 1 (true) or 0 (false), not {value[:20]!r}."]})
    return BOOLEAN_VALUES[value.lower()]


def csv_record_writer(request):
    """How rows are written: cells neutralised for spreadsheets, unless ?csv_raw=1 asks for them untouched."""
    return raw_record if flag(request, "csv_raw") else spreadsheet_record


def csv_preamble(request):
    """A UTF-8 byte order mark when ?csv_bom=1 asks for one (Excel reads the file as UTF-8 then)."""
    return "\ufeff" if flag(request, "csv_bom") else ""


class CSVRenderer(renderers.BaseRenderer):
    """A dict (a write's answer) as CSV under the view's headers; lists and items stream instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:  # a 204, e.g. a DELETE asked as CSV: no body, as DRF's JSON renderer
            return b""
        headers = renderer_context["view"].csv_headers
        request = renderer_context.get("request")
        record = csv_record_writer(request)
        rows = data if isinstance(data, list) else [data]
        lines = [csv_preamble(request), raw_record(headers)]
        lines.extend(record([row.get(header) for header in headers]) for row in rows)
        return "".join(lines).encode(self.charset)


class CSVExportMixin:
    """CSV for lists (the whole filtered list, streamed) and items, in the view's csv_columns."""

    csv_columns = []

    @property
    def csv_headers(self):
        return [header for header, _ in self.csv_columns]

    def csv_rows(self, queryset):
        """Each item's cells in csv_headers' order, read CSV_CHUNK_ROWS items at a time.

        The paths of the site's own pages (web_url, text_url) are written as absolute URLs.
        """
        absolute = [header in ("web_url", "text_url") for header in self.csv_headers]
        for item in queryset.iterator(chunk_size=CSV_CHUNK_ROWS):
            yield [
                web_url(self.request, value(item)) if is_url else value(item)
                for is_url, (_, value) in zip(absolute, self.csv_columns, strict=True)
            ]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Checked here, so that a bad value is a 400 before any CSV is written.
        csv_record_writer(request), csv_preamble(request)

    def paginate_queryset(self, queryset):
        if self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        count, limit = cached_count(queryset), settings.API_CSV_MAX_ROWS
        if count > limit:
            raise exceptions.ValidationError(
                {
                    "format": [
                        f"The CSV would hold {count:,} rows; a download holds at most {limit:,}. "
                        "Narrow the filters (said_from and said_to, speaker, topic, ...) and download "
                        "it in parts, or page through the JSON by its next links."
                    ]
                }
            )
        response = self.csv_response(self.csv_rows(queryset))
        response["Content-Disposition"] = f'attachment; filename="{self.basename}s.csv"'
        return response

    def retrieve(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().retrieve(request, *args, **kwargs)
        item = self.get_object()
        return self.csv_response(self.csv_rows(self.get_queryset().filter(pk=item.pk)))

    def csv_response(self, rows):
        """CSV streamed as it is written, a header row first; formulas neutralised unless csv_raw."""
        record, preamble = csv_record_writer(self.request), csv_preamble(self.request)

        def chunks():
            buffer = io.StringIO()
            buffer.write(preamble)
            buffer.write(raw_record(self.csv_headers))
            for row in rows:
                buffer.write(record(row))
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
