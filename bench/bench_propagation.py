"""Propagation benchmarks: DBM transits and DBEM ensembles, footpoints, one event to every
body, solar wind to the planets; each beside a baseline measured in the same run (plain
Python loops over members, scipy solve_ivp per member, sunpy), ratio = value / baseline
(< 1 is faster). Baselines too slow to run in full are timed on a subset and scaled
linearly (the name says so). The CPU-time rows show the kernels use one core."""

from __future__ import annotations

import math
import time

import numpy as np

from bench.common import best_of, row
from propagation import drag, parker
from propagation.constants import AU_KM, OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM

T0 = 1_715_299_200.0  # 2024-05-10T00:00Z
N_MEMBERS = 1_000_000
TARGETS_AU = np.linspace(0.4, 5.2, 10)
LOOP_SUBSET = 10_000
IVP_SUBSET = 20
R0 = 20 * R_SUN_KM


def _loop_dbm(v0s, w, g, r0, targets):
    """One member at a time in plain Python: bracketed bisection on the closed-form r(t)."""
    out = []
    for v0 in v0s:
        dv = v0 - w
        s = 1.0 if dv >= 0 else -1.0
        for rt in targets:
            lo, hi = (rt - r0) / max(v0, w), (rt - r0) / min(v0, w)
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                r = s / g * math.log1p(g * abs(dv) * mid) + w * mid + r0
                lo, hi = (mid, hi) if r < rt else (lo, mid)
            out.append(mid)
    return out


def _ivp_dbm(v0s, w, g, r0, targets):
    """scipy solve_ivp of dv/dt = -gamma (v - w)|v - w| per member, all targets as events."""
    from scipy.integrate import solve_ivp

    events = []
    for rt in targets:
        def ev(_t, y, rt=rt):
            return y[0] - rt
        events.append(ev)
    events[-1].terminal = True  # type: ignore[attr-defined]
    for v0 in v0s:
        solve_ivp(lambda _t, y: [y[1], -g * (y[1] - w) * abs(y[1] - w)], (0, 1e8),
                  [r0, v0], events=events, rtol=1e-8)


