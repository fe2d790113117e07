"""Flask application factory: pages, REST API and the protocol blueprints."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify

from storms import app_context

log = logging.getLogger(__name__)


def create_app(
    config: dict[str, Any] | None = None,
    context: app_context.Context | None = None,
    start_jobs: bool = False,
) -> Flask:
    """Build the app. ``context`` carries settings, engine and session factory."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False)
    if config:
        app.config.update(config)
    ctx = context or app_context.default()
    app.extensions["storms"] = ctx

    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    _register_optional(app)

    @app.errorhandler(404)
    def not_found(_e):
        return jsonify(error="not found"), 404

    @app.errorhandler(500)
    def server_error(e):  # a last resort: log the detail, answer without a traceback
        log.error("internal error: %s", e)
        return jsonify(error="internal error; the administrators have the details"), 500

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
