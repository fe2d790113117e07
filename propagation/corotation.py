"""Corotating structures (CIR/SIR) between bodies.

A structure rooted at longitude Phi_s, seen at (r_s, Phi_s) at t0, reaches an observer at
(r_i, Phi_i) at t_i = t0 + dPhi / Omega + (r_i - r_s) / V, dPhi the prograde difference in
[0, 2 pi). Use the sidereal rate with inertial (HCI) longitudes, iterating for targets
that move, and the synodic rate with Earth-fixed longitudes (HEE, HEEQ).
Units: s, km, km/s, rad, rad/s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from propagation.constants import OMEGA_SUN_SIDEREAL_RAD_S, OMEGA_SUN_SYNODIC_RAD_S

TWO_PI = 2.0 * np.pi


def rate_for_frame(frame: str) -> float:
    """Sidereal rate for inertial frames, synodic for Earth-fixed ones (rad/s)."""
    f = frame.upper()
    if f in ("HCI", "HAE", "ICRS", "HCRS"):
        return OMEGA_SUN_SIDEREAL_RAD_S
    if f in ("HEE", "HEEQ", "HGS"):
        return OMEGA_SUN_SYNODIC_RAD_S
    raise ValueError(f"corotation needs an inertial (HCI) or Earth-fixed (HEE, HEEQ) frame, "
                     f"not {frame!r}")


def prograde_angle(lon_from_rad, lon_to_rad):
    """Angle (rad, in [0, 2 pi)) the Sun must turn to bring ``lon_from`` to ``lon_to``."""
    return np.mod(np.asarray(lon_to_rad, float) - lon_from_rad, TWO_PI)


def delay_s(lon_src_rad, r_src_km, lon_tgt_rad, r_tgt_km, v_kms, omega_rad_s):
    """Corotation plus radial delay (s) from the source observer to a fixed target."""
    return (prograde_angle(lon_src_rad, lon_tgt_rad) / omega_rad_s
            + (np.asarray(r_tgt_km, float) - r_src_km) / np.asarray(v_kms, float))


def arrival_s(t0_s, lon_src_rad, r_src_km, target: Callable[[np.ndarray], tuple], v_kms,
              omega_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S, iterations: int = 50):
    """Arrival time at a moving target; ``target(t)`` returns (r_km, lon_rad) at times t.

    Fixed-point iteration on t_i = t0 + dPhi(t_i) / Omega + (r(t_i) - r_s) / V; converges
    because targets move far slower than the structure corotates (Mercury's 4 deg/day
    against 13-14 deg/day).
    """
    t0 = np.asarray(t0_s, float)
    r, lon = target(t0)
    t = t0 + delay_s(lon_src_rad, r_src_km, lon, r, v_kms, omega_rad_s)
    for _ in range(iterations):
        r, lon = target(t)
        t_new = t0 + delay_s(lon_src_rad, r_src_km, lon, r, v_kms, omega_rad_s)
        if np.all(np.abs(t_new - t) < 1e-3):
            return t_new
        t = t_new
    return t


def departure_s(t_arrival_s, lon_src_rad, r_src_km, lon_tgt_rad, r_tgt_km, v_kms,
                omega_rad_s):
    """Backward: when the structure passed the source, given its arrival at the target."""
    return np.asarray(t_arrival_s, float) - delay_s(lon_src_rad, r_src_km, lon_tgt_rad,
                                                     r_tgt_km, v_kms, omega_rad_s)