def _timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall time and the CPU time of that run (s)."""
    best, cpu = float("inf"), float("nan")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - w0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    return best, cpu


def _dbm_rows() -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    targets = TARGETS_AU * AU_KM
    v0 = rng.normal(1000, 200, N_MEMBERS).clip(200)
    t_vec, cpu_vec = _timed(lambda: drag.transit(targets[None, :], R0, v0[:, None], 400.0,
                                                 0.2e-7))
    t0 = time.perf_counter()
    _loop_dbm(v0[:LOOP_SUBSET], 400.0, 0.2e-7, R0, targets)
    t_loop = (time.perf_counter() - t0) * N_MEMBERS / LOOP_SUBSET
    t0 = time.perf_counter()
    _ivp_dbm(v0[:IVP_SUBSET], 400.0, 0.2e-7, R0, targets)
    t_ivp = (time.perf_counter() - t0) * N_MEMBERS / IVP_SUBSET
    rows.append(row("DBM 1e6 members x 10 targets, vectorised transit", t_vec,
                    baseline=t_loop))
    rows.append(row("  its CPU time (one core: ~ wall time)", cpu_vec))
    rows.append(row(f"  baseline: Python loop, bisection ({LOOP_SUBSET:.0e} members, scaled)",
                    t_loop))
    rows.append(row(f"  vs scipy solve_ivp per member ({IVP_SUBSET} members, scaled)", t_vec,
                    baseline=t_ivp))

    spread = drag.Spread(200, 50, 0.05e-7, np.radians(10), np.radians(10), np.radians(5),
                         R_SUN_KM, 1800.0)
    lon_t = np.radians(np.linspace(-60, 60, 10))

    def dbem(geometry: str):
        members = drag.draw_members(N_MEMBERS, 1000, 400, 0.2e-7, 0.0, 0.0, np.radians(45),
                                    R0, spread, seed=1)
        return drag.ensemble(members, targets, lon_t, np.zeros(10), geometry)

    for geometry in drag.GEOMETRIES:
        t_ens, cpu_ens = _timed(lambda g=geometry: dbem(g), repeat=2)
        rows.append(row(f"DBEM 1e6 x 10 ({geometry}): draw, cone, DBM, percentiles", t_ens,
                        baseline=t_loop))
        rows.append(row("  its CPU time", cpu_ens))
    return rows


def _footpoint_rows() -> list[dict]:
    rng = np.random.default_rng(1)
    n = N_MEMBERS
    lon = rng.uniform(-np.pi, np.pi, n)
    r = rng.uniform(0.3, 1.5, n) * AU_KM
    v = rng.uniform(300, 800, n)
    lat = rng.uniform(-0.3, 0.3, n)
    t_fp = best_of(lambda: parker.footpoint_lon_rad(lon, r, v, lat, "solarmach"), 3)
    om_eq, om_2 = 14.50 * math.pi / 180 / 86400, -2.87 * math.pi / 180 / 86400
    sub = 20_000

    def loop():
        return [lon[i] + (om_eq + om_2 * math.sin(lat[i]) ** 2) * (r[i] - R_SUN_KM)
                * math.cos(lat[i]) / v[i] for i in range(sub)]

    t_loop = best_of(loop, 3) * n / sub
    t_len = best_of(lambda: parker.spiral_length_km(r, v, lat), 3)
    return [row("1e6 magnetic footpoints (solarmach preset)", t_fp, baseline=t_loop),
            row(f"  baseline: Python loop ({sub:.0e} bodies, scaled)", t_loop),
            row("1e6 Parker path lengths (latitude-aware closed form)", t_len)]


def _event_rows() -> list[dict]:
    from propagation.bodies import BODIES
    from propagation.ephemerides import EphemerisUnavailable, positions

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
        drag.cone_arrival(p.r_km[:, 0], delta, np.radians(45), R0, 1000, 400, 0.2e-7)

    t_event = best_of(one_event, 5)
    from astropy.time import Time
    from sunpy.coordinates import get_body_heliographic_stonyhurst

    planets = ["mercury", "venus", "earth", "mars", "jupiter", "saturn", "uranus", "neptune"]
    when = Time(T0, format="unix")
    t_sunpy = best_of(lambda: [get_body_heliographic_stonyhurst(b, when) for b in planets], 3)
    return [row(f"one DBM event to all {len(names)} bodies with ephemerides (warm)", t_event,
                baseline=t_sunpy),
            row("  baseline: sunpy get_body_heliographic_stonyhurst, 8 planets", t_sunpy)]


def _solar_wind_rows() -> list[dict]:
    try:
        from propagation import solarwind
    except ImportError:
        return []
    hours = np.arange(0, 27 * 86400, 3600.0) + T0
    speed = 420 + 150 * np.sin(2 * np.pi * (hours - T0) / (9 * 86400))
    ones = np.full_like(hours, 5.0)
    planets_r = np.array([0.39, 0.72, 1.0, 1.52, 5.2, 9.5, 19.2, 30.1]) * AU_KM
    planets_lon = np.radians([40, -70, 0, 110, -150, 60, 170, -30])
    try:
        t_ball = best_of(lambda: solarwind.ballistic(
            hours, speed, 0.99 * AU_KM, 0.0, planets_r, planets_lon, n_cm3=ones, b_nt=ones), 5)
        t_hux = best_of(lambda: solarwind.hux(
            hours, speed, 0.99 * AU_KM, 0.0, planets_r, planets_lon, n_cm3=ones, b_nt=ones), 3)
    except TypeError:  # the solar-wind API changed under this benchmark
        return []

    def loop_ballistic():
        out = []
        for rt, lt in zip(planets_r, planets_lon, strict=True):
            for t, v_ in zip(hours, speed, strict=True):
                dphi = lt % (2 * math.pi)
                out.append(t + (rt - 0.99 * AU_KM) / v_ + dphi / OMEGA_SUN_SYNODIC_RAD_S)
        return out

    t_sw_loop = best_of(loop_ballistic, 3)
    return [row("27 days hourly L1 to 8 planets, ballistic", t_ball, baseline=t_sw_loop),
            row("27 days hourly L1 to 8 planets, HUX to 30 AU", t_hux)]


def run() -> list[dict]:
    return _dbm_rows() + _footpoint_rows() + _event_rows() + _solar_wind_rows()


if __name__ == "__main__":
    for r in run():
        base = "" if r["baseline"] is None else f"{r['baseline']:.4g}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.3g}"
        print(f"{r['name'][:64]:64s} {r['value']:10.4g} {r['unit']:4s} {base:>10s} {ratio:>8s}")
