"""``/tap``: the EPN-TAP / TAP 1.1 service as a Flask blueprint, thin over
:mod:`amda_bridge.tap.service`.

Views turn the request into a parameter mapping, call the endpoint functions and send
their responses; UWS redirects are absolute URLs (303). Failures answer with an error
VOTable, never a traceback.
"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, Response, current_app, request, send_file, url_for

from amda_bridge.tap import service, uws
from amda_bridge.tap.service import TapResponse
from storms.database import RETRY_AFTER_S, is_unavailable

log = logging.getLogger(__name__)
bp = Blueprint("tap", __name__, url_prefix="/tap")
_STORE_LOCK = threading.Lock()
JOBS_KEY = "storms_tap_jobs"


def _ctx():
    return current_app.extensions["storms"]


def _root() -> str:
    """The site's base URL (no trailing slash), e.g. ``http://host:port``."""
    return request.url_root.rstrip("/")


def _params() -> dict[str, str]:
    merged = {k: request.args.getlist(k) for k in request.args}
    for k in request.form:
        merged.setdefault(k, request.form.getlist(k))
    return service.lower_keys(merged)


def _send(resp: TapResponse) -> Response:
    out = Response(resp.body, status=resp.status, content_type=resp.content_type)
    for key, value in resp.headers.items():
        out.headers[key] = value
    return out


def _see_other(url: str) -> Response:
    out = Response(status=303)
    out.headers["Location"] = url
    return out


def _store() -> uws.JobStore:
    with _STORE_LOCK:
        store = current_app.extensions.get(JOBS_KEY)
        if store is None:
            store = service.job_store(_ctx(), _root())
            current_app.extensions[JOBS_KEY] = store
    return store


def _job_url(job_id: str) -> str:
    return url_for("tap.job", job_id=job_id, _external=True)


@bp.errorhandler(uws.UwsError)
def _uws_error(err: uws.UwsError) -> Response:
    return _send(service.error_response(str(err), err.status))


@bp.errorhandler(Exception)
def _any_error(err: Exception) -> Response:
    code = getattr(err, "code", None)
    if isinstance(code, int) and code < 500:
        return _send(service.error_response(getattr(err, "description", str(err)), code))
    if is_unavailable(err):
        log.warning("TAP %s: database unavailable: %s", request.path, err)
        resp = _send(service.error_response(
            "database temporarily unavailable; retry in a few seconds", 503))
        resp.headers["Retry-After"] = str(RETRY_AFTER_S)
        return resp
    log.exception("TAP request failed: %s", request.path)
    return _send(service.error_response("internal error; the administrators have the details",
                                        500))


@bp.get("", strict_slashes=False)
def landing() -> Response:
    base = url_for("tap.landing", _external=True).rstrip("/")
    links = "".join(f'<li><a href="{base}/{p}">{p}</a></li>'
                    for p in ("capabilities", "tables", "availability", "examples"))
    return Response(f"<html><body><h1>Storms EPN-TAP service</h1><ul>{links}</ul></body></html>",
                    content_type="text/html;charset=UTF-8")


@bp.route("/sync", methods=["GET", "POST"])
def sync() -> Response:
    return _send(service.sync(_ctx(), _params(), _root()))


@bp.get("/availability")
def availability() -> Response:
    return _send(service.availability(_ctx()))


@bp.get("/capabilities")
def capabilities() -> Response:
    return _send(service.capabilities(url_for("tap.landing", _external=True).rstrip("/")))


@bp.get("/tables")
def tables() -> Response:
    return _send(service.tables())


@bp.get("/examples")
def examples() -> Response:
    return _send(service.examples_page())


@bp.get("/files/<any(images, previews):kind>/<int:image_id>")
def stored_file(kind: str, image_id: int) -> Response:
    found = service.stored_file(_ctx(), kind, image_id)
    if found is None:
        return _send(service.error_response("no such file", 404))
    path, mime = found
    return send_file(path, mimetype=mime, as_attachment=kind == "images",
                     download_name=path.name, conditional=True)


# ----------------------------------------------------------------- UWS

