"""The JSON parser: a body nested too deeply is a 400, not a 500."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's parser can go is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                "JSON parse error - the request body is nested too deeply (arrays or objects inside "
                "each other hundreds of levels down)."
            ) from error
