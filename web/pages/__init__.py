"""The pages forecasters and researchers look at: one module per page, all on ``bp``.

Templates live in ``web/templates`` and styles in ``web/static`` (the app's own folders);
plotly.js is served from the installed plotly package, so nothing comes from a CDN.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Blueprint, Response, request

bp = Blueprint("pages", __name__)

#: (endpoint, title) of the navigation bar, in order.
NAV = [
    ("pages.now", "Now"),
    ("pages.propagate", "Propagate"),
    ("pages.planets", "Planets"),
    ("pages.transform", "Transform"),
    ("pages.events", "Events"),
    ("pages.climso", "CLIMSO"),
    ("pages.scoreboard", "Scoreboard"),
    ("pages.status", "Status"),
]


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, str]:
    from plotly.offline import get_plotlyjs

    body = get_plotlyjs().encode()
    return body, hashlib.sha256(body).hexdigest()[:16]


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js of the installed plotly package, cached by the browser for a day."""
    body, etag = _plotly_js()
    if request.if_none_match.contains(etag):
        return Response(status=304)
    resp = Response(body, mimetype="application/javascript")
    resp.set_etag(etag)
    resp.cache_control.public = True
    resp.cache_control.max_age = 86400
    return resp


@bp.app_context_processor
def _navigation():
    return {"nav": NAV}


from . import climso, events, now, planets, propagate, scoreboard, status, transform  # noqa: E402,F401
