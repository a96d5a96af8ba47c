"""Request bodies dam reads: JSON with a bound on nesting, so a hostile body is a 400 naming the
problem rather than a RecursionError deep in the parser or in whatever walks the value later."""

from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32  # deeper than any request dam documents (a search filter is three levels)


def json_depth_problem(value, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``value`` (parsed JSON) is nested too deeply, or None; walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return f"the JSON body is nested more than {limit} levels deep"
        stack.extend((child, depth + 1) for child in children)
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep") from None
        problem = json_depth_problem(value)
        if problem:
            raise ParseError(problem)
        return value


class BoundedJSONField(serializers.JSONField):
    """A JSON value in a request (also given as text in a multipart form), nested at most
    ``MAX_JSON_DEPTH`` levels: deeper is a field error, not a RecursionError."""

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            raise serializers.ValidationError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
        problem = json_depth_problem(value)
        if problem:
            raise serializers.ValidationError(problem.replace("the JSON body is", "the value is"))
        return value
