"""Corotating structures (CIR/SIR) between bodies.

A structure rooted at longitude Phi_s, seen at (r_s, Phi_s) at t0, reaches an observer at
(r_i, Phi_i) at (shared/reference/propagation.md section 2.3)

    t_i = t0 + dPhi / Omega + (r_i - r_s) / V,

dPhi = (Phi_i - Phi_s) taken prograde in [0, 2 pi). Use the sidereal rate with inertial
(HCI, HAE) longitudes, iterating for targets that move, and the synodic rate with
Earth-fixed longitudes (HEE, HEEQ). Mixing them is a 7.6 h error over 60 deg.
Units: s, km, km/s, rad, rad/s. Body positions come in as arrays (or sampled tracks);
this module never looks them up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from propagation.constants import OMEGA_SUN_SIDEREAL_RAD_S, OMEGA_SUN_SYNODIC_RAD_S

TWO_PI = 2.0 * np.pi
#: Fixed-point iterations for moving bodies, and their convergence threshold (s).
ITERATIONS = 50
TOLERANCE_S = 1e-3

INERTIAL_FRAMES = ("HCI", "HAE", "ICRS", "HCRS")
EARTH_FIXED_FRAMES = ("HEE", "HEEQ", "HGS")


class NotConverged(ValueError):
    """The moving-body iteration did not settle (a target circling faster than the Sun)."""


def rate_for_frame(frame: str) -> float:
    """Solar rotation rate matching a frame's longitudes.

    Parameters
    ----------
    frame : str
        HCI/HAE/ICRS/HCRS (inertial: sidereal) or HEE/HEEQ/HGS (Earth-fixed: synodic).

    Returns
    -------
    float, rad/s
        Omega.

    Raises
    ------
    ValueError
        For any other frame (Carrington longitudes corotate: no corotation delay there).
    """
    f = frame.upper()
    if f in INERTIAL_FRAMES:
        return OMEGA_SUN_SIDEREAL_RAD_S
    if f in EARTH_FIXED_FRAMES:
        return OMEGA_SUN_SYNODIC_RAD_S
    raise ValueError(f"corotation needs an inertial ({', '.join(INERTIAL_FRAMES)}) or "
                     f"Earth-fixed ({', '.join(EARTH_FIXED_FRAMES)}) frame, not {frame!r}")


def prograde_angle(lon_from_rad, lon_to_rad):
    """Angle the Sun must turn to bring ``lon_from`` to ``lon_to``.

    Parameters
    ----------
    lon_from_rad, lon_to_rad : float or ndarray, rad
        Longitudes (any wrapping).

    Returns
    -------
    ndarray, rad
        In [0, 2 pi).
    """
    return np.mod(np.asarray(lon_to_rad, dtype=float) - lon_from_rad, TWO_PI)


def delay_s(lon_src_rad, r_src_km, lon_tgt_rad, r_tgt_km, v_kms, omega_rad_s):
    """Corotation plus radial delay from the source observer to a target.

    Parameters
    ----------
    lon_src_rad, lon_tgt_rad : float or ndarray, rad
        Longitudes of the source observer and target (same frame as ``omega_rad_s``).
    r_src_km, r_tgt_km : float or ndarray, km
        Their heliocentric distances.
    v_kms : float or ndarray, km/s
        Solar-wind speed of the structure.
    omega_rad_s : float or ndarray, rad/s
        Rotation rate (see :func:`rate_for_frame`).

    Returns
    -------
    ndarray, s
        dPhi / Omega + (r_tgt - r_src) / V (may be negative for a much closer target at
        nearly the same longitude).
    """
    return (prograde_angle(lon_src_rad, lon_tgt_rad) / omega_rad_s
            + (np.asarray(r_tgt_km, dtype=float) - r_src_km) / np.asarray(v_kms, float))


def interp_angle_rad(t_s, track_t_s, track_angle_rad, wrap_at_rad: float = np.pi):
    """Interpolate an angle in time without jumps at the wrap (unwrap, interpolate, wrap).

    Parameters
    ----------
    t_s : float or ndarray, s
        Times wanted (inside the track; ends are held constant outside).
    track_t_s : ndarray, s
        Increasing sample times.
    track_angle_rad : ndarray, rad
        Angles at those times, wrapped in any convention.
    wrap_at_rad : float, rad
        Result range: [wrap_at - 2 pi, wrap_at), pi for Stonyhurst-like longitudes, 2 pi
        for Carrington-like [0, 2 pi).

    Returns
    -------
    ndarray, rad
        Interpolated angles.
    """
    unwrapped = np.unwrap(np.asarray(track_angle_rad, dtype=float))
    a = np.interp(t_s, track_t_s, unwrapped)
    return np.mod(a - (wrap_at_rad - TWO_PI), TWO_PI) + (wrap_at_rad - TWO_PI)


def arrival_s(t0_s, lon_src_rad, r_src_km, target: Callable[[np.ndarray], tuple], v_kms,
              omega_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S, iterations: int = ITERATIONS):
    """Forward: arrival time at a moving target whose position is a function of time.

    Fixed-point iteration on t_i = t0 + dPhi(t_i) / Omega + (r(t_i) - r_s) / V; it
    contracts because bodies move in longitude far slower than the Sun turns (Mercury
    ~4 deg/day against 13-14 deg/day).

    Parameters
    ----------
    t0_s : float or ndarray, s
        Time the structure passed the source observer.
    lon_src_rad : float or ndarray, rad
        Source observer longitude at t0.
    r_src_km : float or ndarray, km
        Source observer distance at t0.
    target : callable
        ``target(t_s) -> (r_km, lon_rad)`` arrays shaped like ``t_s``.
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    omega_rad_s : float, rad/s
        Rotation rate of the frame of the longitudes.
    iterations : int
        Iteration cap.

    Returns
    -------
    ndarray, s
        Arrival time at the target.

    Raises
    ------
    NotConverged
        If the iteration does not settle to 1 ms.
    """
    t0 = np.asarray(t0_s, dtype=float)
    r, lon = target(t0)
    t = t0 + delay_s(lon_src_rad, r_src_km, lon, r, v_kms, omega_rad_s)
    for _ in range(iterations):
        r, lon = target(t)
        t_new = t0 + delay_s(lon_src_rad, r_src_km, lon, r, v_kms, omega_rad_s)
        if np.all(np.abs(t_new - t) < TOLERANCE_S):
            return t_new
        t = t_new
    raise NotConverged("corotation arrival did not converge (target moving too fast?)")


def departure_s(t_arrival_s, lon_src_rad, r_src_km, lon_tgt_rad, r_tgt_km, v_kms,
                omega_rad_s):
    """Backward, fixed bodies: when the structure passed the source, given its arrival at
    the target.

    Parameters
    ----------
    t_arrival_s : float or ndarray, s
        Arrival time at the target.
    lon_src_rad, r_src_km, lon_tgt_rad, r_tgt_km : float or ndarray, rad / km
        Source and target positions.
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    omega_rad_s : float, rad/s
        Rotation rate.

    Returns
    -------
    ndarray, s
        Time at the source.
    """
    return np.asarray(t_arrival_s, dtype=float) - delay_s(lon_src_rad, r_src_km, lon_tgt_rad,
                                                           r_tgt_km, v_kms, omega_rad_s)


def _track(track_t_s, track_r_km, track_lon_rad):
    tt = np.asarray(track_t_s, dtype=float)
    rr = np.atleast_2d(np.asarray(track_r_km, dtype=float))
    ll = np.atleast_2d(np.asarray(track_lon_rad, dtype=float))
    if rr.shape != ll.shape or rr.shape[-1] != tt.shape[-1]:
        raise ValueError("track arrays must be (n_bodies, n_times) with n_times = len(t)")
    if np.any(np.diff(tt) <= 0):
        raise ValueError("track times must increase")
    return tt, rr, ll


def _at(t, tt, rr, ll):
    """Positions of each body i at its own time t[i]."""
    r = np.array([np.interp(t[i], tt, rr[i]) for i in range(len(rr))])
    lon = np.array([interp_angle_rad(t[i], tt, ll[i]) for i in range(len(ll))])
    return r, lon


def arrival_from_track_s(t0_s: float, lon_src_rad: float, r_src_km: float, track_t_s,
                         track_r_km, track_lon_rad, v_kms, omega_rad_s: float,
                         iterations: int = ITERATIONS) -> np.ndarray:
    """Forward to moving targets given as sampled tracks (vectorised over targets).

    Parameters
    ----------
    t0_s : float, s
        Time the structure passed the source observer.
    lon_src_rad : float, rad
        Source longitude at t0.
    r_src_km : float, km
        Source distance at t0.
    track_t_s : ndarray (n_times,), s
        Sample times covering the arrivals.
    track_r_km : ndarray (n_targets, n_times), km
        Target distances.
    track_lon_rad : ndarray (n_targets, n_times), rad
        Target longitudes (any wrapping; unwrapped before interpolation).
    v_kms : float or ndarray (n_targets,), km/s
        Solar-wind speed.
    omega_rad_s : float, rad/s
        Rotation rate matching the longitudes' frame.
    iterations : int
        Iteration cap.

    Returns
    -------
    ndarray (n_targets,), s
        Arrival times.
    """
    tt, rr, ll = _track(track_t_s, track_r_km, track_lon_rad)
    t = np.full(len(rr), float(t0_s))
    for _ in range(iterations):
        r, lon = _at(t, tt, rr, ll)
        t_new = t0_s + delay_s(lon_src_rad, r_src_km, lon, r, v_kms, omega_rad_s)
        if np.all(np.abs(t_new - t) < TOLERANCE_S):
            return t_new
        t = t_new
    raise NotConverged("corotation arrival did not converge (target moving too fast?)")


def departure_from_track_s(t_arrival_s: float, lon_tgt_rad: float, r_tgt_km: float,
                           track_t_s, track_r_km, track_lon_rad, v_kms, omega_rad_s: float,
                           iterations: int = ITERATIONS) -> np.ndarray:
    """Backward from an observation at one body to moving source bodies given as tracks.

    Solves t_s = t_obs - [dPhi(Phi_s(t_s) -> Phi_obs) / Omega + (r_obs - r_s(t_s)) / V]
    for each body s: when the structure the observer saw at ``t_arrival_s`` passed it.

    Parameters
    ----------
    t_arrival_s : float, s
        Observation time at the observing body.
    lon_tgt_rad, r_tgt_km : float, rad / km
        Observing body's longitude and distance then.
    track_t_s : ndarray (n_times,), s
        Sample times covering the departures.
    track_r_km, track_lon_rad : ndarray (n_bodies, n_times), km / rad
        Tracks of the other bodies.
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    omega_rad_s : float, rad/s
        Rotation rate matching the longitudes' frame.
    iterations : int
        Iteration cap.

    Returns
    -------
    ndarray (n_bodies,), s
        Times the structure passed each body.
    """
    tt, rr, ll = _track(track_t_s, track_r_km, track_lon_rad)
    t = np.full(len(rr), float(t_arrival_s))
    for _ in range(iterations):
        r, lon = _at(t, tt, rr, ll)
        t_new = t_arrival_s - delay_s(lon, r, lon_tgt_rad, r_tgt_km, v_kms, omega_rad_s)
        if np.all(np.abs(t_new - t) < TOLERANCE_S):
            return t_new
        t = t_new
    raise NotConverged("corotation departure did not converge (body moving too fast?)")
