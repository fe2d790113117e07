"""The OpenAPI 3.0 document, generated from the operations declared in the API modules."""

from __future__ import annotations

from typing import Any

from storms import __version__

from .core import OPERATIONS, PROBLEM_TYPE

PROBLEM = {
    "type": "object", "required": ["title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "properties": {"parameter": {"type": "string"},
                                             "reason": {"type": "string"}}}}}}
REASONS = {400: "Invalid input", 401: "Token missing or wrong",
           403: "Writes disabled (no token configured)", 404: "Not found",
           409: "Conflict", 413: "Body too large", 503: "Database unavailable"}


def _problem(code: int) -> dict[str, Any]:
    return {"description": REASONS.get(code, "Error"),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": kind, **({"minimum": 1} if kind == "integer"
                                                   else {"maxLength": 200})}}
                      for name, kind in op.path_params.items()]
        parameters += [{"name": p.name, "in": "query", "required": p.required,
                        "description": p.description, "schema": p.schema()}
                       for p in op.params]
        ok_content = {mime: {"schema": op.response if mime == "application/json"
                             else {"type": "string"}} for mime in op.produces}
        responses: dict[str, Any] = {"200": {"description": "OK", "content": ok_content}}
        codes = set(op.codes) | {503}
        if op.path_params:
            codes.add(404)
        if op.write:
            codes |= {401, 403}
        if op.body is not None:
            codes |= {413}
        for code in sorted(codes):
            responses[str(code)] = _problem(code)
        entry: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "operationId": f"{op.method}_{op.path}".replace("/", "_")
                                 .replace("{", "").replace("}", "").replace("-", "_"),
                                 "parameters": parameters, "responses": responses}
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                media: {"schema": op.body} for media in op.body_media}}
        if op.write:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.0.3",
        "info": {"title": "Storms API", "version": __version__,
                 "description": "Space-weather propagation and monitoring. Times are ISO "
                                "8601 UTC; errors are RFC 9457 problem details."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {"Problem": PROBLEM},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
