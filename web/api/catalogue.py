"""``/events``, ``/datasets`` and ``/images``: the catalogue, the time series (reduced for
plotting on request) and the solar images, over the same queries as the pages."""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import current_app, jsonify, send_file
from sqlalchemy import func, select

from storms import catalogue as q
from storms import models as m
from storms import store
from storms.timeutil import us_to_iso
from storms.verification import OBSERVERS, observed_arrivals
from web.reduce import minmax_reduce

from . import bp
from .core import Param, invalid, not_found, operation

MAX_ID = 2**31 - 1
OBJECT_LIST = {"type": "object", "required": ["items"],
               "properties": {"items": {"type": "array", "items": {"type": "object"}},
                              "total": {"type": "integer"}}}


def _ctx():
    return current_app.extensions["storms"]


def _event(e: m.Event, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id, "kind": e.kind, "source": e.source, "source_id": e.source_id,
        "start": us_to_iso(e.start_us), "peak": us_to_iso(e.peak_us),
        "end": us_to_iso(e.end_us), "location": e.location, "summary": e.summary}
    if full:
        out["attributes"] = e.attributes or {}
        out["analyses"] = [{"time21_5": us_to_iso(a.time21_5_us), "speed_km_s": a.speed_kms,
                            "longitude_deg": a.longitude_deg, "latitude_deg": a.latitude_deg,
                            "half_width_deg": a.half_width_deg,
                            "most_accurate": a.most_accurate, "catalog": a.catalog}
                           for a in e.analyses]
        out["links"] = [link.linked_source_id for link in e.links]
    return out


@operation(bp, "/events", "GET", "The event catalogue, newest first", tag="catalogue",
           params=[Param("type", "string", "CME, FLR, SEP, IPS, ICME, GST, HSS ...",
                         max_length=16),
                   Param("start", "time", "events starting at or after"),
                   Param("stop", "time", "events starting at or before"),
                   Param("source", "string", "DONKI, ICMECAT, storms ...", max_length=40),
                   Param("target", "string", "observed at or predicted to hit",
                         max_length=60),
                   Param("limit", "integer", "", default=100, minimum=1, maximum=1000),
                   Param("offset", "integer", "", default=0, minimum=0, maximum=10**7)],
           response=OBJECT_LIST)
def events(args):
    f = q.EventFilter(kind=args["type"], source=args["source"], target=args["target"],
                      start_us=args["start"], stop_us=args["stop"])
    with _ctx().factory() as session:
        limit, offset = int(args["limit"]), int(args["offset"])
        total = session.scalar(q.filtered_events(select(func.count(m.Event.id)), f)) or 0
        rows = session.scalars(q.filtered_events(select(m.Event), f)
                               .order_by(m.Event.start_us.desc(), m.Event.id.desc())
                               .offset(offset).limit(limit)).all()
        return jsonify({"items": [_event(e) for e in rows], "total": int(total),
                        "limit": limit, "offset": offset})


@operation(bp, "/events/<int:event_id>", "GET", "One event with its analyses, predicted and "
           "observed arrivals", tag="catalogue", path_params={"event_id": "integer"},
           response={"type": "object", "required": ["id", "kind"]})
def event(_args, event_id: int):
    with _ctx().factory() as session:
        e = q.get_event(session, event_id)
        if e is None:
            raise not_found(f"event {event_id}")
        out = _event(e, full=True)
        predictions = []
        for p in q.event_predictions(session, e.id):
            row = {"model": p.model, "target": p.target, "hit": p.hit,
                   "hit_probability": p.hit_probability, "arrival": us_to_iso(p.arrival_us),
                   "arrival_p05": us_to_iso(p.arrival_p05_us),
                   "arrival_p95": us_to_iso(p.arrival_p95_us),
                   "arrival_speed_km_s": p.arrival_speed_kms, "observed": None,
                   "error_hours": None}
            if p.hit and p.arrival_us is not None and p.target in OBSERVERS:
                window = 24 * 3_600_000_000
                obs = observed_arrivals(session, p.target, p.departure_us,
                                        p.arrival_us + window)
                if len(obs):
                    nearest = int(obs[np.argmin(np.abs(obs - p.arrival_us))])
                    if abs(nearest - p.arrival_us) <= window:
                        row["observed"] = us_to_iso(nearest)
                        row["error_hours"] = (p.arrival_us - nearest) / 3.6e9
            predictions.append(row)
        out["predictions"] = predictions
        return jsonify(out)


def _dataset(ds: m.Dataset) -> dict[str, Any]:
    return {"id": ds.id, "title": ds.title, "source": ds.source, "kind": ds.kind,
            "cadence_s": ds.cadence_s, "start": us_to_iso(ds.start_us),
            "stop": us_to_iso(ds.stop_us),
            "parameters": [{"name": p.name, "units": p.units, "size": p.size,
                            "fill": p.fill, "description": p.description}
                           for p in ds.parameters]}


@operation(bp, "/datasets", "GET", "Every stored time series", tag="catalogue",
           response={"type": "array", "items": {"type": "object"}})
def datasets(_args):
    with _ctx().factory() as session:
        return jsonify([_dataset(ds) for ds in store.list_datasets(session)])


def _get_dataset(session, dataset_id: str) -> m.Dataset:
    if len(dataset_id) > 100:
        raise not_found(f"dataset {dataset_id[:40]}...")
    try:
        return store.get_dataset(session, dataset_id)
    except store.StoreError:
        raise not_found(f"dataset {dataset_id!r}") from None


