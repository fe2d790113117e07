"""``/hapi``: the HAPI 3.3 endpoints as a Flask blueprint, thin over :mod:`amda_bridge.hapi`.

The views only turn the request into a query mapping, call the pure endpoint functions
and send their :class:`~amda_bridge.hapi.HapiResponse`. Every failure answers with a
HAPI JSON status body (never a traceback).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl, quote

from flask import Blueprint, Response, current_app, redirect, request

from amda_bridge import hapi
from amda_bridge.hapi_errors import HapiError
from storms.database import RETRY_AFTER_S, is_unavailable

log = logging.getLogger(__name__)
bp = Blueprint("hapi", __name__, url_prefix="/hapi")

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD",
    "Access-Control-Allow-Headers": "Content-Type",
}


def _ctx():
    return current_app.extensions["storms"]


def _query() -> dict[str, list[str]]:
    """The request parameters, each with all its values (bytes that are not UTF-8, even
    unescaped, are replaced rather than failing)."""
    raw = request.query_string.decode("utf-8", "replace")
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True, errors="replace"):
        out.setdefault(key, []).append(value)
    return out


def _send(resp: hapi.HapiResponse) -> Response:
    if request.method == "HEAD" and not isinstance(resp.body, bytes):
        close = getattr(resp.body, "close", None)
        if close:  # end the stream now: it holds a database session
            close()
        resp.body = b""
    out = Response(resp.body, content_type=resp.content_type, direct_passthrough=True)
    out.status = resp.status
    for key, value in {**CORS, **resp.headers}.items():
        if value:
            out.headers[key] = value
    if resp.content_type.startswith("text/csv") or "json" in resp.content_type:
        out.headers["Vary"] = "Accept-Encoding"
    return out


def _answer(work: Callable[[], hapi.HapiResponse]) -> Response:
    try:
        return _send(work())
    except HapiError as err:
        return _send(hapi.error_response(err))
    except Exception as exc:  # a last resort: HAPI 1500, the detail only in the log
        if is_unavailable(exc):  # HTTP 503 + Retry-After: clients should retry, not give up
            log.warning("HAPI %s: database unavailable: %s", request.path, exc)
            resp = hapi.error_response(HapiError(
                1500, "database temporarily unavailable; retry in a few seconds"))
            resp.status = "503 Service Unavailable; HAPI 1500 Internal server error"
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
            return _send(resp)
        log.exception("HAPI request failed: %s", request.path)
        return _send(hapi.error_response(HapiError(1500)))


def _datasets() -> list[hapi.DatasetView]:
    with _ctx().factory() as session:
        return hapi.all_datasets(session)


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


@bp.get("", strict_slashes=False)
def landing() -> Response:
    """An HTML page listing the datasets, with example requests."""
    if request.path.endswith("/"):
        return redirect(bp.url_prefix or "/hapi", 301)
    try:
        datasets = _datasets()
    except Exception:
        log.exception("HAPI landing page failed")
        datasets = []
    return Response(landing_page(datasets), content_type="text/html; charset=utf-8",
                    headers=CORS)


@bp.get("/about")
def about() -> Response:
    settings = _ctx().settings
    contact = getattr(settings, "contact", "") or ""
    return _answer(lambda: hapi.about(_query(), _datasets(), contact))


@bp.get("/capabilities")
def capabilities() -> Response:
    return _answer(lambda: hapi.capabilities(_query(), _datasets()))


@bp.get("/catalog")
def catalog() -> Response:
    return _answer(lambda: hapi.catalog(_query(), _datasets()))


@bp.get("/info")
def info() -> Response:
    def work() -> hapi.HapiResponse:
        with _ctx().factory() as session:
            return hapi.info(session, _query())

    return _answer(work)


@bp.get("/data")
def data() -> Response:
    return _answer(lambda: hapi.data(_ctx().factory, _query(), gzip=_accepts_gzip()))


@bp.route("/<path:rest>", methods=["GET", "HEAD"])
def unknown(rest: str) -> Response:
    """Unknown endpoints answer HAPI 1400; a trailing slash is redirected (301)."""
    if rest.endswith("/") and rest.rstrip("/") in {"about", "capabilities", "catalog",
                                                     "info", "data"}:
        target = f"{bp.url_prefix}/{rest.rstrip('/')}"
        if request.query_string:
            target += "?" + request.query_string.decode("utf-8", "replace")
        return redirect(target, 301)
    return _send(hapi.error_response(HapiError(1400, "unknown HAPI endpoint")))


def landing_page(datasets: list[hapi.DatasetView]) -> str:
    """The ``/hapi`` landing page: endpoints and each dataset with example links."""
    rows = []
    for ds in datasets:
        info_obj = hapi.info_object(ds)
        q = f"dataset={quote(ds.id)}&start={info_obj['sampleStartDate']}" \
            f"&stop={info_obj['sampleStopDate']}"
        rows.append(
            "<tr>"
            f"<td><code>{html.escape(ds.id)}</code></td><td>{html.escape(ds.title)}</td>"
            f"<td>{html.escape(ds.kind)}</td>"
            f"<td>{info_obj['startDate']} &ndash; {info_obj['stopDate']}</td>"
            f"<td>{html.escape(', '.join(p.name for p in ds.parameters))}</td>"
            f"<td><a href=\"hapi/info?dataset={quote(ds.id)}\">info</a> "
            f"<a href=\"hapi/data?{html.escape(q)}\">csv</a> "
            f"<a href=\"hapi/data?{html.escape(q)}&amp;format=json\">json</a> "
            f"<a href=\"hapi/data?{html.escape(q)}&amp;include=header\">csv+header</a></td>"
            "</tr>"
        )
    table = "\n".join(rows) or "<tr><td colspan=6>No dataset holds records yet.</td></tr>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Storms HAPI server</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em .6em;text-align:left;
vertical-align:top}}tr:nth-child(even){{background:#f4f4f4}}</style></head>
<body><h1>Storms HAPI server</h1>
<p>HAPI {hapi.HAPI_VERSION} (Heliophysics Application Programmer's Interface):
<a href="hapi/about">about</a>, <a href="hapi/capabilities">capabilities</a>,
<a href="hapi/catalog">catalog</a>, <a href="hapi/catalog?depth=all">catalog?depth=all</a>.
Formats: csv, binary, json; HAPI 2 names (id, time.min, time.max) are accepted too.</p>
<p>Python: <code>from hapiclient import hapi; data, meta = hapi(SERVER, DATASET, PARAMETERS,
START, STOP)</code></p>
<table><tr><th>id</th><th>title</th><th>kind</th><th>span</th><th>parameters</th>
<th>examples</th></tr>
{table}
</table></body></html>
"""
