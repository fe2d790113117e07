"""Propagation benchmarks: DBM ensembles, all-body positions, footpoints, solar wind to the
planets; each beside a baseline measured in the same run (plain Python loops, solve_ivp,
sunpy), ratio = value / baseline (< 1 is faster)."""

from __future__ import annotations

import math
import time

import numpy as np

from bench.common import best_of, row
from propagation import drag, parker, solarwind
from propagation.bodies import BODIES
from propagation.constants import AU_KM, OMEGA_SUN_SIDEREAL_RAD_S, R_SUN_KM
from propagation.ephemerides import EphemerisUnavailable, positions

T0 = 1_715_299_200.0  # 2024-05-10T00:00Z


def _loop_dbm(v0s, w, g, r0, targets):
    """One member at a time in plain Python: bisection on r(t) (the textbook way)."""
    out = []
    for v0 in v0s:
        dv = v0 - w
        s = 1.0 if dv >= 0 else -1.0
        for rt in targets:
            lo, hi = 0.0, (rt - r0) / min(v0, w)
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                r = s / g * math.log1p(g * abs(dv) * mid) + w * mid + r0
                lo, hi = (mid, hi) if r < rt else (lo, mid)
            out.append(mid)
    return out


def _ivp_dbm(v0s, w, g, r0, targets):
    from scipy.integrate import solve_ivp

    def hit(_t, y, rt):
        return y[0] - rt

    for v0 in v0s:
        for rt in targets:
            ev = lambda t, y, rt=rt: hit(t, y, rt)  # noqa: E731
            ev.terminal = True
            solve_ivp(lambda _t, y: [y[1], -g * (y[1] - w) * abs(y[1] - w)], (0, 1e8),
                      [r0, v0], events=ev, rtol=1e-8)


def run() -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    n, targets = 1_000_000, np.linspace(0.4, 5.2, 10) * AU_KM
    v0 = rng.normal(1000, 200, n).clip(200)
    r0 = 20 * R_SUN_KM
    t_vec = best_of(lambda: drag.transit(targets[None, :], r0, v0[:, None], 400.0, 0.2e-7), 3)
    sub = 2000
    t0 = time.perf_counter()
    _loop_dbm(v0[:sub], 400.0, 0.2e-7, r0, targets)
    t_loop = (time.perf_counter() - t0) * n / sub
    sub_ivp = 20
    t0 = time.perf_counter()
    _ivp_dbm(v0[:sub_ivp], 400.0, 0.2e-7, r0, targets)
    t_ivp = (time.perf_counter() - t0) * n / sub_ivp
    rows.append(row("DBM 1e6 members x 10 targets (vectorised)", t_vec, baseline=t_loop))
    rows.append(row("  baseline: Python loop, bisection (2e3 members, scaled)", t_loop))
    rows.append(row("  vs scipy solve_ivp per member (20 members, scaled)", t_vec,
                    baseline=t_ivp))
    members = drag.draw_members(n, 1000, 400, 0.2e-7, 0.0, 0.0, np.radians(45), r0,
                                drag.Spread(200, 50, 0.05e-7, np.radians(10), np.radians(10),
                                            np.radians(5)), seed=1)
    lon_t = np.radians(np.linspace(-60, 60, 10))
    t_ens = best_of(lambda: drag.ensemble(members, targets, lon_t, np.zeros(10)), 1)
    rows.append(row("DBEM 1e6 members x 10 targets, cone + percentiles", t_ens,
                    baseline=t_loop))

    names = []
    for body in BODIES:
        try:
            positions([body.name], [T0])
            names.append(body.name)
        except EphemerisUnavailable:
            continue
    positions(names, [T0])  # warm caches

    def one_event():
        p = positions(names, [T0])
        delta = drag.angular_separation_rad(0.0, 0.0, p.lon_rad[:, 0], p.lat_rad[:, 0])
        drag.cone_arrival(p.r_km[:, 0], delta, np.radians(45), r0, 1000, 400, 0.2e-7)

    t_event = best_of(one_event, 5)
    from astropy.time import Time
    from sunpy.coordinates import get_body_heliographic_stonyhurst

    planets = ["mercury", "venus", "earth", "mars", "jupiter", "saturn", "uranus", "neptune"]
    when = Time(T0, format="unix")
    t_sunpy = best_of(lambda: [get_body_heliographic_stonyhurst(b, when) for b in planets], 3)
    rows.append(row(f"one event to all {len(names)} bodies with ephemerides (warm)", t_event,
                    baseline=t_sunpy))
    rows.append(row("  baseline: sunpy get_body_heliographic_stonyhurst, 8 planets", t_sunpy))

    lon = rng.uniform(-np.pi, np.pi, n)
    r = rng.uniform(0.3, 1.5, n) * AU_KM
    v = rng.uniform(300, 800, n)
    lat = rng.uniform(-0.3, 0.3, n)
    t_fp = best_of(lambda: parker.footpoint_lon_rad(lon, r, v, lat, "solarmach"), 3)
    sub = 20000
    t0 = time.perf_counter()
    for i in range(sub):
        lon[i] + OMEGA_SUN_SIDEREAL_RAD_S * (r[i] - R_SUN_KM) * math.cos(lat[i]) / v[i]
    t_fp_loop = (time.perf_counter() - t0) * n / sub
    rows.append(row("1e6 magnetic footpoints (solarmach preset)", t_fp, baseline=t_fp_loop))

    hours = np.arange(0, 27 * 86400, 3600.0) + T0
    speed = 420 + 150 * np.sin(2 * np.pi * (hours - T0) / (9 * 86400))
    ones = np.full_like(hours, 5.0)
    planets_r = np.array([0.39, 0.72, 1.0, 1.52, 5.2, 9.5, 19.2, 30.1]) * AU_KM
    planets_lon = np.radians([40, -70, 0, 110, -150, 60, 170, -30])
    zeros = np.zeros(8)

    t_ball = best_of(lambda: solarwind.ballistic(hours, speed, ones, ones, 0.99 * AU_KM, 0.0,
                                                   0.0, planets_r, planets_lon, zeros), 5)
    t_hux = best_of(lambda: solarwind.hux(hours, speed, ones, ones, 0.99 * AU_KM, 0.0, 0.0,
                                          planets_r, planets_lon, zeros), 3)

    def loop_ballistic():
        out = []
        for rt, lt in zip(planets_r, planets_lon, strict=True):
            for t, v_ in zip(hours, speed, strict=True):
                dphi = (lt + math.pi) % (2 * math.pi) - math.pi
                out.append(t + (rt - 0.99 * AU_KM) / v_ + dphi / OMEGA_SUN_SIDEREAL_RAD_S)
        return out

    t_sw_loop = best_of(loop_ballistic, 3)
    rows.append(row("27 days hourly L1 to 8 planets, ballistic", t_ball, baseline=t_sw_loop))
    rows.append(row("27 days hourly L1 to 8 planets, HUX to 30 AU", t_hux))
    return rows
