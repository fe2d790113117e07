"""REST API under ``/api/v1``: thin over the data layer (storms.store, storms.propagate,
storms.alerts, storms.verification); its OpenAPI document is built from the same
declarations that check the inputs. Errors are RFC 9457 problem details."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from storms.database import RETRY_AFTER_S, is_unavailable

from .core import ApiProblem

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(ApiProblem)
def _problem(err: ApiProblem):
    return err.response()


@bp.errorhandler(HTTPException)
def _http(err: HTTPException):
    return ApiProblem(err.code or 500, err.name, err.description or err.name).response()


@bp.errorhandler(Exception)
def _unexpected(err: Exception):
    if is_unavailable(err):
        log.warning("API %s: database unavailable: %s", request.path, err)
        return ApiProblem(503, "Service Unavailable", "database temporarily unavailable",
                          headers={"Retry-After": str(RETRY_AFTER_S)}).response()
    log.exception("API %s %s failed", request.method, request.path)
    return ApiProblem(500, "Internal Server Error",
                      "internal error; the administrators have the details").response()


@bp.get("/openapi.json")
def openapi_json():
    from .openapi import document

    return jsonify(document(request.script_root + "/api/v1"))


from . import catalogue, frames, monitoring, physics  # noqa: E402,F401
