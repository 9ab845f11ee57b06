"""The OpenAPI schema's descriptions: every parameter, the CSV bodies and the JSON errors."""

from tiktok_claims.paging import MAX_PAGE_SIZE

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` for the whole request, or the bad parameter or field "
    "names, each with its messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ERROR_RESPONSES = {
    "400": "A parameter or field is invalid; its name is the key.",
    "401": "Authentication failed (a bad token) or is required to write.",
    "403": "The user lacks the permission for this write, or a session write lacks its CSRF token.",
    "404": "No such item or URL.",
    "409": "Refused, nothing saved: curated items still refer to the item being deleted, or another "
    "writer held the item's lock too long (load it again and retry).",
    "412": "Refused: If-Match named an older version (ETag) of the item; it changed since it was read.",
    "428": "Refused: a PUT or DELETE needs If-Match with the ETag you read (or *); a PATCH does not.",
    "429": "Too many anonymous requests; see Retry-After.",
}


# Parameters whose filters carry no description of their own.
PARAMETER_DESCRIPTIONS = {
    "article": "Article slug (e.g. from /api/articles/); repeat the parameter for any of several.",
    "outlet": "Outlet slug (e.g. from /api/outlets/); repeat the parameter for any of several.",
    "speaker": "Speaker slug (e.g. from /api/speakers/); repeat the parameter for any of several.",
    "topic": "Topic slug (e.g. from /api/topics/); repeat the parameter for any of several.",
    "claim_type": "Type of claim; repeat the parameter for any of several.",
    "speaker_kind": "Kind of speaker; repeat the parameter for any of several.",
    "kind": "Kind of speaker; repeat the parameter for any of several.",
    "side": "Side in the debate; repeat the parameter for any of several.",
    "relation": "Rebuttal relation; repeat the parameter for any of several.",
    "mode": "Direct quotation or reported speech.",
    "claim": "Claim id.",
    "rebutting_claim": "Id of the rebutting claim.",
    "rebutted_claim": "Id of the rebutted claim.",
    "published_from": "Published on or after this day (YYYY-MM-DD).",
    "published_to": "Published on or before this day (YYYY-MM-DD).",
    "search": "Words to look for.",
    "slug": "The item's slug, the last part of its url.",
    "id": "The item's numeric id, the last part of its url.",
    "format": "json (default) or csv; csv is the whole filtered list, not one page.",
    "ordering": "Sort order; a leading - reverses it.",
    "page_size": f"Items per page, 1 to {MAX_PAGE_SIZE}.",
}


def describe_operations(result, generator, request, public):
    """Describe every parameter, the CSV body and the JSON error every operation can answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in PARAMETER_DESCRIPTIONS and (
                    not parameter.get("description") or parameter["name"] == "page_size"
                ):
                    parameter["description"] = (
                        PARAMETER_DESCRIPTIONS[parameter["name"]] + "\n\n" + parameter.get("description", "")
                    ).strip()
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if not response.get("description"):
                    response["description"] = "Success." if status.startswith("2") else "See the body."
                if "text/csv" in response.get("content", {}):
                    response["content"]["text/csv"] = {
                        "schema": {"type": "string", "description": "CSV with a header row."}
                    }
            for status, description in ERROR_RESPONSES.items():
                if status in ("409", "412") and method not in ("put", "patch", "delete"):
                    continue
                if status == "428" and method not in ("put", "delete"):
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
