"""``/bodies``, ``/positions`` and ``/propagate``: the propagation engine over HTTP, with the
inputs and JSON fields of ``storms propagate`` and ``storms position``."""

from __future__ import annotations

from typing import Any

import click
import numpy as np
from flask import Response, current_app, jsonify

from propagation.bodies import BODIES
from propagation.constants import AU_KM, DBM_GAMMA_PER_KM, DBM_R0_RSUN, DBM_W_KMS
from propagation.transforms import ALIASES, FRAMES
from storms.propagate import MODELS, PropagationError, Request, run
from web.export import FORMATS, export

from . import bp
from .core import Param, invalid, json_body, operation

FRAME_NAMES = tuple(FRAMES) + tuple(ALIASES)
RESULT = {"type": "array", "items": {"type": "object", "required": ["target", "hit"],
                                     "properties": {
                                         "target": {"type": "string"},
                                         "hit": {"type": "boolean"},
                                         "arrival_time": {"type": "string", "nullable": True},
                                         "transit_hours": {"type": "number",
                                                           "nullable": True}}}}
PROPAGATE_PARAMS = [
    Param("model", "string", "cme (cone), dbm (drag-based), cir, sep, sw", True,
          enum=MODELS),
    Param("source", "string", "start body", default="Sun", max_length=40),
    Param("time", "time", "ISO 8601 UTC time at the start body (or arrival, backward)", True),
    Param("targets", "list", "target bodies, comma-separated", True, max_length=400),
    Param("backward", "boolean", "time is an arrival at source", default=False),
    Param("speed", "number", "km/s", default=800.0, minimum=1, maximum=10000),
    Param("lon", "number", "direction longitude, deg", default=0.0, minimum=-360,
          maximum=360),
    Param("lat", "number", "direction latitude, deg", default=0.0, minimum=-90, maximum=90),
    Param("frame", "string", "frame of lon/lat", default="HEEQ", enum=FRAME_NAMES),
    Param("half_width", "number", "deg", default=45.0, minimum=0, maximum=90),
    Param("w", "number", "ambient solar wind, km/s", default=DBM_W_KMS, minimum=1,
          maximum=3000),
    Param("gamma", "number", "drag parameter, 1/km", default=DBM_GAMMA_PER_KM,
          minimum=1e-12, maximum=1e-5),
    Param("r0", "number", "start distance, solar radii", default=DBM_R0_RSUN, minimum=1,
          maximum=300),
    Param("geometry", "string", "", default="self-similar",
          enum=("self-similar", "flattening")),
    Param("ensemble", "integer", "DBEM members (0: one run)", default=0, minimum=0,
          maximum=100_000),
    *(Param(f"sigma_{n}", "number", unit, default=0.0, minimum=0, maximum=maxi)
      for n, unit, maxi in (("speed", "km/s", 5000), ("w", "km/s", 1000),
                            ("gamma", "1/km", 1e-5), ("direction", "deg", 90),
                            ("half_width", "deg", 90), ("r0", "solar radii", 100))),
    Param("seed", "integer", "random seed of the ensemble", minimum=0, maximum=2**32 - 1),
    Param("energy", "number", "SEP energy, MeV", default=10.0, minimum=1e-4, maximum=1e5),
    Param("particle", "string", "", default="proton", enum=("proton", "electron")),
    Param("preset", "string", "", default="parker", enum=("parker", "solarmach")),
    Param("dataset", "string", "sw: stored dataset with speed (density, field)",
          max_length=100),
    Param("days", "number", "sw: window before time, days", default=27.0, minimum=0.1,
          maximum=60),
    Param("sw_method", "string", "sw: hux or ballistic", default="hux",
          enum=("hux", "ballistic")),
    Param("format", "string", "answer format", default="json", enum=tuple(FORMATS)),
]


@operation(bp, "/bodies", "GET", "Known planets, spacecraft and points", tag="physics",
           response={"type": "array", "items": {"type": "object"}})
def bodies(_args):
    return jsonify([{"name": b.name, "kind": getattr(b, "kind", None),
                     "aliases": list(getattr(b, "aliases", ()))} for b in BODIES])


@operation(bp, "/positions", "GET", "Positions of bodies at times (like storms position)",
           tag="physics", params=[
               Param("bodies", "list", "bodies, comma-separated", True, max_length=400),
               Param("time", "list", "ISO 8601 UTC times, comma-separated", True,
                     max_length=2000),
               Param("frame", "string", "", default="HEEQ", enum=FRAME_NAMES)],
           response={"type": "array", "items": {"type": "object"}})
