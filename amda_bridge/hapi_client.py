"""Pull a dataset from any HAPI server (AMDA's included) into the store.

``storms ingest hapi URL#DATASET[?start=..&stop=..&parameters=..&format=csv|binary&as=ID]``
reads ``/capabilities`` and ``/info``, then ``/data`` (binary when offered, else CSV) through
:func:`ingest.http.fetch`, and writes the records with :func:`storms.store.upsert_series`
in one transaction with a ``SourceFile`` provenance row.

Handled quirks of HAPI 2.x servers such as AMDA's (``https://amda.irap.omp.eu/service/hapi``):
the v2 request names (``id``, ``time.min``, ``time.max``) chosen from the server's version,
fill values such as ``-1e31`` (also written in float32 precision), a ``#`` header in front of
the data even when none was asked for, and a header whose ``format`` says csv for a binary
body (the body is recognised from its bytes, never from that field).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import numpy as np
import pandas as pd
from sqlalchemy import select

from amda_bridge.hapi import parse_duration, parse_time
from ingest.base import DatasetSpec, IngestError, ParameterSpec, TimeSeries
from ingest.http import FetchError, fetch
from ingest.pipeline import IngestReport
from storms import models as m
from storms import store
from storms.timeutil import now_us

DEFAULT_SPAN_US = 7 * 86_400_000_000  # without start/stop: the last week of the dataset


@dataclass
class HapiSource:
    """A parsed ``URL#DATASET?options`` spec."""

    server: str
    dataset: str
    start: str | None = None
    stop: str | None = None
    parameters: str | None = None
    fmt: str | None = None
    local_id: str | None = None


def parse_spec(spec: str) -> HapiSource:
    """Split ``URL#DATASET[?start=..&stop=..&parameters=..&format=..&as=..]``."""
    if "#" not in spec:
        raise ValueError("give URL#DATASET, e.g. "
                         "https://amda.irap.omp.eu/service/hapi#ace-imf-all")
    server, _, rest = spec.partition("#")
    dataset, _, options = rest.partition("?")
    if not server.startswith(("http://", "https://")) or not dataset:
        raise ValueError("give URL#DATASET with an http(s) URL and a dataset id")
    opts = {k: v[-1] for k, v in parse_qs(options).items()}
    unknown = set(opts) - {"start", "stop", "parameters", "format", "as"}
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)}")
    return HapiSource(server.rstrip("/"), dataset, opts.get("start"), opts.get("stop"),
                      opts.get("parameters"), opts.get("format"), opts.get("as"))


def local_id(server: str, dataset: str) -> str:
    """Our id for a remote dataset: ``amda_ace_imf_all``, ``hapi_<host>_<id>``."""
    host = urlsplit(server).hostname or "hapi"
    prefix = "amda" if "amda" in host else "hapi_" + re.sub(r"[^a-z0-9]+", "_",
                                                            host.split(".")[0].lower())
    return (prefix + "_" + re.sub(r"[^A-Za-z0-9]+", "_", dataset).strip("_").lower())[:100]


def _get_json(url: str, ctx) -> dict:
    body = fetch(url, ctx.settings.http_timeout_s, ctx.settings.http_retries, factory=ctx.factory)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(url, f"not a JSON answer: {exc}") from exc


