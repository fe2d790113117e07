"""One entry point for every propagation model, shared by ``storms propagate`` and the API.

Turns a request (bodies by name, ISO times, degrees, solar radii) into the pure array
calls of :mod:`propagation`, and the results into JSON-ready dictionaries: one per target
with ``target``, ``hit``, ``arrival_time`` (ISO 8601 UTC with Z), ``transit_hours``,
``arrival_speed_km_s`` and, for ensembles, ``hit_probability`` and arrival percentiles;
each result names the ephemeris source and constants that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from propagation import cone, corotation, drag, parker
from propagation.constants import (
    AU_KM,
    DBM_GAMMA_PER_KM,
    DBM_R0_RSUN,
    DBM_W_KMS,
    OMEGA_SUN_SIDEREAL_RAD_S,
    R_SUN_KM,
    SOLAR_WIND_KMS,
)
from propagation.ephemerides import positions
from storms import __version__
from storms.timeutil import iso_to_us

MODELS = ("cme", "dbm", "cir", "sep", "sw")
TARGET_ITERATIONS = 4


class PropagationError(ValueError):
    """A request that cannot be run; the message names the parameter."""


@dataclass
class Request:
    model: str
    source: str
    time: str
    targets: list[str]
    backward: bool = False
    speed_kms: float = 800.0
    direction_deg: tuple[float, float] = (0.0, 0.0)
    frame: str = "HEEQ"
    half_width_deg: float = 45.0
    w_kms: float = DBM_W_KMS
    gamma_per_km: float = DBM_GAMMA_PER_KM
    r0_rsun: float = DBM_R0_RSUN
    geometry: str = "self-similar"
    ensemble: int = 0
    sigma: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    energy_mev: float = 10.0
    particle: str = "proton"
    preset: str = "parker"
    series: tuple[np.ndarray, ...] | None = None  # for sw: t_unix_s, v, n, b


def unix_s(iso: str, what: str = "time") -> float:
    try:
        return iso_to_us(iso) / 1e6
    except (ValueError, TypeError) as exc:
        raise PropagationError(f"{what}: {iso!r} is not an ISO 8601 time") from exc


def iso(t_s: float | None) -> str | None:
    if t_s is None or not np.isfinite(t_s):
        return None
    return str(np.datetime64(int(round(float(t_s) * 1000)), "ms")) + "Z"


def _validate(req: Request) -> None:
    if req.model not in MODELS:
        raise PropagationError(f"model: {req.model!r} is not one of {', '.join(MODELS)}")
    if not req.targets:
        raise PropagationError("to: give at least one target body")
    checks = [("speed", req.speed_kms, 1, 10000), ("half-width", req.half_width_deg, 0, 90),
              ("w", req.w_kms, 1, 3000), ("gamma", req.gamma_per_km, 1e-12, 1e-5),
              ("r0", req.r0_rsun, 1, 300), ("ensemble", req.ensemble, 0, 2_000_000),
              ("energy", req.energy_mev, 1e-4, 1e5)]
    for name, value, low, high in checks:
        if not np.isfinite(value) or not (low <= value <= high):
            raise PropagationError(f"{name}: {value} is outside [{low:g}, {high:g}]")
    if req.particle not in ("proton", "electron"):
        raise PropagationError(f"particle: {req.particle!r} is not proton or electron")


def _positions(bodies: list[str], t: np.ndarray, frame: str = "HEEQ"):
    try:
        return positions(bodies, t, frame)
    except ValueError as exc:
        raise PropagationError(str(exc)) from exc


def run(req: Request) -> list[dict[str, Any]]:
    """Run one request; raises :class:`PropagationError` with a clear message."""
    _validate(req)
    t0 = unix_s(req.time)
    runner = {"cme": _cone_like, "dbm": _cone_like, "cir": _cir, "sep": _sep, "sw": _sw}
    return runner[req.model](req, t0)


def _provenance(req: Request, sources: dict[str, str], parameters: dict) -> dict[str, Any]:
    return {"model": req.model, "model_version": f"storms {__version__}",
            "parameters": parameters, "ephemeris": sources,
            "constants": {"R_sun_km": R_SUN_KM, "AU_km": AU_KM,
                          "omega_sidereal_deg_day": 14.1844, "ephemerides": "DE421 + kernels"}}


def _direction(req: Request, t: float) -> tuple[float, float]:
    """CME direction in HEEQ (rad), converted from the request frame."""
    lon, lat = np.radians(req.direction_deg)
    if req.frame.upper() in ("HEEQ", "HGS"):
        return float(lon), float(lat)
    from propagation import transforms
    from propagation.ephemerides import _earth_icrs

    v = np.array([[[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]]])
    try:
        h = transforms.transform(v, req.frame, "HEEQ", np.array([t]), _earth_icrs(np.array([t])))
    except ValueError as exc:
        raise PropagationError(f"frame: {exc}") from exc
    r, lo, la = transforms.spherical(h[0, 0], "HEEQ")
    return float(lo), float(la)


def _cone_like(req: Request, t_given: float) -> list[dict[str, Any]]:
    """Constant-speed cone (cme) and drag-based model (dbm), forward or backward."""
    r0 = req.r0_rsun * R_SUN_KM
    lon, lat = _direction(req, t_given)
    hw = np.radians(req.half_width_deg)
    params = {"speed_km_s": req.speed_kms, "direction_deg": list(req.direction_deg),
              "frame": req.frame, "half_width_deg": req.half_width_deg, "r0_rsun": req.r0_rsun}
    if req.model == "dbm":
        params.update(w_km_s=req.w_kms, gamma_per_km=req.gamma_per_km, geometry=req.geometry)
    if req.backward:
        # the given time is the arrival at the source body: find the launch at r0 first
        p = _positions([req.source], np.array([t_given]))
        r_src, s_lon, s_lat = p.r_km[0, 0], p.lon_rad[0, 0], p.lat_rad[0, 0]
        if req.model == "cme":
            back = cone.arrival(r_src, s_lon, s_lat, lon, lat, hw, req.speed_kms, r0)
        else:
            delta = drag.angular_separation_rad(lon, lat, s_lon, s_lat)
            back = drag.cone_arrival(r_src, delta, hw, r0, req.speed_kms, req.w_kms,
                                     req.gamma_per_km, req.geometry)
        if not bool(back.hit):
            raise PropagationError(f"from: {p.bodies[0]} lies outside the CME cone "
                                   "(direction and half-width)")
        t_launch = float(t_given - back.transit_s)
        results = [{"target": "Sun", "hit": True, "arrival_time": None,
                    "departure_time": iso(t_launch),
                    "transit_hours": (t_given - t_launch) / 3600.0,
                    "arrival_speed_km_s": req.speed_kms, "r0_rsun": req.r0_rsun}]
        others = [t for t in req.targets if t.lower() != "sun"]
        if not others:
            return [dict(r, **_provenance(req, p.sources, params)) for r in results]
        t0 = t_launch
    else:
        t0 = t_given
        results = []
        others = req.targets
    t_arr = np.full(len(others), t0 + 2 * 86400.0)
    sources: dict[str, str] = {}
    for _ in range(TARGET_ITERATIONS):  # targets move during the transit
        p = _positions(others, t_arr)
        idx = np.arange(len(others))
        r, tlon, tlat = p.r_km[idx, idx], p.lon_rad[idx, idx], p.lat_rad[idx, idx]
        sources = p.sources
        summary = None
        if req.model == "cme":
            a = cone.arrival(r, tlon, tlat, lon, lat, hw, req.speed_kms, r0)
        elif req.ensemble:
            s = req.sigma
            members = drag.draw_members(
                req.ensemble, req.speed_kms, req.w_kms, req.gamma_per_km, lon, lat, hw, r0,
                drag.Spread(s.get("speed", 0.0), s.get("w", 0.0), s.get("gamma", 0.0),
                            np.radians(s.get("direction", 0.0)),
                            np.radians(s.get("direction", 0.0)),
                            np.radians(s.get("half_width", 0.0)), s.get("r0", 0.0) * R_SUN_KM),
                seed=req.seed)
            a, summary = drag.ensemble(members, r, tlon, tlat, req.geometry)
            a = drag.Arrival(summary.hit_probability >= 0.5, summary.transit_p50_s,
                             summary.speed_p50_kms)
        else:
            delta = drag.angular_separation_rad(lon, lat, tlon, tlat)
            a = drag.cone_arrival(r, delta, hw, r0, req.speed_kms, req.w_kms, req.gamma_per_km,
                                  req.geometry)
        new = np.where(np.isfinite(a.transit_s), t0 + a.transit_s, t_arr)
        if np.all(np.abs(new - t_arr) < 1.0):
            t_arr = new
            break
        t_arr = new
    for i, name in enumerate(p.bodies):
        hit = bool(a.hit[i])
        row = {"target": name, "hit": hit,
               "arrival_time": iso(t0 + a.transit_s[i]) if hit else None,
               "transit_hours": float(a.transit_s[i] / 3600.0) if hit else None,
               "arrival_speed_km_s": float(a.speed_kms[i]) if hit else None,
               "distance_au": float(r[i] / AU_KM),
               "launch_time": iso(t0)}
        if summary is not None:
            row.update(
                hit_probability=float(summary.hit_probability[i]),
                arrival_p05=iso(t0 + summary.transit_p05_s[i]),
                arrival_p50=iso(t0 + summary.transit_p50_s[i]),
                arrival_p95=iso(t0 + summary.transit_p95_s[i]),
                arrival_speed_p05_km_s=_f(summary.speed_p05_kms[i]),
                arrival_speed_p50_km_s=_f(summary.speed_p50_kms[i]),
                arrival_speed_p95_km_s=_f(summary.speed_p95_kms[i]),
                ensemble_members=req.ensemble)
        results.append(row)
    return [dict(r, **_provenance(req, sources, params)) for r in results]


def _f(x) -> float | None:
    return float(x) if np.isfinite(x) else None


def _cir(req: Request, t_given: float) -> list[dict[str, Any]]:
    """A corotating structure seen at the source body, to (or, backward, from) targets, in
    inertial HCI longitudes with the sidereal rate, iterating for moving targets."""
    src = _positions([req.source], np.array([t_given]), "HCI")
    r_s, lon_s = float(src.r_km[0, 0]), float(src.lon_rad[0, 0])
    params = {"speed_km_s": req.speed_kms, "frame": "HCI", "omega": "sidereal"}
    results = []
    sources = dict(src.sources)
    for name in req.targets:
        def where(t, name=name):
            p = _positions([name], np.atleast_1d(t), "HCI")
            sources.update(p.sources)
            return p.r_km[0], p.lon_rad[0]

        if req.backward:  # when the structure passed the target before reaching the source
            t = np.array([t_given])
            for _ in range(20):
                r_t, lon_t = where(t)
                new = t_given - corotation.delay_s(lon_t, r_t, lon_s, r_s, req.speed_kms,
                                                   OMEGA_SUN_SIDEREAL_RAD_S)
                if np.all(np.abs(new - t) < 1e-3):
                    break
                t = new
            t_hit = float(new[0])
        else:
            t_hit = float(corotation.arrival_s(np.array([t_given]), lon_s, r_s, where,
                                               req.speed_kms)[0])
        results.append({"target": resolve_name(name), "hit": True,
                        "arrival_time": iso(t_hit),
                        "transit_hours": (t_hit - t_given) / 3600.0,
                        "arrival_speed_km_s": req.speed_kms})
    return [dict(r, **_provenance(req, sources, params)) for r in results]


def resolve_name(name: str) -> str:
    from propagation.bodies import resolve_body

    return resolve_body(name).name


def _sep(req: Request, t_given: float) -> list[dict[str, Any]]:
    """Energetic particles along the Parker spiral: forward from injection at the Sun to the
    onset at each target, or backward from the onset at the source body to the injection."""
    v_sw = req.speed_kms if req.speed_kms != 800.0 else SOLAR_WIND_KMS
    params = {"solar_wind_km_s": v_sw, "energy_mev": req.energy_mev, "particle": req.particle,
              "preset": req.preset}
    if req.backward:
        p = _positions([req.source], np.array([t_given]))
        length = parker.spiral_length_km(p.r_km[0, 0], v_sw, p.lat_rad[0, 0])
        t_inj = float(parker.injection_time_s(t_given, length, req.energy_mev, req.particle))
        foot = parker.footpoint_lon_rad(p.lon_rad[0, 0], p.r_km[0, 0], v_sw, p.lat_rad[0, 0],
                                        req.preset)
        row = {"target": "Sun", "hit": True, "arrival_time": None,
               "injection_time": iso(t_inj), "transit_hours": (t_given - t_inj) / 3600.0,
               "path_length_au": float(length / AU_KM),
               "footpoint_lon_deg": float(np.degrees(foot)), "arrival_speed_km_s": None}
        return [dict(row, **_provenance(req, p.sources, params))]
    p = _positions(req.targets, np.array([t_given]))
    length = parker.spiral_length_km(p.r_km[:, 0], v_sw, p.lat_rad[:, 0])
    onset = parker.onset_time_s(t_given, length, req.energy_mev, req.particle)
    foot = parker.footpoint_lon_rad(p.lon_rad[:, 0], p.r_km[:, 0], v_sw, p.lat_rad[:, 0],
                                    req.preset)
    speed = float(parker.particle_speed_kms(req.energy_mev, req.particle))
    results = [{"target": name, "hit": True, "arrival_time": iso(onset[i]),
                "transit_hours": float((onset[i] - t_given) / 3600.0),
                "arrival_speed_km_s": speed, "path_length_au": float(length[i] / AU_KM),
                "footpoint_lon_deg": float(np.degrees(foot[i]))}
               for i, name in enumerate(p.bodies)]
    return [dict(r, **_provenance(req, p.sources, params)) for r in results]


def _sw(req: Request, t_given: float) -> list[dict[str, Any]]:
    """The solar-wind series measured at the source body to each target (HUX model)."""
    from propagation import solarwind

    if req.series is None:
        raise PropagationError("sw: needs a solar-wind series (--input FILE or --dataset ID)")
    t, v, n, b = (np.asarray(x, float) for x in req.series)
    src = _positions([req.source], np.array([np.nanmedian(t)]))
    if req.backward:
        return _sw_backward(req, t, v, src)
    tgt = _positions(req.targets, np.array([np.nanmedian(t)]))
    pred = solarwind.hux(t, v, float(src.r_km[0, 0]), float(src.lon_rad[0, 0]),
                         tgt.r_km[:, 0], tgt.lon_rad[:, 0], n_cm3=n, b_nt=b,
                         lat_src_rad=float(src.lat_rad[0, 0]), lat_tgt_rad=tgt.lat_rad[:, 0])
    params = {"model": "HUX upwind (conservative)", "samples": int(len(t))}
    results = []
    for i, name in enumerate(tgt.bodies):
        ok = np.isfinite(pred.speed_kms[i])
        times = pred.t_unix_s[i][ok]
        results.append({
            "target": name, "hit": bool(ok.any()),
            "arrival_time": iso(times[0]) if ok.any() else None,
            "transit_hours": float((times[0] - t[0]) / 3600.0) if ok.any() else None,
            "arrival_speed_km_s": float(pred.speed_kms[i][ok][0]) if ok.any() else None,
            "target_sun_source_angle_deg": float(np.nanmedian(pred.angle_deg[i])),
            "series": [{"time": iso(tt), "speed_km_s": float(sv), "density_cm3": _f(dn),
                        "b_nt": _f(bb), "pressure_npa": _f(pp)}
                       for tt, sv, dn, bb, pp in zip(
                           times, pred.speed_kms[i][ok], pred.density_cm3[i][ok],
                           pred.b_nt[i][ok], pred.pressure_npa[i][ok], strict=True)],
        })
    return [dict(r, **_provenance(req, {**src.sources, **tgt.sources}, params))
            for r in results]


def _sw_backward(req: Request, t, v, src) -> list[dict[str, Any]]:
    """Each parcel measured at the source body mapped back ballistically to the source
    surface (2.5 Rs): when it left, and from which HEEQ longitude."""
    from propagation import solarwind

    r_ss = 2.5 * R_SUN_KM
    r_src, lon_src = float(src.r_km[0, 0]), float(src.lon_rad[0, 0])
    ok = np.isfinite(v) & (v > 0)
    left = t[ok] - (r_src - r_ss) / v[ok]
    lon = solarwind.backmap_longitude_rad(lon_src, r_src, v[ok], r_ss)
    row = {"target": "Sun", "hit": True, "arrival_time": None,
           "departure_time": iso(left[0]) if len(left) else None,
           "transit_hours": float(np.median(t[ok] - left) / 3600.0) if len(left) else None,
           "arrival_speed_km_s": None, "source_surface_rsun": 2.5,
           "series": [{"time": iso(a), "departure_time": iso(d), "speed_km_s": float(s),
                       "source_lon_heeq_deg": float(np.degrees(solarwind.wrap_pi(lo)))}
                      for a, d, s, lo in zip(t[ok], left, v[ok], lon, strict=True)]}
    params = {"model": "ballistic back-mapping", "samples": int(ok.sum())}
    return [dict(row, **_provenance(req, src.sources, params))]