@operation(bp, "/datasets/<dataset_id>", "GET", "One dataset: parameters, units, range",
           tag="catalogue", path_params={"dataset_id": "string"},
           response={"type": "object", "required": ["id", "parameters"]})
def dataset(_args, dataset_id: str):
    with _ctx().factory() as session:
        return jsonify(_dataset(_get_dataset(session, dataset_id)))


@operation(bp, "/datasets/<dataset_id>/data", "GET",
           "Values over a time range, reduced to max_points per parameter keeping peaks",
           tag="catalogue", path_params={"dataset_id": "string"},
           params=[Param("parameters", "list", "names, comma-separated (default all)",
                         max_length=1000),
                   Param("start", "time", "inclusive (default: 1 day before stop)"),
                   Param("stop", "time", "exclusive (default: end of the data)"),
                   Param("max_points", "integer", "per parameter (0: no reduction)",
                         default=5000, minimum=0, maximum=1_000_000)],
           response={"type": "object", "required": ["dataset", "parameters"]})
def dataset_data(args, dataset_id: str):
    with _ctx().factory() as session:
        ds = _get_dataset(session, dataset_id)
        names = args["parameters"] or [p.name for p in ds.parameters]
        params = {p.name: p for p in ds.parameters}
        for name in names:
            if name not in params:
                raise invalid("parameters", f"{dataset_id} has no parameter {name!r}")
        stop = args["stop"] if args["stop"] is not None else (ds.stop_us or 0) + 1
        start = args["start"] if args["start"] is not None else stop - 86_400_000_000
        if start >= stop:
            raise invalid("start", "must be before stop")
        if stop - start > 366 * 86_400_000_000 and args["max_points"] == 0:
            raise invalid("max_points", "give max_points > 0 for more than a year")
        out = []
        for name in names:
            t, v = store.read_parameter(session, dataset_id, name, start, stop)
            v2 = v.reshape(len(t), -1)
            components = []
            for k in range(v2.shape[1]):
                tk, vk = t, v2[:, k]
                if args["max_points"]:
                    tk, vk = minmax_reduce(t, vk, int(args["max_points"]))
                components.append({"time": [us_to_iso(int(x)) for x in tk],
                                   "values": [None if not np.isfinite(x) else float(x)
                                              for x in vk]})
            out.append({"name": name, "units": params[name].units, "records": int(len(t)),
                        "components": components})
        return jsonify({"dataset": dataset_id, "start": us_to_iso(start),
                        "stop": us_to_iso(stop), "parameters": out})


def _image(img: m.SolarImage) -> dict[str, Any]:
    return {"id": img.id, "observatory": img.observatory, "instrument": img.instrument,
            "channel": img.channel, "wavelength_nm": img.wavelength_nm,
            "time": us_to_iso(img.obs_us), "exposure_s": img.exposure_s,
            "width": img.width, "height": img.height,
            "fits_url": f"/api/v1/images/{img.id}/fits",
            "preview_url": f"/api/v1/images/{img.id}/preview" if img.preview_path else None}


@operation(bp, "/images", "GET", "Solar images (CLIMSO and others), newest first",
           tag="catalogue", params=[
               Param("channel", "string", "", max_length=40),
               Param("instrument", "string", "", max_length=60),
               Param("start", "time", ""), Param("stop", "time", ""),
               Param("limit", "integer", "", default=100, minimum=1, maximum=1000)],
           response=OBJECT_LIST)
def images(args):
    stmt = select(m.SolarImage)
    if args["channel"]:
        stmt = stmt.where(m.SolarImage.channel == args["channel"])
    if args["instrument"]:
        stmt = stmt.where(m.SolarImage.instrument == args["instrument"])
    if args["start"] is not None:
        stmt = stmt.where(m.SolarImage.obs_us >= args["start"])
    if args["stop"] is not None:
        stmt = stmt.where(m.SolarImage.obs_us < args["stop"])
    stmt = stmt.order_by(m.SolarImage.obs_us.desc()).limit(int(args["limit"]))
    with _ctx().factory() as session:
        return jsonify({"items": [_image(i) for i in session.scalars(stmt)]})


def _stored_image(image_id: int) -> m.SolarImage:
    if not 0 < image_id <= MAX_ID:
        raise not_found(f"image {image_id}")
    with _ctx().factory() as session:
        img = session.get(m.SolarImage, image_id)
    if img is None:
        raise not_found(f"image {image_id}")
    return img


@operation(bp, "/images/<int:image_id>", "GET", "One image's metadata", tag="catalogue",
           path_params={"image_id": "integer"}, response={"type": "object"})
def image(_args, image_id: int):
    return jsonify(_image(_stored_image(image_id)))


@operation(bp, "/images/<int:image_id>/fits", "GET", "The kept FITS file", tag="catalogue",
           path_params={"image_id": "integer"}, produces=("application/fits",))
def image_fits(_args, image_id: int):
    img = _stored_image(image_id)
    path = q.kept_file(_ctx().settings, img.file_path)
    if path is None:
        raise not_found(f"file of image {image_id}")
    return send_file(path, mimetype="application/fits", as_attachment=True,
                     download_name=path.name)


@operation(bp, "/images/<int:image_id>/preview", "GET", "PNG preview", tag="catalogue",
           path_params={"image_id": "integer"}, produces=("image/png",))
def image_preview(_args, image_id: int):
    img = _stored_image(image_id)
    path = q.kept_file(_ctx().settings, img.preview_path)
    if path is None:
        raise not_found(f"preview of image {image_id}")
    return send_file(path, mimetype="image/png")
