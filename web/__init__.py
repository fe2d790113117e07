"""Flask application factory: pages, REST API and the protocol blueprints."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from storms import app_context
from storms.database import RETRY_AFTER_S, is_unavailable

log = logging.getLogger(__name__)

#: Largest request body accepted (API JSON, TAP queries): 413 beyond.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Largest series file ``POST /api/v1/transform`` takes (a year of 1-min data as CSV is
#: about 45 MB; gzip uploads are decompressed up to 1 GiB).
MAX_TRANSFORM_UPLOAD_BYTES = 256 * 1024 * 1024


def create_app(
    config: dict[str, Any] | None = None,
    context: app_context.Context | None = None,
    start_jobs: bool = False,
) -> Flask:
    """Build the app. ``context`` carries settings, engine and session factory."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
                      MAX_FORM_MEMORY_SIZE=MAX_UPLOAD_BYTES,
                      STORMS_TRANSFORM_MAX_BYTES=MAX_TRANSFORM_UPLOAD_BYTES)
    if config:
        app.config.update(config)
    ctx = context or app_context.default()
    app.extensions["storms"] = ctx

    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    _register_optional(app)

    if ctx.settings.proxy_hops:  # URLs built for the client (TAP job links) use its host
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = ctx.settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore
                                x_host=hops, x_prefix=hops)
    _error_pages(app)
    app.after_request(_security_headers)

    if start_jobs:
        try:
            from jobs.scheduler import start_scheduler
        except ImportError:
            log.info("no scheduled jobs available")
        else:
            start_scheduler(ctx)
    return app


def _register_optional(app: Flask) -> None:
    """Blueprints of the protocol layers, registered when their package provides them."""
    import importlib

    for module in ("amda_bridge.hapi_blueprint", "amda_bridge.tap_blueprint", "web.api",
                   "web.pages"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.register_blueprint(mod.bp)


def context_of(app: Flask) -> app_context.Context:
    return app.extensions["storms"]


#: Content Security Policy: everything from this origin; inline styles for plotly's SVG.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(resp):
    """Headers a reviewer expects; protocol clients (HAPI, TAP) may be cross-origin."""
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/hapi", "/tap")):
        resp.headers.setdefault("Access-Control-Allow-Origin", "*")
    return resp


def _wants_html() -> bool:
    path = request.path
    if path.startswith(("/api/", "/hapi", "/tap", "/health", "/vendor", "/static")):
        return False
    return "text/html" in (request.headers.get("Accept") or "text/html")


def _error_pages(app: Flask) -> None:
    """Errors outside the protocol blueprints: an HTML page for people, JSON otherwise
    (RFC 9457 problem details under /api/). Never a traceback."""

    def answer(status: int, title: str, detail: str):
        if request.path.startswith("/api/"):
            body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
            resp = jsonify(body)
            resp.status_code = status
            resp.mimetype = "application/problem+json"
            return resp
        if _wants_html():
            try:
                html = render_template("error.html", title=title, status=status,
                                       detail=detail)
            except Exception:  # the error page itself must never fail
                html = f"<h1>{status} {title}</h1><p>{detail}</p>"
            return html, status
        return jsonify(error=detail, status=status), status

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        status = e.code or 500
        return answer(status, e.name, e.description or e.name)

    @app.errorhandler(Exception)
    def server_error(e: Exception):  # a last resort: log the detail, answer without it
        if is_unavailable(e):
            log.warning("%s %s: database unavailable: %s", request.method, request.path, e)
            resp = make_response(answer(503, "Service Unavailable",
                                        "database temporarily unavailable; retry shortly"))
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
            return resp
        log.exception("internal error on %s %s", request.method, request.path)
        return answer(500, "Internal Server Error",
                      "internal error; the administrators have the details")
