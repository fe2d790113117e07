"""Solar-wind time series from one observer (L1 or any spacecraft) to other bodies.

Two models, as CDPP Heliopropa offers for the planets:

- :func:`ballistic`: each parcel keeps its speed; a target at distance r and longitude
  offset dPhi sees it at t + (r - r_src)/v + dPhi/Omega (corotation, synodic rate in the
  Earth-fixed HEEQ/HEE frames). Parcels that overtake others are counted and resolved by
  time order.
- :func:`hux`: the series is mapped back ballistically to an inner radius (30 Rs), then
  marched outward with the upwind kinematic scheme of Riley & Lionello (2011, HUX-f) in a
  frame corotating with the Sun (chi, a Carrington-like longitude), written in the
  conservative form d(v^2/2)/dr = Omega dv/dchi (inviscid Burgers seen from the corotating
  frame), so that fast streams run into slow ones and the resulting shocks move at the
  Rankine-Hugoniot speed (vL + vR) / 2. Density follows mass-flux conservation
  n v r^2 = const along each chi.

Predicted values: speed (km/s), density (cm^-3, ~ r^-2), |B| (nT, Parker: B_r ~ r^-2,
B_phi = B_r Omega r / v), dynamic pressure m_p n v^2 (nPa), and the target-Sun-source
angle (deg) as an accuracy flag. Units: s, km, km/s, rad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from propagation.constants import OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM

PROTON_MASS_FACTOR = 1.672_621_9e-6  # m_p n v^2 in nPa for n in cm^-3 and v in km/s
HUX_INNER_KM = 30.0 * R_SUN_KM


@dataclass
class Prediction:
    """Per target (axis 0) and time (axis 1); ``t_unix_s`` (m, k)."""

    t_unix_s: np.ndarray
    speed_kms: np.ndarray
    density_cm3: np.ndarray
    b_nt: np.ndarray
    pressure_npa: np.ndarray
    angle_deg: np.ndarray  # (m,) target-Sun-source angle
    overtaken: np.ndarray  # (m,) parcels that overtook slower ones (ballistic)


def wrap_pi(angle_rad):
    """Angle in (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(angle_rad, float), 2.0 * np.pi)


def separation_deg(lon1, lat1, lon2, lat2):
    """Great-circle angle (deg) between two heliocentric directions (rad)."""
    c = (np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(
        np.asarray(lon2) - lon1))
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def parker_b_nt(b_src_nt, r_src_km, r_km, v_kms, omega=OMEGA_SUN_SYNODIC_RAD_S):
    """|B| at r from |B| at r_src along a Parker spiral of speed v."""
    tan_src = omega * np.asarray(r_src_km, float) / v_kms
    br_src = np.asarray(b_src_nt, float) / np.sqrt(1.0 + tan_src**2)
    br = br_src * (np.asarray(r_src_km, float) / r_km) ** 2
    return br * np.sqrt(1.0 + (omega * np.asarray(r_km, float) / v_kms) ** 2)


def pressure_npa(n_cm3, v_kms):
    """Proton dynamic pressure m_p n v^2 (nPa)."""
    return PROTON_MASS_FACTOR * np.asarray(n_cm3, float) * np.asarray(v_kms, float) ** 2


def ballistic(t_unix_s, v_kms, n_cm3, b_nt, r_src_km: float, lon_src_rad: float,
              lat_src_rad: float, r_tgt_km, lon_tgt_rad, lat_tgt_rad,
              omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S) -> Prediction:
    """Map a series (n,) measured at the source to targets (m,): arrays (m, n).

    Arrival times are sorted per target; ``overtaken`` counts the parcels whose order
    changed on the way (a fast stream catching a slow one: ballistic mapping cannot
    resolve the compression, :func:`hux` can).
    """
    t, v, n, b = (np.asarray(x, float) for x in (t_unix_s, v_kms, n_cm3, b_nt))
    r_t = np.asarray(r_tgt_km, float)[:, None]
    dphi = wrap_pi(np.asarray(lon_tgt_rad, float) - lon_src_rad)[:, None]
    arrival = t[None, :] + (r_t - r_src_km) / v[None, :] + dphi / omega_rad_s
    order = np.argsort(arrival, axis=1, kind="stable")
    overtaken = (order != np.arange(len(t))[None, :]).sum(axis=1)
    speed = np.take_along_axis(np.broadcast_to(v, arrival.shape), order, 1)
    dens = np.take_along_axis(np.broadcast_to(n, arrival.shape), order, 1) * (
        r_src_km / r_t) ** 2
    field = parker_b_nt(np.take_along_axis(np.broadcast_to(b, arrival.shape), order, 1),
                        r_src_km, r_t, speed, omega_rad_s)
    angle = separation_deg(lon_src_rad, lat_src_rad, np.asarray(lon_tgt_rad, float),
                           np.asarray(lat_tgt_rad, float))
    return Prediction(np.take_along_axis(arrival, order, 1), speed, dens, field,
                      pressure_npa(dens, speed), angle, overtaken)


def ballistic_source_time(t_tgt_s, v_kms, r_src_km, lon_src_rad, r_tgt_km, lon_tgt_rad,
                          omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S):
    """Backward: when a parcel seen at the target passed the source observer (s)."""
    dphi = wrap_pi(np.asarray(lon_tgt_rad, float) - lon_src_rad)
    return (np.asarray(t_tgt_s, float) - (np.asarray(r_tgt_km, float) - r_src_km) / v_kms
            - dphi / omega_rad_s)


