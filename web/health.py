"""``/health``: is the service up, and how are its sources doing."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select, text

from storms import models as m
from storms.timeutil import us_to_iso

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    ctx = current_app.extensions["storms"]
    try:
        with ctx.factory() as session:
            session.execute(text("SELECT 1"))
            sources = [
                {
                    "source": s.source,
                    "state": s.state,
                    "last_attempt": us_to_iso(s.last_attempt_us),
                    "last_success": us_to_iso(s.last_success_us),
                    "failures": s.failures,
                    "message": s.message,
                }
                for s in session.scalars(select(m.SourceStatus).order_by(m.SourceStatus.source))
            ]
    except Exception as exc:
        return jsonify(status="degraded", database=f"unavailable: {type(exc).__name__}"), 503
    return jsonify(status="ok", database="ok", sources=sources)
