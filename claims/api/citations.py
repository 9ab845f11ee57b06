"""Claims as citations in the API: ?format=csljson|bibtex|ris on /api/claims/ and /api/claims/<id>/."""

import datetime

from django.conf import settings
from django.http import Http404, StreamingHttpResponse
from rest_framework import exceptions, renderers

from claims import citations
from tiktok_claims.api.links import Links
from tiktok_claims.paging import cached_count


class CitationRenderer(renderers.BaseRenderer):
    """A list of CSL items in one citation format; a long list streams from chunks() instead."""

    charset = "utf-8"
    extension = ""

    @staticmethod
    def chunks(items):
        raise NotImplementedError

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return "".join(self.chunks(data)).encode(self.charset)


class CSLJSONRenderer(CitationRenderer):
    media_type = "application/vnd.citationstyles.csl+json"
    format = "csljson"
    extension = "json"
    chunks = staticmethod(citations.csl_json_chunks)


class BibTeXRenderer(CitationRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"
    extension = "bib"
    chunks = staticmethod(citations.bibtex_chunks)


class RISRenderer(CitationRenderer):
    media_type = "application/x-research-info-systems"
    format = "ris"
    extension = "ris"
    chunks = staticmethod(citations.ris_chunks)


CITATION_RENDERERS = [CSLJSONRenderer, BibTeXRenderer, RISRenderer]
CITATION_FORMATS = {renderer.format for renderer in CITATION_RENDERERS}


def csl_items(request, queryset):
    """The queryset's claims as CSL items, each with its page's URL, read today."""
    claim_page = Links(request).page("claims:claim-detail")
    accessed = datetime.date.today()
    for claim in citations.cited_claims(queryset):
        yield citations.csl_item(claim, claim_page(claim.id), accessed)


def citation_download(request, renderer, queryset, filename):
    """The claims as a file in the renderer's format, streamed; over the CSV row cap a 400 naming `format`."""
    count, limit = cached_count(queryset), settings.API_CSV_MAX_ROWS
    if count > limit:
        raise exceptions.ValidationError(
            {
                "format": [
                    f"The download would hold {count:,} citations; one holds at most {limit:,}. "
                    "Narrow the filters (said_from and said_to, speaker, topic, ...) "
                    "and download it in parts."
                ]
            }
        )
    content = (chunk.encode(renderer.charset) for chunk in renderer.chunks(csl_items(request, queryset)))
    response = StreamingHttpResponse(
        content, content_type=f"{renderer.media_type}; charset={renderer.charset}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{renderer.extension}"'
    return response


class CitationFormatsMixin:
    """Offers the citation formats on reading a claim or a list of claims (a write answers in JSON)."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action in ("list", "retrieve") and getattr(self.request, "method", "GET") in ("GET", "HEAD"):
            renderers += [renderer() for renderer in CITATION_RENDERERS]
        return renderers

    def wants_citations(self, request):
        return request.accepted_renderer.format in CITATION_FORMATS

    def citation_list(self, request, queryset):
        return citation_download(request, request.accepted_renderer, queryset, f"{self.basename}s")

    def citation_item(self, request, queryset):
        if not queryset.exists():
            raise Http404("No Claim matches the given query.")
        return citation_download(
            request, request.accepted_renderer, queryset, f"{self.basename}-{self.kwargs['pk']}"
        )


CITATION_RESPONSE_SCHEMAS = {
    CSLJSONRenderer.media_type: {
        "type": "array",
        "items": {"type": "object", "additionalProperties": True},
        "description": "CSL-JSON: an array of CSL items, valid against "
        "https://resource.citationstyles.org/schema/v1.0/input/json/csl-data.json (type dataset).",
    },
    BibTeXRenderer.media_type: {"type": "string", "description": "BibTeX: one @misc entry per claim."},
    RISRenderer.media_type: {"type": "string", "description": "RIS: one record of type DATA per claim."},
}

FORMAT_DESCRIPTION = (
    "The citation formats (csljson, bibtex, ris) cite the claim, or every claim of the filtered list "
    "(not one page; as many rows as a CSV may hold), for Zotero and other reference managers, as "
    "CSL-JSON, BibTeX (@misc) or RIS (DATA). Each cites the claim as a database entry (its speaker "
    "as author, the date it was said, its page's URL, its version, the day it was read and its "
    "source articles). An Accept header of application/vnd.citationstyles.csl+json, "
    "application/x-bibtex or application/x-research-info-systems does the same."
)


def describe_citation_formats(result, generator, request, public):
    """OpenAPI: the citation bodies as what they are, and the `format` values that ask for them."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            if not CITATION_RESPONSE_SCHEMAS.keys() & content.keys():
                continue
            for media_type, schema in CITATION_RESPONSE_SCHEMAS.items():
                content[media_type] = {"schema": schema}
            for parameter in operation.get("parameters", []):
                if parameter["name"] != "format":
                    continue
                values = parameter.setdefault("schema", {"type": "string"}).setdefault("enum", [])
                values += [format for format in sorted(CITATION_FORMATS) if format not in values]
                parameter["description"] = (
                    parameter.get("description", "") + "\n\n" + FORMAT_DESCRIPTION
                ).strip()
    return result