def backmap_longitude_rad(lon_rad, r_km, v_kms, r_source_km: float = 2.5 * R_SUN_KM,
                          omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S):
    """Backward to the Sun: longitude of the parcel's source at ``r_source_km`` (rad)."""
    dr = np.asarray(r_km, float) - r_source_km
    return np.asarray(lon_rad, float) + omega_rad_s * dr / v_kms


def hux(t_unix_s, v_kms, n_cm3, b_nt, r_src_km: float, lon_src_rad: float, lat_src_rad: float,
        r_tgt_km, lon_tgt_rad, lat_tgt_rad, cadence_s: float = 3600.0,
        r_inner_km: float = HUX_INNER_KM,
        omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S) -> Prediction:
    """Upwind kinematic (HUX-f) propagation to targets (m,) on a regular time grid.

    Returns arrays (m, k) on a grid of ``cadence_s`` shared by all targets (NaN where the
    series does not reach a target). The longitude grid covers the series; it is periodic
    when the series spans a whole synodic rotation.
    """
    t, v, n, b = (np.asarray(x, float) for x in (t_unix_s, v_kms, n_cm3, b_nt))
    good = np.isfinite(t) & np.isfinite(v) & (v > 0)
    if good.sum() < 2:
        raise ValueError("need at least two valid speed samples")
    t, v, n, b = t[good], v[good], n[good], b[good]
    n = np.where(np.isfinite(n), n, np.nan)
    t_ref = t[0]
    # corotating longitude of each parcel at the inner boundary
    chi = -omega_rad_s * (t - t_ref) + omega_rad_s * (r_src_km - r_inner_km) / v
    dchi = omega_rad_s * cadence_s
    order = np.argsort(chi)
    grid = np.arange(chi[order][0], chi[order][-1] + 0.5 * dchi, dchi)
    periodic = grid[-1] - grid[0] >= 2.0 * np.pi * 0.98
    v_in = np.interp(grid, chi[order], v[order])
    flux = np.interp(grid, chi[order], (n * v * r_src_km**2)[order])  # n v r^2
    br_in = np.interp(grid, chi[order], (b / np.sqrt(1 + (omega_rad_s * r_src_km / v) ** 2)
                                         * r_src_km**2)[order])  # B_r r^2
    r_t = np.asarray(r_tgt_km, float)
    r_max = r_t.max()
    dr_max = 0.9 * max(v_in.min(), 50.0) * dchi / omega_rad_s
    steps = max(int(np.ceil((r_max - r_inner_km) / dr_max)), 1)
    dr = (r_max - r_inner_km) / steps
    at_targets = np.full((len(r_t), len(grid)), np.nan)
    inside = r_t <= r_inner_km
    at_targets[inside] = v_in
    step_of = np.clip(np.ceil((r_t - r_inner_km) / dr).astype(int), 1, steps)
    vel = v_in.copy()
    for i in range(1, steps + 1):
        ahead = np.roll(vel, -1) if periodic else np.append(vel[1:], vel[-1])
        # conservative form: d(v^2/2)/dr = Omega dv/dchi, so shocks move at (vL + vR) / 2
        new = np.sqrt(vel * vel + 2.0 * dr * omega_rad_s * (ahead - vel) / dchi)
        for j in np.flatnonzero((step_of == i) & ~inside):
            f = (r_t[j] - (r_inner_km + (i - 1) * dr)) / dr
            at_targets[j] = (1 - f) * vel + f * new
        vel = new
    # sample each target along its own corotating longitude track
    dphi = wrap_pi(np.asarray(lon_tgt_rad, float) - lon_src_rad)
    delays = dphi / omega_rad_s + (r_t - r_src_km) / np.median(v)
    t_out = np.arange(t.min() + delays.min() - 86400.0, t.max() + delays.max() + 86400.0,
                      cadence_s)
    speed = np.full((len(r_t), len(t_out)), np.nan)
    dens, field = np.full_like(speed, np.nan), np.full_like(speed, np.nan)
    for k in range(len(r_t)):
        chi_t = dphi[k] - omega_rad_s * (t_out - t_ref)  # target's corotating longitude
        valid = (chi_t >= grid[0]) & (chi_t <= grid[-1])
        vi = np.interp(chi_t, grid, at_targets[k])
        speed[k] = np.where(valid, vi, np.nan)
        dens[k] = np.where(valid, np.interp(chi_t, grid, flux) / (vi * r_t[k] ** 2), np.nan)
        br = np.interp(chi_t, grid, br_in) / r_t[k] ** 2
        field[k] = np.where(valid, np.abs(br) * np.sqrt(1 + (omega_rad_s * r_t[k] / vi) ** 2),
                            np.nan)
    angle = separation_deg(lon_src_rad, lat_src_rad, np.asarray(lon_tgt_rad, float),
                           np.asarray(lat_tgt_rad, float))
    keep = np.isfinite(speed).any(axis=0)
    t_grid = np.broadcast_to(t_out[keep], (len(r_t), int(keep.sum())))
    return Prediction(np.array(t_grid), speed[:, keep], dens[:, keep], field[:, keep],
                      pressure_npa(dens[:, keep], speed[:, keep]), angle,
                      np.zeros(len(r_t), dtype=int))
