"""Completes the generated OpenAPI description with what every operation may answer."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "what went wrong, in words a person can act on"}},
    "required": ["error"],
    "additionalProperties": True,
}
COMMON_ERRORS = {
    "400": "the request is not valid (a malformed parameter or cursor)",
    "401": "no or invalid credentials",
    "403": "the credentials do not allow this",
    "404": "no such asset (or one the caller may not see), or no such file version",
    "406": "the requested media type is not offered here",
    "415": "the request body's media type is not accepted (or the multipart body is malformed)",
}


# Errors come in the media type the request negotiated: JSON, or JSON-LD for JSON-LD requests.
ERROR_MEDIA_TYPES = ("application/json", "application/ld+json")


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document JSON errors on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"schema": {"$ref": "#/components/schemas/Error"}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {media_type: error for media_type in ERROR_MEDIA_TYPES}},
                )
    return result
