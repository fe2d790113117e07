"""Propagation results (the list of dicts of :func:`storms.propagate.run`) as files:
CSV, JSON, VOTable and AMDA time table. Pure: results in, (bytes, mimetype) out."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from amda_bridge.timetables import Interval, to_amda_text
from storms.timeutil import iso_to_us

#: (column, unit, UCD, VOTable datatype) of one row per target.
COLUMNS = [
    ("target", "", "meta.id;pos.bodyrc", "char"),
    ("hit", "", "meta.code", "boolean"),
    ("arrival_time", "", "time.epoch", "char"),
    ("transit_hours", "h", "time.duration", "double"),
    ("arrival_speed_km_s", "km/s", "phys.veloc", "double"),
    ("hit_probability", "", "stat.probability", "double"),
    ("arrival_p05", "", "time.epoch;stat.min", "char"),
    ("arrival_p50", "", "time.epoch;stat.median", "char"),
    ("arrival_p95", "", "time.epoch;stat.max", "char"),
    ("model", "", "meta.code", "char"),
]
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8",
           "votable": "application/x-votable+xml", "amda": "text/plain; charset=utf-8"}


def _value(row: dict[str, Any], name: str) -> Any:
    return row.get(name)


def table(results: list[dict[str, Any]]) -> list[list[Any]]:
    """One row per target, in :data:`COLUMNS` order (None where a model has no value)."""
    return [[_value(r, c[0]) for c in COLUMNS] for r in results]


def to_csv(results: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{c[0]}[{c[1]}]" if c[1] else c[0] for c in COLUMNS])
    for row in table(results):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode()


def to_votable(results: list[dict[str, Any]], description: str = "") -> bytes:
    from astropy.io.votable.tree import Field, Resource, Table, VOTableFile

    vot = VOTableFile()
    resource = Resource()
    vot.resources.append(resource)
    tab = Table(vot, name="storms_propagation")
    tab.description = description or "Storms propagation: one row per target"
    resource.tables.append(tab)
    for name, unit, ucd, dtype in COLUMNS:
        kw: dict[str, Any] = {"name": name, "datatype": dtype, "ucd": ucd}
        if unit:
            kw["unit"] = unit
        if dtype == "char":
            kw["arraysize"] = "*"
        tab.fields.append(Field(vot, **kw))
    rows = table(results)
    tab.create_arrays(len(rows))
    for i, row in enumerate(rows):
        values = []
        for (_n, _u, _c, dtype), v in zip(COLUMNS, row, strict=True):
            if dtype == "double":
                values.append(np.nan if v is None else float(v))
            elif dtype == "boolean":
                values.append(bool(v))
            else:
                values.append("" if v is None else str(v))
        tab.array[i] = tuple(values)
    buf = io.BytesIO()
    vot.to_xml(buf)
    return buf.getvalue()


def arrival_windows(results: list[dict[str, Any]], half_width_h: float = 6.0
                    ) -> list[Interval]:
    """Each hit as an interval: 5-95 % of the ensemble, else the arrival +- half_width_h."""
    out = []
    for r in results:
        if not r.get("hit") or not r.get("arrival_time"):
            continue
        if r.get("arrival_p05") and r.get("arrival_p95"):
            start, stop = iso_to_us(r["arrival_p05"]), iso_to_us(r["arrival_p95"])
        else:
            t = iso_to_us(r["arrival_time"])
            start, stop = t - int(half_width_h * 3600e6), t + int(half_width_h * 3600e6)
        out.append(Interval(start, stop, r.get("target", "")))
    return sorted(out, key=lambda i: i.start_us)


def export(results: list[dict[str, Any]], fmt: str, name: str = "storms_propagation"
           ) -> tuple[bytes, str]:
    """``results`` in ``fmt`` (json, csv, votable, amda): (body, mimetype)."""
    if fmt == "json":
        return json.dumps(results).encode(), FORMATS[fmt]
    if fmt == "csv":
        return to_csv(results), FORMATS[fmt]
    if fmt == "votable":
        return to_votable(results), FORMATS[fmt]
    if fmt == "amda":
        text = to_amda_text(arrival_windows(results), name,
                            "predicted arrival windows (5-95 %, or +-6 h)")
        return text.encode(), FORMATS[fmt]
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
