"""Solar wind at the planets and spacecraft, like Heliopropa: one panel per body, the
prediction (HUX from L1, written by the ``solar_wind_forecast`` job as ``sw_pred_<body>``)
and, at Earth, what L1 measured; the target-Sun-L1 angle says how far to trust it."""

from __future__ import annotations

import numpy as np
from flask import jsonify, render_template

from jobs.solarwind_forecast import L1_SOURCES, TARGETS, dataset_id
from storms import store
from storms.timeutil import us_to_iso
from web.reduce import minmax_reduce

from . import bp
from .now import plot_times

MAX_POINTS = 2000


def _series(session, ds_id: str, name: str, start_us: int, stop_us: int):
    t, v = store.read_parameter(session, ds_id, name, start_us, stop_us)
    t, v = minmax_reduce(t, np.where(np.isfinite(v) & (v > -1e30), v, np.nan), MAX_POINTS)
    return {"t": plot_times(t), "v": [None if not np.isfinite(x) else round(float(x), 2)
                                     for x in v]}


def panels(session) -> list[dict]:
    """Per body with a stored prediction: predicted speed and angle, and for Earth the
    measured L1 speed over the same span."""
    out = []
    for target in TARGETS:
        ds_id = dataset_id(target)
        try:
            ds = store.get_dataset(session, ds_id)
        except store.StoreError:
            continue
        if ds.start_us is None or ds.stop_us is None:
            continue
        start, stop = ds.start_us, ds.stop_us + 1
        panel = {"target": target, "dataset": ds_id, "start": us_to_iso(start),
                 "stop": us_to_iso(ds.stop_us),
                 "predicted": _series(session, ds_id, "speed", start, stop),
                 "angle": _series(session, ds_id, "angle", start, stop), "measured": None}
        angles = [a for a in panel["angle"]["v"] if a is not None]
        panel["angle_now_deg"] = angles[-1] if angles else None
        if target == "Earth":
            for l1_id, speed, *_rest in L1_SOURCES:
                try:
                    store.get_dataset(session, l1_id)
                except store.StoreError:
                    continue
                measured = _series(session, l1_id, speed, start, stop)
                if measured["t"]:
                    panel["measured"] = dict(measured, dataset=l1_id)
                    break
        out.append(panel)
    return out


@bp.get("/planets")
def planets():
    return render_template("planets.html", title="Solar wind at the planets")


@bp.get("/planets/data.json")
def planets_data():
    from flask import current_app

    with current_app.extensions["storms"].factory() as session:
        return jsonify({"panels": panels(session)})
