"""``POST /api/v1/transform``: an uploaded series of positions or vectors in another frame.

The file is the request body (raw, or the ``file`` field of a multipart form, with an
optional ``trajectory`` file for RTN); nothing is stored. Thin over :mod:`storms.transform`.
"""

from __future__ import annotations

import numpy as np
from flask import Response, current_app, jsonify, request

from propagation import igrf

from . import bp
from .core import ApiProblem, Param, invalid, operation

FRAMES = ("HEE", "HEEQ", "HGS", "HCI", "HGC", "HAE", "ICRS", "J2000", "GSE", "GSM", "SM",
          "GEI", "GEO", "MAG", "RTN")
MEDIA = {"csv": "text/csv; charset=utf-8", "votable": "application/x-votable+xml",
         "cdf": "application/x-cdf"}
SUFFIX = {"csv": "csv", "votable": "xml", "cdf": "cdf"}
#: Longest series answered as JSON in full (about 120 MB of JSON); beyond: a file format or
#: ``max_points``.
JSON_MAX_ROWS = 1_000_000
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
    Param("trajectory_columns", "list", "for RTN: three position columns of the uploaded "
          "file itself (instead of a trajectory file)", max_length=300),
    Param("trajectory_frame", "string", "frame of the trajectory positions when their file "
          "or column names do not say it", enum=FRAMES),
    Param("out_unit", "string", "unit of the answer's components (positions: km unless "
          "given, e.g. AU, earthRad, solRad; vectors: the file's unit unless given)",
          max_length=30),
    Param("name", "string", "file name, for messages", default="upload", max_length=120),
    Param("magnetic_model", "string", "IGRF generation for GSM, SM and MAG",
          default=igrf.DEFAULT_MODEL, enum=tuple(igrf.MODELS)),
    Param("max_points", "integer", "JSON answer for plotting: at most this many points per "
          "component (the minimum and maximum of each time bucket, in and out); default all",
          minimum=100, maximum=10_000_000),
]
RESULT = {"type": "object", "properties": {
    "from": {"type": "string"}, "to": {"type": "string"}, "kind": {"type": "string"},
    "rows": {"type": "integer"}, "plotted_rows": {"type": "integer"},
    "notes": {"type": "array", "items": {"type": "string"}},
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


def _plotted_rows(result, max_points: int | None) -> np.ndarray:
    """Rows kept for a plot: every row, or the union over the six components (in and out)
    of the minimum and maximum of each time bucket (:func:`web.reduce.minmax_reduce`)."""
    t = result.source.t_unix_s
    if max_points is None or len(t) <= max_points:
        return np.arange(len(t))
    from web.reduce import minmax_reduce

    kept = [minmax_reduce(t, col, max_points)[0]
            for xyz in (result.source.xyz, result.result.xyz) for col in xyz.T]
    return np.searchsorted(t, np.unique(np.concatenate(kept)))  # times are unique, sorted


def _series_json(series, rows: np.ndarray) -> dict:
    xyz = series.xyz[rows]
    cols = np.where(np.isfinite(xyz), xyz, np.nan).T
    return {"columns": list(series.columns), "unit": series.unit, "frame": series.frame,
            "values": [[None if v != v else v for v in c.tolist()] for c in cols]}  # NaN


@operation(bp, "/transform", "POST", "Transform an uploaded time series (CSV, VOTable or "
           "CDF) of positions or vectors to another frame (GSE, GSM, SM, RTN, HEE...)",
           tag="physics", params=PARAMS, response=RESULT,
           produces=("application/json", *MEDIA.values()),
           body={"type": "string", "format": "binary"},
           body_media=("application/octet-stream", "text/csv"))
def transform_post(args):
    from storms.transform import TransformError, transform_file, write_result

    limit = request.max_content_length = current_app.config["STORMS_TRANSFORM_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        raise ApiProblem(413, "Body too large",
                         f"the upload is {request.content_length / 2**20:.1f} MiB, more than "
                         f"the {limit / 2**20:.0f} MiB a transform takes: send the file "
                         "gzip-compressed, or split it")
    data, filename, trajectory = _upload()
    if not data:
        raise invalid("body", "empty: send the file as the request body")
    name = args["name"] if args["name"] != "upload" or not filename else filename
    try:
        result = transform_file(
            data, name, args["to"], from_frame=args["from"], kind=args["kind"],
            body=args["body"], in_format=args["in_format"], time_column=args["time_column"],
            columns=args["columns"], unit=args["unit"], magnetic_model=args["magnetic_model"],
            trajectory=trajectory, trajectory_columns=args["trajectory_columns"],
            trajectory_frame=args["trajectory_frame"], out_unit=args["out_unit"])
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
    n = len(result.result.t_unix_s)
    if args["max_points"] is None and n > JSON_MAX_ROWS:
        raise invalid("max_points", f"{n} rows is more than {JSON_MAX_ROWS} for a JSON "
                      "answer: ask for format=csv, votable or cdf, or give max_points")
    rows = _plotted_rows(result, args["max_points"])
    t_ms = np.round(result.result.t_unix_s[rows] * 1e3).astype("int64")
    return jsonify({"from": result.from_frame, "to": result.to_frame, "kind": result.kind,
                    "rows": n, "plotted_rows": len(rows),
                    "notes": result.notes,
                    "time": np.char.add(t_ms.astype("datetime64[ms]").astype(str),
                                        "Z").tolist(),
                    "input": _series_json(result.source, rows),
                    "output": _series_json(result.result, rows)})


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "series"
