"""The OpenAPI schema's descriptions: every parameter, the CSV bodies and the JSON errors."""

from tiktok_claims.api.pagination import MAX_PAGE_SIZE

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
    "ordering": "Sort order; a leading - reverses it.",
    "page_size": f"Items per page, 1 to {MAX_PAGE_SIZE}.",
}


# What each ?format= value gives, for the operations that answer it.
FORMAT_DESCRIPTIONS = {
    "json": "json: JSON",
    "jsonld": "jsonld: JSON-LD (application/ld+json)",
    "csv": "csv: CSV, on a list the whole filtered list, not one page (see csv_raw and csv_bom)",
    "csljson": "csljson: CSL-JSON citations",
    "bibtex": "bibtex: BibTeX citations",
    "ris": "ris: RIS citations",
}

CSV_DESCRIPTION = (
    "CSV with a header row, UTF-8. For spreadsheets, a cell starting with =, +, -, @, a tab or a "
    "carriage return gets a leading apostrophe (') so that it is not run as a formula: "
    '"-3.2% of users" reads "\'-3.2% of users". Programs that want the values untouched ask for '
    "csv_raw=1; csv_bom=1 starts the file with a UTF-8 byte order mark, which Excel needs to "
    "read it as UTF-8. Columns are only ever appended: read them by name."
)

CSV_PARAMETERS = [
    {
        "name": "csv_raw",
        "in": "query",
        "required": False,
        "schema": {"type": "boolean"},
        "description": "With format=csv: 1 writes every value as stored. By default a cell starting "
        "with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so that a "
        "spreadsheet does not run it as a formula.",
    },
    {
        "name": "csv_bom",
        "in": "query",
        "required": False,
        "schema": {"type": "boolean"},
        "description": "With format=csv: 1 starts the file with a UTF-8 byte order mark, for Excel.",
    },
]

# ?expand= replaces these links by the items themselves: {component: {property: component embedded}}.
EXPANDABLE_LINKS = {
    "Claim": {"speaker": "Speaker", "topics": "Topic", "quotes": "Quote"},
    "Quote": {"article": "Article"},
}


def link_or_item(link, component):
    """A link as declared, or (expanded) the item itself: anyOf, as both may be given."""
    return {"anyOf": [link, {"$ref": f"#/components/schemas/{component}"}]}


def declare_expansions(schemas):
    """An expandable link is a URI string or, with ?expand=, the embedded item."""
    for component, links in EXPANDABLE_LINKS.items():
        properties = schemas[component]["properties"]
        for name, embedded in links.items():
            field = properties[name]
            if field.get("type") == "array":
                field["items"] = link_or_item(field["items"], embedded)
            else:
                properties[name] = {**link_or_item(field, embedded), "readOnly": field.get("readOnly", False)}
            properties[name]["description"] = (
                properties[name].get("description", "")
                + f" A URL, or with ?expand={name} the {embedded.lower()} itself."
            ).strip()


def blank_as_any_of(node):
    """A field that may be blank is declared oneOf [value, blank]; a blank string matches both: anyOf."""
    if isinstance(node, dict):
        if "oneOf" in node and any(branch.get("maxLength") == 0 for branch in node["oneOf"]):
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            blank_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            blank_as_any_of(value)


def describe_operations(result, generator, request, public):
    """Describe every parameter, the CSV body and the JSON error every operation can answer with."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    declare_expansions(schemas)
    blank_as_any_of(schemas)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "format" and parameter["in"] == "query":
                    formats = parameter["schema"].get("enum", [])
                    described = "; ".join(FORMAT_DESCRIPTIONS.get(name, name) for name in formats) + "."
                    parameter["description"] = "\n\n".join(
                        filter(None, [described, parameter.get("description")])
                    )
                    if "csv" in formats:
                        operation["parameters"] = [*operation["parameters"], *CSV_PARAMETERS]
                if parameter["name"] in PARAMETER_DESCRIPTIONS and (
                    not parameter.get("description") or parameter["name"] == "page_size"
                ):
                    parameter["description"] = (
                        PARAMETER_DESCRIPTIONS[parameter["name"]] + "\n\n" + parameter.get("description", "")
                    ).strip()
            # Anyone reads (DjangoModelPermissionsOrAnonReadOnly, which drf-spectacular does not
            # know): an empty requirement says no credentials are needed.
            if method == "get" and {} not in operation.get("security", [{}]):
                operation["security"].append({})
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if not response.get("description"):
                    response["description"] = "Success." if status.startswith("2") else "See the body."
                if "text/csv" in response.get("content", {}):
                    response["content"]["text/csv"] = {
                        "schema": {"type": "string", "description": CSV_DESCRIPTION}
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
