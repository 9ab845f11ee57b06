"""?expand=: related items embedded instead of linked."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions


def parse_expand(request, allowed):
    """The names in ?expand=a,b; an unknown name is a 400 naming the parameter."""
    value = request.query_params.get("expand", "") if request is not None else ""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise exceptions.ValidationError(
            {"expand": [f"Cannot expand {', '.join(unknown)[:100]!r}; choose from {', '.join(allowed)}."]}
        )
    return set(names)


def expand_parameter(allowed):
    return OpenApiParameter(
        "expand",
        str,
        description=f"Comma-separated related items to embed instead of linking: {', '.join(allowed)}.",
    )


class ExpansionMixin:
    """?expand= names the related items a read embeds (from the view's expandable)."""

    expandable = ()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Expansion is for reading; a write keeps its linked fields writable.
        reading = self.request is not None and self.request.method == "GET"
        context["expand"] = (
            parse_expand(self.request, self.expandable) if self.expandable and reading else set()
        )
        return context
