"""Parker spiral: magnetic footpoints, field-line length, and energetic-particle timing.

Field line through (r0, phi0): phi(r) = phi0 - Omega (r - r0) / V. Two presets:
``parker`` (classical: sidereal Carrington rate, no latitude factor) and ``solarmach``
(solarmach's convention: Omega = 14.50 - 2.87 sin^2(b) deg/day and a cos(b) factor,
Beljan et al. 2017). Path length (the latitude-aware closed form in
shared/reference/propagation.md section 2.1): ds = dr sqrt(1 + (r/a)^2), a = V/(Omega cos b),
L = F(r) - F(r0), F(x) = (a/2)[(x/a) sqrt(1 + (x/a)^2) + asinh(x/a)].
Units: km, km/s, s, radians, MeV.
"""

from __future__ import annotations

import numpy as np

from propagation.constants import (
    C_KMS,
    DEG_DAY_TO_RAD_S,
    ELECTRON_MC2_MEV,
    OMEGA_SOLARMACH_EQ_DEG_DAY,
    OMEGA_SOLARMACH_SIN2_DEG_DAY,
    OMEGA_SUN_SIDEREAL_RAD_S,
    PROTON_MC2_MEV,
    R_SUN_KM,
)

PRESETS = ("parker", "solarmach")
REST_ENERGY_MEV = {"proton": PROTON_MC2_MEV, "electron": ELECTRON_MC2_MEV}


def omega_rad_s(lat_rad=0.0, preset: str = "parker", differential: bool = True):
    """Solar rotation rate (rad/s) of a preset at heliographic latitude ``lat_rad``."""
    if preset == "parker":
        return np.full(np.shape(lat_rad), OMEGA_SUN_SIDEREAL_RAD_S)
    if preset == "solarmach":
        sin2 = np.sin(lat_rad) ** 2 if differential else 0.0
        deg_day = OMEGA_SOLARMACH_EQ_DEG_DAY + OMEGA_SOLARMACH_SIN2_DEG_DAY * sin2
        return np.asarray(deg_day * DEG_DAY_TO_RAD_S)
    raise ValueError(f"unknown preset {preset!r}; one of {PRESETS}")


def footpoint_lon_rad(lon_rad, r_km, v_kms, lat_rad=0.0, preset: str = "parker",
                      r_target_km: float = R_SUN_KM, differential: bool = True):
    """Longitude (rad, same frame as ``lon_rad``) where the spiral through the body meets
    ``r_target_km`` (1 solar radius by default; 2.5 Rs for a source surface). Positive
    shift: the footpoint lies west of the body (at larger Carrington/Stonyhurst longitude)."""
    om = omega_rad_s(lat_rad, preset, differential)
    factor = np.cos(lat_rad) if preset == "solarmach" else 1.0
    shift = om * (np.asarray(r_km, float) - r_target_km) * factor / np.asarray(v_kms, float)
    return np.asarray(lon_rad, float) + shift


def spiral_length_km(r_km, v_kms, lat_rad=0.0, r0_km: float = R_SUN_KM,
                     omega: float = OMEGA_SUN_SIDEREAL_RAD_S):
    """Length (km) of the Parker spiral from r0 to r along a cone of latitude ``lat_rad``."""
    a = np.asarray(v_kms, float) / (omega * np.cos(lat_rad))

    def primitive(x):
        u = x / a
        return 0.5 * a * (u * np.sqrt(1.0 + u * u) + np.arcsinh(u))

    return primitive(np.asarray(r_km, float)) - primitive(r0_km)


def particle_speed_kms(energy_mev, species: str = "proton"):
    """Relativistic speed (km/s) of a particle of kinetic energy ``energy_mev``."""
    try:
        mc2 = REST_ENERGY_MEV[species]
    except KeyError:
        raise ValueError(f"unknown particle {species!r}: proton or electron") from None
    gamma = 1.0 + np.asarray(energy_mev, float) / mc2
    return C_KMS * np.sqrt(1.0 - 1.0 / (gamma * gamma))


def travel_time_s(path_km, energy_mev, species: str = "proton"):
    """Scatter-free travel time (s) along a field line of length ``path_km``."""
    return np.asarray(path_km, float) / particle_speed_kms(energy_mev, species)


def injection_time_s(onset_s, path_km, energy_mev, species: str = "proton"):
    """Backward: solar injection time from the onset time observed at the body."""
    return np.asarray(onset_s, float) - travel_time_s(path_km, energy_mev, species)


def onset_time_s(injection_s, path_km, energy_mev, species: str = "proton"):
    """Forward: onset time at the body of particles injected at ``injection_s``."""
    return np.asarray(injection_s, float) + travel_time_s(path_km, energy_mev, species)
