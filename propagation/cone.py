"""Constant-speed radial cone CME.

The front leaves r0 at a constant radial speed V along every direction inside a cone of
half-width w around the apex direction (lon, lat); a target is hit when the angle between
the apex direction and the target is strictly less than w, and then t = (R - r0) / V
(the SHEBA / CDPP Propagation Tool "radial CME" model; shared/reference/propagation.md
section 1). Units: km, s, km/s, radians. Broadcasts over events, targets and members.
"""

from __future__ import annotations

import numpy as np

from propagation.drag import Arrival, angular_separation_rad

__all__ = ["Arrival", "arrival", "launch_time_s", "backward", "hit"]


def hit(lon_target_rad, lat_target_rad, lon_rad, lat_rad, half_width_rad):
    """Whether each target lies inside the cone.

    Parameters
    ----------
    lon_target_rad, lat_target_rad : float or ndarray, rad
        Target direction.
    lon_rad, lat_rad : float or ndarray, rad
        Apex direction (same frame).
    half_width_rad : float or ndarray, rad
        Cone half-width.

    Returns
    -------
    ndarray of bool
        True where the angular separation is < the half-width.
    """
    delta = angular_separation_rad(lon_rad, lat_rad, lon_target_rad, lat_target_rad)
    return delta < np.asarray(half_width_rad, dtype=float)


def arrival(r_target_km, lon_target_rad, lat_target_rad, lon_rad, lat_rad, half_width_rad,
            speed_kms, r0_km) -> Arrival:
    """Forward: hit, transit time and speed of a constant-speed cone at each target.

    Parameters
    ----------
    r_target_km : float or ndarray, km
        Target heliocentric distance.
    lon_target_rad, lat_target_rad : float or ndarray, rad
        Target direction.
    lon_rad, lat_rad : float or ndarray, rad
        Apex direction (same frame as the targets).
    half_width_rad : float or ndarray, rad
        Cone half-width.
    speed_kms : float or ndarray, km/s
        Radial speed (> 0).
    r0_km : float or ndarray, km
        Distance of the front at the launch time.

    Returns
    -------
    Arrival
        hit (inside the cone and beyond r0), transit_s = (R - r0) / V and speed_kms; NaN
        on a miss.
    """
    v = np.asarray(speed_kms, dtype=float)
    if not np.all(v > 0):
        raise ValueError("speed must be positive (km/s)")
    r = np.asarray(r_target_km, dtype=float)
    inside = hit(lon_target_rad, lat_target_rad, lon_rad, lat_rad, half_width_rad)
    transit = (r - r0_km) / v
    shape = np.broadcast_shapes(np.shape(inside), np.shape(transit))
    ok = np.broadcast_to(inside & (r >= r0_km), shape)
    transit = np.broadcast_to(transit, shape)
    speed = np.broadcast_to(v, shape)
    return Arrival(ok, np.where(ok, transit, np.nan), np.where(ok, speed, np.nan))


def launch_time_s(arrival_s, r_target_km, speed_kms, r0_km):
    """Backward: when the front was at r0, given its arrival time at ``r_target_km``.

    Parameters
    ----------
    arrival_s : float or ndarray, s
        Arrival time at the target.
    r_target_km : float or ndarray, km
        Target distance.
    speed_kms : float or ndarray, km/s
        Radial speed.
    r0_km : float or ndarray, km
        Launch distance.

    Returns
    -------
    ndarray, s
        Launch time (same origin as ``arrival_s``).
    """
    return (np.asarray(arrival_s, dtype=float)
            - (np.asarray(r_target_km, dtype=float) - r0_km) / np.asarray(speed_kms, float))


def backward(arrival_s, r_from_km, r_to_km, speed_kms, r0_km):
    """Backward to another body: launch time at r0 and arrival time at ``r_to_km``.

    Parameters
    ----------
    arrival_s : float or ndarray, s
        Arrival time at the body at ``r_from_km``.
    r_from_km, r_to_km : float or ndarray, km
        Distances of the observing and the other body.
    speed_kms : float or ndarray, km/s
        Radial speed.
    r0_km : float or ndarray, km
        Launch distance.

    Returns
    -------
    launch_s, other_s : ndarray, s
        Launch time at r0 and arrival time at ``r_to_km`` (the other body must lie inside
        the cone too; check with :func:`hit`).
    """
    launch = launch_time_s(arrival_s, r_from_km, speed_kms, r0_km)
    return launch, launch + (np.asarray(r_to_km, dtype=float) - r0_km) / speed_kms