def positions_view(args):
    from propagation.ephemerides import positions
    from storms.timeutil import iso_to_us

    if len(args["time"]) > 1000 or len(args["bodies"]) > 50:
        raise invalid("time", "at most 1000 times and 50 bodies per request")
    try:
        t = np.array([iso_to_us(x) / 1e6 for x in args["time"]])
    except (ValueError, TypeError, OverflowError):
        raise invalid("time", "not ISO 8601 UTC times") from None
    try:
        p = positions(args["bodies"], t, args["frame"])
    except ValueError as exc:  # unknown body, ephemeris without coverage
        raise invalid("bodies", str(exc)) from None
    rows = []
    for k, name in enumerate(p.bodies):
        for i, ti in enumerate(t):
            x, y, z = p.xyz_km[k, i] / AU_KM
            rows.append({"body": name, "time": args["time"][i], "frame": p.frame,
                         "x_au": float(x), "y_au": float(y), "z_au": float(z),
                         "r_au": float(p.r_km[k, i] / AU_KM),
                         "lon_deg": float(np.degrees(p.lon_rad[k, i])),
                         "lat_deg": float(np.degrees(p.lat_rad[k, i])),
                         "source": p.sources[name], "unix_s": float(ti)})
    return jsonify(rows)


def propagate_results(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the engine on checked arguments (query or body); PropagationError -> 400."""
    if args["model"] == "sw":
        return _solar_wind(args)
    req = Request(
        model=args["model"], source=args["source"], time=_iso(args["time"]),
        targets=args["targets"], backward=args["backward"], speed_kms=args["speed"],
        direction_deg=(args["lon"], args["lat"]), frame=args["frame"],
        half_width_deg=args["half_width"], w_kms=args["w"], gamma_per_km=args["gamma"],
        r0_rsun=args["r0"], geometry=args["geometry"], ensemble=int(args["ensemble"]),
        sigma={k: args[f"sigma_{k}"] for k in ("speed", "w", "gamma", "direction",
                                                 "half_width", "r0")},
        seed=None if args["seed"] is None else int(args["seed"]), energy_mev=args["energy"],
        particle=args["particle"], preset=args["preset"])
    try:
        return run(req)
    except (PropagationError, ValueError) as exc:
        raise invalid(_parameter_of(str(exc)), str(exc)) from None


def _solar_wind(args: dict[str, Any]) -> list[dict[str, Any]]:
    from storms.commands.propagate import _series_from_store, _sw

    if not args["dataset"]:
        raise invalid("dataset", "model sw needs a stored dataset of solar-wind speed")
    factory = current_app.extensions["storms"].factory
    try:
        series = _series_from_store(args["dataset"], _iso(args["time"]), args["days"],
                                    factory=factory)
        return _sw(args["source"], args["targets"], args["backward"], series,
                   args["sw_method"])
    except click.ClickException as exc:
        raise invalid("dataset", exc.format_message()) from None
    except (PropagationError, ValueError) as exc:
        raise invalid(_parameter_of(str(exc)), str(exc)) from None


def _iso(us: int) -> str:
    return str(np.datetime64(int(us), "us")) + "Z"


def _parameter_of(message: str) -> str:
    head = message.split(":", 1)[0].strip().replace("-", "_")
    return head if head and " " not in head else "targets"


def _answer(args: dict[str, Any]) -> Response:
    results = propagate_results(args)
    body, mime = export(results, args["format"])
    resp = Response(body, mimetype=mime.split(";")[0])
    if args["format"] != "json":
        ext = {"csv": "csv", "votable": "xml", "amda": "txt"}[args["format"]]
        resp.headers["Content-Disposition"] = f'attachment; filename="propagation.{ext}"'
    return resp


_PRODUCES = ("application/json", "text/csv", "application/x-votable+xml", "text/plain")


@operation(bp, "/propagate", "GET", "Propagate an event (same inputs as storms propagate)",
           tag="physics", params=PROPAGATE_PARAMS, response=RESULT, produces=_PRODUCES)
def propagate_get(args):
    return _answer(args)


@operation(bp, "/propagate", "POST", "Propagate an event, inputs as a JSON object",
           tag="physics", response=RESULT, produces=_PRODUCES,
           body={"type": "object", "required": ["model", "time", "targets"],
                 "properties": {p.name: (p.schema() if p.kind != "list" else
                                         {"type": "array", "items": {"type": "string",
                                                                     "maxLength": 40},
                                          "maxItems": 50})
                                for p in PROPAGATE_PARAMS}})
def propagate_post(_args):
    data = json_body(("model", "time", "targets"))
    args: dict[str, Any] = {}
    for p in PROPAGATE_PARAMS:
        raw = data.get(p.name)
        if p.kind == "list" and isinstance(raw, list):
            raw = ",".join(str(x) for x in raw)
        elif isinstance(raw, bool):
            raw = "true" if raw else "false"
        elif raw is not None:
            raw = str(raw)
        args[p.name] = p.parse(raw)
    unknown = sorted(set(data) - {p.name for p in PROPAGATE_PARAMS})
    if unknown:
        raise invalid(unknown[0], "unknown field")
    return _answer(args)
