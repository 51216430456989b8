"""OpenAPI post-processing: document the error answers every endpoint can give.

drf-spectacular describes the successful answers from the serializers. The errors follow from
how the API works (validation, authentication, object permissions, rate limits), the same for
every endpoint, so they are added here in one place rather than on each view.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error. `detail` says what went wrong; validation errors instead (or also) map each "
                   "field name to its messages.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    # Field errors are lists of messages; for list fields (e.g. attachments) a map of index to messages.
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]},
    "example": {"subject": ["This field may not be blank."]},
}

DESCRIPTIONS = {
    "400": "The input is invalid; nothing was saved.",
    "401": "Not authenticated: send a session cookie or `Authorization: Token <key>`.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, or not one the caller may see (or a page past the end of a list).",
    "429": "Too many requests; retry after the number of seconds in the `Retry-After` header.",
}


def _error(code):
    return {"description": DESCRIPTIONS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["429"]
            anonymous_allowed = {} in operation.get("security", [])
            if not anonymous_allowed:
                codes += ["401", "403"]
            if "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.append("400")
            parameters = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
            if "{" in path or "page" in parameters:  # an unknown object, or a page past the end
                codes += ["403", "404"]
            if method == "post":
                codes.append("403")
            for code in codes:
                responses.setdefault(code, _error(code))
    return result
