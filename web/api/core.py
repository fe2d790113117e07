"""The API's machinery: problems (RFC 9457), declared parameters that are both checked and
published in the OpenAPI document, the bearer token of write endpoints."""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import current_app, jsonify, request

from storms.timeutil import iso_to_us

PROBLEM_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """An answer other than 2xx: ``status``, a title, a detail, and the parameters at fault."""

    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, str]] | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.headers = headers or {}

    def response(self):
        body: dict[str, Any] = {"type": "about:blank", "title": self.title,
                                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        resp = jsonify(body)
        resp.status_code = self.status
        resp.mimetype = PROBLEM_TYPE
        resp.headers.update(self.headers)
        return resp


def invalid(parameter: str, reason: str) -> ApiProblem:
    return ApiProblem(400, "Invalid parameter", f"{parameter}: {reason}",
                      [{"parameter": parameter, "reason": reason}])


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "Not Found", f"no {what}")


@dataclass(frozen=True)
class Param:
    """A query parameter: ``kind`` is string, integer, number, boolean, time (ISO 8601 UTC),
    list (comma-separated strings)."""

    name: str
    kind: str = "string"
    description: str = ""
    required: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    max_length: int = 200

    def schema(self) -> dict[str, Any]:
        base = {"string": "string", "integer": "integer", "number": "number",
                "boolean": "boolean", "time": "string", "list": "string"}[self.kind]
        s: dict[str, Any] = {"type": base}
        if self.kind == "time":
            s["format"] = "date-time"
        if self.enum:
            s["enum"] = list(self.enum)
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        if base == "string" and not self.enum:
            s["maxLength"] = self.max_length
        if self.default is not None:
            s["default"] = self.default
        return s

    def parse(self, raw: str | None) -> Any:
        if raw is None or raw == "":
            if self.required:
                raise invalid(self.name, "required")
            return self.default
        if len(raw) > max(self.max_length, 40):
            raise invalid(self.name, f"longer than {self.max_length} characters")
        if self.kind == "string":
            if self.enum and raw not in self.enum:
                raise invalid(self.name, f"{raw!r} is not one of {', '.join(self.enum)}")
            return raw
        if self.kind == "list":
            items = [x.strip() for x in raw.split(",") if x.strip()]
            if self.enum:
                bad = [x for x in items if x not in self.enum]
                if bad:
                    raise invalid(self.name, f"{bad[0]!r} is not one of {', '.join(self.enum)}")
            return items
        if self.kind == "time":
            try:
                return iso_to_us(raw)
            except (ValueError, TypeError, OverflowError):
                raise invalid(self.name, f"{raw!r} is not an ISO 8601 UTC time") from None
        if self.kind == "boolean":
            if raw.lower() in ("true", "1", "yes"):
                return True
            if raw.lower() in ("false", "0", "no"):
                return False
            raise invalid(self.name, f"{raw!r} is not true or false")
        try:
            value: float = int(raw) if self.kind == "integer" else float(raw)
        except ValueError:
            raise invalid(self.name, f"{raw!r} is not a {self.kind}") from None
        if not math.isfinite(value):
            raise invalid(self.name, "must be finite")
        if self.minimum is not None and value < self.minimum:
            raise invalid(self.name, f"{value} is below {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise invalid(self.name, f"{value} is above {self.maximum:g}")
        return value


@dataclass
class Operation:
    """One documented endpoint."""

    path: str  # OpenAPI form: /events/{event_id}
    method: str
    summary: str
    params: list[Param]
    response: dict[str, Any]
    tag: str
    write: bool = False
    body: dict[str, Any] | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    produces: tuple[str, ...] = ("application/json",)
    codes: tuple[int, ...] = (400,)
    body_media: tuple[str, ...] = ("application/json",)


OPERATIONS: list[Operation] = []


def parse_query(params: list[Param]) -> dict[str, Any]:
    """The declared query parameters, checked; an unknown one is refused by name."""
    known = {p.name for p in params}
    for key in request.args:
        if key not in known:
            raise invalid(key, "unknown parameter; known: " + (", ".join(sorted(known))
                                                                or "none"))
        if len(request.args.getlist(key)) > 1:
            raise invalid(key, "given more than once")
    return {p.name: p.parse(request.args.get(p.name)) for p in params}


def require_token() -> None:
    """401 without the right bearer token; 403 while no token is configured."""
    token = current_app.extensions["storms"].settings.api_token
    if not token:
        raise ApiProblem(403, "Forbidden", "writes are disabled: set STORMS_API_TOKEN")
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(),
                                                             token.encode()):
        raise ApiProblem(401, "Unauthorized", "a valid bearer token is required",
                         headers={"WWW-Authenticate": 'Bearer realm="storms"'})


def json_body(schema_required: tuple[str, ...] = ()) -> dict[str, Any]:
    request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH, whatever the type
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        raise invalid("body", "a JSON object is required")
    for name in schema_required:
        if name not in data:
            raise invalid(name, "required")
    return data


def operation(bp, rule: str, method: str, summary: str, *, params=(), response=None,
              tag: str = "data", write: bool = False, body=None, path_params=None,
              produces=("application/json",), codes=(400,),
              body_media=("application/json",)) -> Callable:
    """Register a Flask route and its OpenAPI operation from one declaration."""
    path = rule
    for name in (path_params or {}):
        path = path.replace(f"<int:{name}>", "{" + name + "}").replace(f"<{name}>",
                                                                     "{" + name + "}")
    op = Operation(path, method.lower(), summary, list(params), response or {"type": "object"},
                   tag, write, body, dict(path_params or {}), tuple(produces), tuple(codes),
                   tuple(body_media))
    OPERATIONS.append(op)

    def decorate(fn):
        @wraps(fn)
        def view(**kwargs):
            if op.write:
                require_token()
            return fn(parse_query(op.params), **kwargs)

        bp.add_url_rule(rule, endpoint=f"{fn.__name__}_{method.lower()}", view_func=view,
                        methods=[method])
        return fn

    return decorate
