"""Propagate page: a form for every model; the result as a map of the ecliptic (HEE) with
bodies, Parker spirals and the CME front at a time chosen on a slider, and a timeline table.
The state lives in the URL; the numbers come from the REST API's propagate endpoint and
the map geometry from :func:`map_geometry` (the engine's DBM and cone shape)."""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import jsonify, render_template, request

from propagation import drag, parker
from propagation.constants import AU_KM, R_SUN_KM
from propagation.ephemerides import positions
from web.api.core import ApiProblem, parse_query
from web.api.physics import PROPAGATE_PARAMS, propagate_results

from . import bp

#: Bodies offered as targets (and drawn on the map).
TARGETS = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "STEREO-A",
           "Parker Solar Probe", "Solar Orbiter", "BepiColombo", "L1"]
MAP_BODIES = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "STEREO-A",
              "Parker Solar Probe", "Solar Orbiter", "BepiColombo"]
FRAMES = 48  # slider steps


@bp.get("/propagate")
def propagate():
    """The form, filled from the URL; results are fetched by the page script."""
    args = request.args
    return render_template("propagate.html", title="Propagate", args=args, targets=TARGETS,
                           chosen=set((args.get("targets") or "Earth,Mars").split(",")),
                           has_result=bool(args.get("time") and args.get("targets")))


@bp.get("/propagate/result.json")
def propagate_result():
    """Timeline rows (the API's JSON) plus the map geometry, or a 400 problem."""
    try:
        args = parse_query(PROPAGATE_PARAMS)
        rows = propagate_results(args)
        geometry = map_geometry(args, rows)
    except ApiProblem as problem:
        return problem.response()
    return jsonify({"results": rows, "map": geometry})


def _hee(bodies: list[str], t_s: float) -> dict[str, tuple[float, float]]:
    out = {}
    for name in bodies:
        try:
            p = positions([name], np.array([t_s]), "HEE")
        except ValueError:  # no ephemeris for this body at this time
            continue
        x, y = p.xyz_km[0, 0, :2] / AU_KM
        out[p.bodies[0]] = (float(x), float(y))
    return out


def map_geometry(args: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bodies (AU, HEE) at launch, their Parker spirals for the wind speed, and the CME
    front (cone leading edge of the DBM) at :data:`FRAMES` times up to the last arrival."""
    t0 = args["time"] / 1e6
    if rows and rows[0].get("launch_time"):
        from storms.timeutil import iso_to_us

        t0 = iso_to_us(rows[0]["launch_time"]) / 1e6
    wanted = list(dict.fromkeys(MAP_BODIES + [r["target"] for r in rows]))
    bodies = _hee(wanted, t0)
    w = float(args["w"]) if args["model"] == "dbm" else 400.0
    v_wind = float(args["speed"]) if args["model"] in ("cir", "sep") else w
    r = np.linspace(R_SUN_KM * 2.5, 5.5 * AU_KM, 120)
    spirals = {}
    for name, (x, y) in bodies.items():
        lon0 = np.arctan2(y, x)
        r_b = np.hypot(x, y) * AU_KM
        lon = parker.field_line_lon_rad(r, lon0, r_b, v_wind)
        spirals[name] = {"x": (r / AU_KM * np.cos(lon)).round(4).tolist(),
                         "y": (r / AU_KM * np.sin(lon)).round(4).tolist()}
    out: dict[str, Any] = {"time": rows[0].get("launch_time") if rows else None,
                           "bodies": bodies, "spirals": spirals, "front": None}
    if args["model"] not in ("cme", "dbm") or args["backward"]:
        return out
    arrivals = [r["transit_hours"] for r in rows if r.get("hit") and r.get("transit_hours")]
    horizon_h = max(arrivals + [24.0]) * 1.15
    hours = np.linspace(0.0, horizon_h, FRAMES + 1)
    r0 = float(args["r0"]) * R_SUN_KM
    if args["model"] == "dbm":
        apex = drag.distance_km(hours * 3600.0, r0, float(args["speed"]), w,
                                float(args["gamma"]))
    else:
        apex = r0 + float(args["speed"]) * hours * 3600.0
    hw = np.radians(float(args["half_width"]))
    delta = np.linspace(-hw, hw, 41)
    shape = np.nan_to_num(drag.cone_shape_factor(np.abs(delta), hw), nan=0.0)
    lon_apex = _apex_lon_hee(args, t0)
    angles = lon_apex + delta
    out["front"] = {"hours": hours.round(3).tolist(), "lon_apex_deg": float(np.degrees(
        lon_apex)), "x": [], "y": []}
    for a in apex:
        rr = a * shape / AU_KM
        out["front"]["x"].append((rr * np.cos(angles)).round(4).tolist())
        out["front"]["y"].append((rr * np.sin(angles)).round(4).tolist())
    return out


def _apex_lon_hee(args: dict[str, Any], t0: float) -> float:
    """The apex longitude (rad) in HEE from the request's direction and frame."""
    from propagation import transforms
    from propagation.ephemerides import earth_icrs_km

    lon, lat = np.radians(float(args["lon"])), np.radians(float(args["lat"]))
    v = np.array([[[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]]])
    t = np.array([t0])
    h = transforms.transform(v, args["frame"], "HEE", t, earth_icrs_km(t))
    return float(np.arctan2(h[0, 0, 1], h[0, 0, 0]))