def split_header(body: bytes) -> tuple[dict | None, bytes]:
    """Remove a ``#`` header (any number of lines) and return its JSON, if readable."""
    if not body.startswith(b"#"):
        return None, body
    lines = []
    pos = 0
    while pos < len(body) and body[pos:pos + 1] == b"#":
        end = body.find(b"\n", pos)
        end = len(body) if end < 0 else end + 1
        lines.append(body[pos + 1:end])
        pos = end
    try:
        header = json.loads(b"".join(lines).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    return header, body[pos:]


def _columns(params: list[dict]) -> list[tuple[str, str, int, int]]:
    """(name, type, size, byte length) of each parameter after the time."""
    out = []
    for p in params[1:]:
        size = int(np.prod(p.get("size") or [1]))
        kind = p.get("type", "double")
        length = int(p.get("length") or 0)
        out.append((p["name"], kind, size, length))
    return out


def _binary_dtype(params: list[dict]) -> np.dtype:
    fields: list[tuple] = [("Time", f"S{int(params[0]['length'])}")]
    for name, kind, size, length in _columns(params):
        base = {"double": "<f8", "integer": "<i4"}.get(kind, f"S{length}")
        fields.append((name, base, (size,)) if size > 1 else (name, base))
    return np.dtype(fields)


def _looks_binary(body: bytes, params: list[dict]) -> bool:
    if not body:
        return False
    dtype = _binary_dtype(params)
    tlen = int(params[0].get("length") or 0)
    if len(body) % dtype.itemsize:
        return False
    head = body[:tlen].rstrip(b"\0")
    try:
        parse_time(head.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    return body[tlen:tlen + 1] != b","


def parse_times(texts: list[str] | np.ndarray) -> np.ndarray:
    """HAPI times (either form, truncated) to datetime64[ns]."""
    arr = np.asarray([t.decode() if isinstance(t, bytes) else str(t) for t in texts])
    try:
        return np.array([s.rstrip("\0").strip().rstrip("Z") for s in arr],
                        dtype="datetime64[ns]")
    except ValueError:
        return np.array([parse_time(s.rstrip("\0").strip()) for s in arr],
                        dtype="int64").astype("datetime64[us]").astype("datetime64[ns]")


def decode_data(body: bytes, params: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Times (datetime64[ns]) and float values (n, width) of a HAPI data body.

    Binary or CSV is told from the bytes; string parameters are left out; fill values
    (exact or within float32 rounding) become NaN.
    """
    _, body = split_header(body)
    cols = _columns(params)
    numeric = [(n, k, s) for n, k, s, _ in cols if k in ("double", "integer")]
    width = sum(s for _, _, s in numeric)
    if not body.strip(b"\0\r\n "):
        return np.empty(0, "datetime64[ns]"), np.empty((0, width))
    if _looks_binary(body, params):
        rec = np.frombuffer(body, dtype=_binary_dtype(params))
        times = parse_times(rec["Time"])
        parts = [np.asarray(rec[n], dtype=float).reshape(len(rec), -1) for n, _, _ in numeric]
    else:
        frame = pd.read_csv(io.BytesIO(body), header=None, skipinitialspace=True,
                            dtype=str, keep_default_na=False)
        times = parse_times(frame.iloc[:, 0].to_numpy())
        parts, col = [], 1
        for _name, kind, size, _len in cols:
            if kind in ("double", "integer"):
                block = frame.iloc[:, col: col + size].apply(pd.to_numeric, errors="coerce")
                parts.append(block.to_numpy(dtype=float))
            col += size
    values = np.hstack(parts) if parts else np.empty((len(times), 0))
    col = 0
    for p in params[1:]:
        kind = p.get("type", "double")
        if kind not in ("double", "integer"):
            continue
        size = int(np.prod(p.get("size") or [1]))
        fill = p.get("fill")
        if fill not in (None, "") and str(fill).lower() != "nan":
            f = float(fill)
            block = values[:, col: col + size]
            block[np.isclose(block, f, rtol=1e-6, atol=0.0)] = np.nan
        col += size
    return times, values


def _units(p: dict) -> str | None:
    units = p.get("units")
    if isinstance(units, list):
        flat = [u for u in np.ravel(np.array(units, dtype=object)) if u]
        units = flat[0] if flat else None
    return (str(units)[:60] or None) if units else None


def ingest_hapi(ctx, spec: str) -> IngestReport:
    """Ingest one dataset of a HAPI server: ``spec`` is ``URL#DATASET[?options]``.

    Options: ``start``/``stop`` (HAPI times; default the last week of the dataset),
    ``parameters`` (comma-separated), ``format`` (csv or binary; default binary when the
    server offers it) and ``as`` (our dataset id; default from :func:`local_id`).
    """
    report = IngestReport(kind="hapi", file=spec)
    try:
        src = parse_spec(spec)
        caps = _get_json(f"{src.server}/capabilities", ctx)
        version = str(caps.get("HAPI", "2.0"))
        v3 = version.startswith("3")
        id_key, t0_key, t1_key = ("dataset", "start", "stop") if v3 else \
            ("id", "time.min", "time.max")
        pq = f"&parameters={quote(src.parameters, safe=',')}" if src.parameters else ""
        info = _get_json(f"{src.server}/info?{id_key}={quote(src.dataset, safe='')}{pq}", ctx)
        params = info.get("parameters") or []
        if not params or params[0].get("type") != "isotime":
            raise IngestError(spec, "info has no isotime first parameter")
        fmt = src.fmt or ("binary" if "binary" in caps.get("outputFormats", []) else "csv")
        start_us, stop_us = _range(src, info)
        max_s = _max_request_s(info)
        bodies = []
        t = start_us
        while t < stop_us:  # fetch everything first: no write lock held while fetching
            t_end = min(stop_us, t + int(max_s * 1e6)) if max_s else stop_us
            url = (f"{src.server}/data?{id_key}={quote(src.dataset, safe='')}{pq}"
                   f"&{t0_key}={_iso(t)}&{t1_key}={_iso(t_end)}")
            if fmt != "csv":
                url += f"&format={fmt}"
            bodies.append((url, fetch(url, ctx.settings.http_timeout_s,
                                      ctx.settings.http_retries, factory=ctx.factory)))
            t = t_end
        ds_spec = DatasetSpec(
            id=src.local_id or local_id(src.server, src.dataset),
            title=str(info.get("description") or src.dataset)[:200],
            source=f"HAPI {src.server} {src.dataset}",
            cadence_s=parse_duration(info["cadence"]) if info.get("cadence") else None,
            parameters=tuple(
                ParameterSpec(p["name"], _units(p), str(p.get("description") or ""),
                              int(np.prod(p.get("size") or [1])), -1.0e31)
                for p in params[1:] if p.get("type", "double") in ("double", "integer")),
            description=f"Copied from the HAPI server {src.server}, dataset {src.dataset}.",
        )
        series = []
        digest = hashlib.sha256()
        for _url, body in bodies:
            digest.update(body)
            times, values = decode_data(body, params)
            if len(times):
                series.append(TimeSeries(ds_spec, times, values))
        sha = digest.hexdigest()
        with ctx.factory() as session, session.begin():
            seen = session.scalars(select(m.SourceFile).where(
                m.SourceFile.sha256 == sha, m.SourceFile.status == "ok")).first()
            if seen is not None:
                report.status, report.dataset = "unchanged", ds_spec.id
                return report
            src_row = m.SourceFile(location=bodies[0][0] if bodies else spec, sha256=sha,
                                   kind="hapi", ingested_us=now_us(), status="ok")
            session.add(src_row)
            session.flush()
            store.ensure_dataset(session, ds_spec)
            for ts in series:
                counts = store.upsert_series(session, ts, src_row.id)
                report.added += counts.added
                report.updated += counts.updated
            src_row.added, src_row.updated = report.added, report.updated
        report.dataset = ds_spec.id
    except (FetchError, IngestError, ValueError, KeyError, store.StoreError) as exc:
        report.status = "refused"
        report.errors = [f"{type(exc).__name__}: {exc}"]
    return report


def _iso(us: int) -> str:
    return str(np.datetime64(int(us), "us")) + "Z"


def _range(src: HapiSource, info: dict) -> tuple[int, int]:
    start_date, stop_date = parse_time(info["startDate"]), parse_time(info["stopDate"])
    stop = parse_time(src.stop) if src.stop else stop_date
    start = parse_time(src.start) if src.start else max(start_date, stop - DEFAULT_SPAN_US)
    if start >= stop:
        raise ValueError("start must come before stop")
    return start, stop


def _max_request_s(info: dict) -> float | None:
    try:
        return parse_duration(info["maxRequestDuration"]) if info.get(
            "maxRequestDuration") else None
    except ValueError:
        return None
