"""Solar wind to the planets: 27 days of hourly L1 data to 8 planets (fixed synthetic
positions), ballistic and HUX, each beside a baseline measured in the same run:

- ballistic vs a plain Python loop over targets and parcels;
- HUX (one corotating line read by every target) vs one HUX run per target (a per-target
  loop, as one HUXt object per body);
- the HUX kernel on 128 longitudes at once vs a HUXt-style loop over longitudes.

ratio = value / baseline (< 1 is faster).
"""

from __future__ import annotations

import math

import numpy as np

from bench.common import best_of, row
from propagation import solarwind
from propagation.constants import AU_KM, OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM

T0 = 1_715_299_200.0  # 2024-05-10T00:00Z
PLANETS_AU = np.array([0.39, 0.72, 1.0, 1.52, 5.2, 9.5, 19.2, 30.1])
PLANETS_LON_DEG = np.array([40, -70, 0, 110, -150, 60, 170, -30])
L1_KM = 0.99 * AU_KM


def _series():
    hours = T0 + np.arange(0, 27 * 86400, 3600.0)
    rng = np.random.default_rng(0)
    phase = 2 * np.pi * (hours - T0) / (9 * 86400)
    speed = 420 + 150 * np.sin(phase) + 20 * rng.standard_normal(hours.size)
    dens = np.clip(6 - 3 * np.sin(phase), 0.5, None)
    field = 5 + np.cos(phase)
    return hours, speed, dens, field


def _loop_ballistic(hours, speed, dens, r_tgt, lon_tgt):
    """One parcel and one target at a time in plain Python (the textbook loop)."""
    out = []
    two_pi = 2 * math.pi
    for rt, lt in zip(r_tgt, lon_tgt, strict=True):
        dphi = lt % two_pi
        for t, v, n in zip(hours, speed, dens, strict=True):
            out.append((t + (rt - L1_KM) / v + dphi / OMEGA_SUN_SYNODIC_RAD_S, v,
                        n * (L1_KM / rt) ** 2))
    return out


def run() -> list[dict]:
    hours, speed, dens, field = _series()
    r_tgt = PLANETS_AU * AU_KM
    lon_tgt = np.radians(PLANETS_LON_DEG)
    rows = []

    def ball():
        return solarwind.ballistic(hours, speed, L1_KM, 0.0, r_tgt, lon_tgt, n_cm3=dens,
                                   b_nt=field)

    t_ball = best_of(ball, 5)
    t_ball_loop = best_of(lambda: _loop_ballistic(hours, speed, dens, r_tgt, lon_tgt), 3)
    rows.append(row("sw: 27 d hourly L1 -> 8 planets, ballistic (n, v, B, Pdyn, angle)",
                    t_ball, baseline=t_ball_loop))
    rows.append(row("  baseline: Python loop over targets x parcels (t, v, n only)",
                    t_ball_loop))
    grid = T0 + np.arange(0, 250 * 86400, 3600.0)
    pred = ball()
    t_res = best_of(lambda: solarwind.resample(pred, grid), 3)
    rows.append(row("sw: ballistic resampled hourly onto 250 d, 8 planets", t_res))

    def hux_all():
        return solarwind.hux(hours, speed, L1_KM, 0.0, r_tgt, lon_tgt, n_cm3=dens,
                             b_nt=field)

    def hux_per_target():
        return [solarwind.hux(hours, speed, L1_KM, 0.0, r_tgt[i:i + 1], lon_tgt[i:i + 1],
                              n_cm3=dens, b_nt=field) for i in range(r_tgt.size)]

    t_hux = best_of(hux_all, 3)
    t_hux_loop = best_of(hux_per_target, 1)
    rows.append(row("sw: 27 d hourly L1 -> 8 planets (to 30 AU), HUX", t_hux,
                    baseline=t_hux_loop))
    rows.append(row("  baseline: one HUX run per target (loop)", t_hux_loop))

    # the kernel with longitudes as an array axis, HUXt-like setup: 128 longitudes,
    # 27 days of boundary at 30 Rs, out to 1.1 AU
    n_lon = 128
    lon = 2 * np.pi * np.arange(n_lon) / n_lon
    t_b = np.arange(0, 27 * 86400, 3600.0)
    vb = 400 + 200 * np.sin(lon[:, None] + 2 * np.pi * t_b[None, :] / (27.27 * 86400)) ** 2
    r_out = np.array([1.0, 1.1]) * AU_KM

    def lon_vectorised():
        return solarwind.hux_solve(t_b, vb, 30 * R_SUN_KM, r_out, v_max_kms=700.0)

    def lon_loop():
        return [solarwind.hux_solve(t_b, vb[i:i + 1], 30 * R_SUN_KM, r_out, v_max_kms=700.0)
                for i in range(n_lon)]

    t_vec = best_of(lon_vectorised, 3)
    sub = 16
    t_loop = best_of(lambda: [solarwind.hux_solve(t_b, vb[i:i + 1], 30 * R_SUN_KM, r_out,
                                                  v_max_kms=700.0) for i in range(sub)],
                     1) * n_lon / sub
    rows.append(row("sw: HUX kernel, 128 longitudes x 27 d to 1.1 AU (array axis)", t_vec,
                    baseline=t_loop))
    rows.append(row("  baseline: HUXt-style loop over longitudes (16 run, scaled)", t_loop))
    del lon_loop
    return rows
