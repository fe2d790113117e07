"""Constant-speed radial cone CME: a front leaving r0 at constant speed along a direction
(lon, lat) with a half-width; a target is hit when it lies inside the cone.

Units: km, s, km/s, radians. Broadcasts over events, targets and members.
"""

from __future__ import annotations

import numpy as np

from propagation.drag import Arrival, angular_separation_rad


def arrival(r_target_km, lon_target_rad, lat_target_rad, lon_rad, lat_rad, half_width_rad,
            speed_kms, r0_km) -> Arrival:
    """Hit, transit (s) and speed (km/s) at each target; transit NaN on a miss."""
    delta = angular_separation_rad(lon_rad, lat_rad, lon_target_rad, lat_target_rad)
    hit = (delta <= np.asarray(half_width_rad)) & (np.asarray(r_target_km) > r0_km)
    transit = (np.asarray(r_target_km, float) - r0_km) / np.asarray(speed_kms, float)
    speed = np.broadcast_to(np.asarray(speed_kms, float), np.shape(transit))
    return Arrival(hit, np.where(hit, transit, np.nan), np.where(hit, speed, np.nan))


def launch_time_s(arrival_s, r_target_km, speed_kms, r0_km):
    """Backward: when the front was at r0, given its arrival time at ``r_target_km``."""
    return np.asarray(arrival_s, float) - (np.asarray(r_target_km, float) - r0_km) / speed_kms
