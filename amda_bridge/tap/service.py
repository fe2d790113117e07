"""Framework-free TAP endpoint functions: parameters in, :class:`TapResponse` out.

The Flask blueprint only turns requests into parameter mappings, calls these and sends
the responses. Every failure of a query answers with an error VOTable.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text

from amda_bridge.tap import adql, examples, execute, uws, vosi, votable
from storms.app_context import Context
from storms.database import RETRY_AFTER_S, is_unavailable
from storms.models import SolarImage

log = logging.getLogger(__name__)
LANGS = ("adql", "adql-2.0", "adql-2.1")
FORMATS = {
    "votable": "votable", "application/x-votable+xml": "votable", "text/xml": "votable",
    "votable/td": "votable", "application/x-votable+xml;serialization=tabledata": "votable",
    "votable/tabledata": "votable", "csv": "csv", "text/csv": "csv",
    "text/csv;header=present": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv"}
MIME = {"votable": votable.VOTABLE_MIME + ";charset=UTF-8", "csv": "text/csv;charset=UTF-8",
        "tsv": "text/tab-separated-values;charset=UTF-8"}
XML = "text/xml;charset=UTF-8"


@dataclass
class TapResponse:
    status: int
    body: bytes | str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class TapError(ValueError):
    """A refused query: the message goes into the error VOTable."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def lower_keys(params: Mapping[str, list[str]] | Mapping[str, str]) -> dict[str, str]:
    """Parameter names folded to lower case (first value kept): TAP names are case-blind."""
    out: dict[str, str] = {}
    for key, value in params.items():
        first = value[0] if isinstance(value, list) else value
        out.setdefault(key.lower(), first if first is not None else "")
    return out


def error_response(message: str, status: int = 400) -> TapResponse:
    return TapResponse(status, votable.error(message), MIME["votable"])


def _maxrec(params: Mapping[str, str]) -> int:
    raw = params.get("maxrec", "").strip()
    if not raw:
        return vosi.DEFAULT_MAXREC
    try:
        value = int(raw)
    except ValueError:
        raise TapError(f"MAXREC must be a non-negative integer, not {raw!r}") from None
    if value < 0:
        raise TapError("MAXREC must be a non-negative integer")
    return min(value, vosi.HARD_MAXREC)


def query(ctx: Context, params: Mapping[str, str], base_url: str,
          timeout_s: float = execute.DEFAULT_TIMEOUT_S) -> tuple[bytes, str]:
    """Run one TAP query (lower-case parameter names); returns (body, content type)."""
    lang = params.get("lang", "").strip()
    if not lang:
        raise TapError("LANG parameter missing (use LANG=ADQL)")
    if lang.lower() not in LANGS:
        raise TapError(f"unsupported LANG {lang!r} (use ADQL)")
    if params.get("upload"):
        raise TapError("UPLOAD is not supported by this service")
    adql_text = params.get("query", "")
    fmt_name = (params.get("responseformat") or params.get("format") or "votable").strip()
    fmt = FORMATS.get(fmt_name.lower().replace(" ", ""))
    if fmt is None:
        raise TapError(f"unsupported RESPONSEFORMAT {fmt_name!r}")
    maxrec = _maxrec(params)
    try:
        tr = adql.translate(adql_text, ctx.engine.dialect.name, base_url, maxrec)
        rows = execute.run(ctx.engine, tr.sql, timeout_s).rows
    except adql.AdqlError as exc:
        raise TapError(f"ADQL error: {exc}") from None
    except execute.QueryTimeout as exc:
        raise TapError(str(exc)) from None
    except execute.QueryFailed as exc:
        raise TapError(f"query failed: {exc}") from None
    overflow = tr.check_overflow and len(rows) > maxrec
    rows = rows[:maxrec] if overflow else rows
    if fmt != "votable":
        return votable.csv(tr.fields, rows, "," if fmt == "csv" else "\t"), MIME[fmt]
    infos = [("QUERY", adql_text)]
    return votable.result(tr.fields, rows, overflow, infos), MIME[fmt]


def sync(ctx: Context, params: Mapping[str, str], base_url: str) -> TapResponse:
    """``/sync``: run the query now."""
    try:
        body, content_type = query(ctx, params, base_url)
        return TapResponse(200, body, content_type)
    except TapError as exc:
        return error_response(str(exc), exc.status)
    except Exception as exc:  # a last resort: an error VOTable, the detail only in the log
        if is_unavailable(exc):
            log.warning("TAP sync: database unavailable: %s", exc)
            resp = error_response("database temporarily unavailable; retry in a few seconds",
                                  503)
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
            return resp
        log.exception("TAP sync query failed")
        return error_response("internal error; the administrators have the details", 500)


def availability(ctx: Context) -> TapResponse:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        ok, note = True, "service is accepting queries"
    except Exception as exc:  # any database failure means unavailable
        ok, note = False, f"database unavailable: {type(exc).__name__}"
    return TapResponse(200, vosi.availability(ok, note), XML)


def capabilities(base: str) -> TapResponse:
    return TapResponse(200, vosi.capabilities(base), XML)


def tables() -> TapResponse:
    return TapResponse(200, vosi.tables(), XML)


def examples_page() -> TapResponse:
    return TapResponse(200, examples.document(), "application/xhtml+xml;charset=UTF-8")


def stored_file(ctx: Context, kind: str, image_id: int) -> tuple[Path, str] | None:
    """The kept FITS (``images``) or PNG preview (``previews``) of an image, if safe.

    Only paths resolving inside ``files_dir`` are served.
    """
    with ctx.factory() as session:
        row = session.execute(select(SolarImage.file_path, SolarImage.preview_path)
                              .where(SolarImage.id == image_id)).first()
    if row is None:
        return None
    relative = row.file_path if kind == "images" else row.preview_path
    if not relative:
        return None
    root = ctx.settings.files_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path, ("image/fits" if kind == "images" else "image/png")


# ----------------------------------------------------------------- async (UWS)

def job_store(ctx: Context, base_url: str) -> uws.JobStore:
    """A job store whose jobs run TAP queries on ``ctx``."""

    def work(params: dict[str, str]) -> tuple[bytes, str]:
        timeout = float(params.pop("_timeout", execute.DEFAULT_TIMEOUT_S))
        return query(ctx, params, base_url, timeout_s=timeout)

    return uws.JobStore(work, vosi.RETENTION_S, vosi.EXECUTION_S)


def job_result(job: uws.Job) -> TapResponse:
    if job.phase == "COMPLETED" and job.result is not None:
        return TapResponse(200, job.result, job.result_type)
    raise uws.UwsError("no result: the job has not completed", 404)


def job_error(job: uws.Job) -> TapResponse:
    if job.phase != "ERROR":
        raise uws.UwsError("the job has no error", 404)
    return error_response(job.error or "error", 200)