@bp.route("/async", methods=["GET", "POST"])
def jobs() -> Response:
    store = _store()
    if request.method == "GET":
        store.purge()
        with store.lock:
            listed = list(store.jobs.values())
        phase = request.args.get("PHASE")
        if phase:
            listed = [j for j in listed if j.phase == phase.upper()]
        else:
            listed = [j for j in listed if j.phase != "ARCHIVED"]
        base = url_for("tap.jobs", _external=True)
        return _send(TapResponse(200, uws.jobs_xml(listed, base), service.XML))
    job = store.create(_params())
    return _see_other(_job_url(job.job_id))


@bp.route("/async/<job_id>", methods=["GET", "POST", "DELETE"])
def job(job_id: str) -> Response:
    store = _store()
    found = store.get(job_id)
    params = _params()
    if request.method == "DELETE" or (request.method == "POST"
                                      and params.get("action", "").upper() == "DELETE"):
        store.delete(job_id)
        return _see_other(url_for("tap.jobs", _external=True))
    if request.method == "POST":
        raise uws.UwsError("POST to a job needs ACTION=DELETE")
    if "wait" in params:
        try:
            seconds = float(params["wait"])
        except ValueError:
            raise uws.UwsError("WAIT must be a number of seconds") from None
        store.wait(found, 60.0 if seconds < 0 else min(seconds, 60.0),
                   params.get("phase", "").upper() or None)
    return _send(TapResponse(200, uws.job_xml(found, _job_url(job_id)), service.XML))


def _text(value: object) -> Response:
    return Response("" if value is None else str(value), content_type="text/plain;charset=UTF-8")


@bp.route("/async/<job_id>/phase", methods=["GET", "POST"])
def job_phase(job_id: str) -> Response:
    store = _store()
    found = store.get(job_id)
    if request.method == "GET":
        return _text(found.phase)
    phase = _params().get("phase", "").upper()
    if phase == "RUN":
        store.run(found)
    elif phase == "ABORT":
        store.abort(found)
    else:
        raise uws.UwsError("PHASE must be RUN or ABORT")
    return _see_other(_job_url(job_id))


@bp.route("/async/<job_id>/parameters", methods=["GET", "POST"])
def job_parameters(job_id: str) -> Response:
    store = _store()
    found = store.get(job_id)
    if request.method == "GET":
        return _send(TapResponse(200, uws.parameters_xml(found), service.XML))
    store.set_parameters(found, _params())
    return _see_other(_job_url(job_id))


@bp.route("/async/<job_id>/executionduration", methods=["GET", "POST"])
def job_duration(job_id: str) -> Response:
    store = _store()
    found = store.get(job_id)
    if request.method == "POST":
        if found.phase != "PENDING":
            raise uws.UwsError("the job is no longer PENDING", 409)
        store.set_duration(found, _params().get("executionduration", ""))
        return _see_other(_job_url(job_id))
    return _text(found.execution_duration)


@bp.route("/async/<job_id>/destruction", methods=["GET", "POST"])
def job_destruction(job_id: str) -> Response:
    store = _store()
    found = store.get(job_id)
    if request.method == "POST":
        found.destruction = uws.parse_iso(_params().get("destruction", ""))
        return _see_other(_job_url(job_id))
    return _text(uws.iso(found.destruction))


@bp.get("/async/<job_id>/quote")
def job_quote(job_id: str) -> Response:
    _store().get(job_id)
    return _text("")


@bp.get("/async/<job_id>/owner")
def job_owner(job_id: str) -> Response:
    _store().get(job_id)
    return _text("")


@bp.get("/async/<job_id>/error")
def job_error(job_id: str) -> Response:
    return _send(service.job_error(_store().get(job_id)))


@bp.get("/async/<job_id>/results")
def job_results(job_id: str) -> Response:
    found = _store().get(job_id)
    return _send(TapResponse(200, uws.results_xml(found, _job_url(job_id)), service.XML))


@bp.get("/async/<job_id>/results/result")
def job_result(job_id: str) -> Response:
    return _send(service.job_result(_store().get(job_id)))
