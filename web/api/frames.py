"""``POST /api/v1/transform``: an uploaded series of positions or vectors in another frame.

The file is the request body (raw, or the ``file`` field of a multipart form, with an
optional ``trajectory`` file for RTN); nothing is stored. Thin over :mod:`storms.transform`.
"""

from __future__ import annotations

import numpy as np
from flask import Response, jsonify, request

from propagation import igrf

from . import bp
from .core import ApiProblem, Param, invalid, operation

FRAMES = ("HEE", "HEEQ", "HGS", "HCI", "HGC", "HAE", "ICRS", "J2000", "GSE", "GSM", "SM",
          "GEI", "GEO", "MAG", "RTN")
MEDIA = {"csv": "text/csv; charset=utf-8", "votable": "application/x-votable+xml",
         "cdf": "application/x-cdf"}
SUFFIX = {"csv": "csv", "votable": "xml", "cdf": "cdf"}
PARAMS = [
    Param("to", "string", "frame wanted", True, enum=FRAMES),
    Param("from", "string", "frame of the file (default: what the file says)", enum=FRAMES),
    Param("kind", "string", "position (also moves the origin) or vector (default: from "
          "the file)", enum=("position", "vector")),
    Param("body", "string", "spacecraft or planet of the RTN frame", max_length=40),
    Param("format", "string", "answer: the file in this format, or JSON with both series",
          default="json", enum=("json", "csv", "votable", "cdf")),
    Param("in_format", "string", "format of the upload (default: detected)",
          enum=("csv", "votable", "cdf")),
    Param("time_column", "string", "name of the time column (default: detected)",
          max_length=80),
    Param("columns", "list", "three component columns, or one CDF variable", max_length=300),
    Param("unit", "string", "unit of the components when the file gives none", max_length=30),
    Param("name", "string", "file name, for messages", default="upload", max_length=120),
    Param("magnetic_model", "string", "IGRF generation for GSM, SM and MAG",
          default=igrf.DEFAULT_MODEL, enum=tuple(igrf.MODELS)),
]
RESULT = {"type": "object", "properties": {
    "from": {"type": "string"}, "to": {"type": "string"}, "kind": {"type": "string"},
    "rows": {"type": "integer"}, "notes": {"type": "array", "items": {"type": "string"}},
    "time": {"type": "array", "items": {"type": "string"}},
    "input": {"type": "object"}, "output": {"type": "object"}}}


def _upload() -> tuple[bytes, str | None, tuple[bytes, str] | None]:
    """The series file, its name, and the optional trajectory file (multipart only)."""
    if request.mimetype == "multipart/form-data":
        f = request.files.get("file")
        if f is None:
            raise invalid("file", "the multipart form has no 'file' field")
        track = request.files.get("trajectory")
        trajectory = (track.read(), track.filename or "trajectory") if track and \
            track.filename else None
        return f.read(), f.filename, trajectory
    return request.get_data(cache=False), None, None


def _series_json(series) -> dict:
    cols = np.where(np.isfinite(series.xyz), series.xyz, np.nan).T
    return {"columns": list(series.columns), "unit": series.unit, "frame": series.frame,
            "values": [[None if np.isnan(v) else float(v) for v in c] for c in cols]}


@operation(bp, "/transform", "POST", "Transform an uploaded time series (CSV, VOTable or "
           "CDF) of positions or vectors to another frame (GSE, GSM, SM, RTN, HEE...)",
           tag="physics", params=PARAMS, response=RESULT,
           produces=("application/json", *MEDIA.values()),
           body={"type": "string", "format": "binary"},
           body_media=("application/octet-stream", "text/csv"))
def transform_post(args):
    from storms.transform import TransformError, transform_file, write_result

    data, filename, trajectory = _upload()
    if not data:
        raise invalid("body", "empty: send the file as the request body")
    name = args["name"] if args["name"] != "upload" or not filename else filename
    try:
        result = transform_file(
            data, name, args["to"], from_frame=args["from"], kind=args["kind"],
            body=args["body"], in_format=args["in_format"], time_column=args["time_column"],
            columns=args["columns"], unit=args["unit"], magnetic_model=args["magnetic_model"],
            trajectory=trajectory)
        fmt = args["format"]
        out = None if fmt == "json" else write_result(result, fmt)
    except TransformError as exc:
        raise ApiProblem(400, "File not transformable", str(exc),
                         [{"parameter": "body", "reason": str(exc)}]) from None
    if out is not None:
        stem = name.rsplit(".", 1)[0] or "series"
        return Response(out, mimetype=MEDIA[fmt].split(";")[0], headers={
            "Content-Disposition": f'attachment; filename="{_safe(stem)}_{result.to_frame.lower()}'
                                   f'.{SUFFIX[fmt]}"'})
    t_ms = np.round(result.result.t_unix_s * 1e3).astype("int64")
    return jsonify({"from": result.from_frame, "to": result.to_frame, "kind": result.kind,
                    "rows": int(len(t_ms)), "notes": result.notes,
                    "time": [str(x) + "Z" for x in t_ms.astype("datetime64[ms]")],
                    "input": _series_json(result.source),
                    "output": _series_json(result.result)})


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "series"
