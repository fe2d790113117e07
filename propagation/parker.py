"""Parker spiral: magnetic footpoints, field-line length, and energetic-particle timing.

Field line through (r0, phi0): phi(r) = phi0 - Omega (r - r0) / V. Two presets
(shared/reference/propagation.md section 2.1):

- ``parker``: classical Parker spiral, Carrington sidereal rate 14.1844 deg/day, shift
  independent of latitude;
- ``solarmach``: solarmach's convention (its ``backmapping_angle``): Omega(b) = 14.50 -
  2.87 sin^2(b) deg/day (Beljan et al. 2017) and a cos(b) factor on the shift.

Path length along a spiral on a cone of latitude b (ds = dr sqrt(1 + (r/a)^2),
a = V / (Omega cos b)): L(r0 -> r) = F(r) - F(r0), F(x) = (a/2)[(x/a) sqrt(1 + (x/a)^2) +
asinh(x/a)]. SEP timing (section 2.4): t_inj = t_onset - L / v with the relativistic speed
v = c sqrt(1 - (mc^2 / (E_k + mc^2))^2).
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
    """Solar rotation rate of a preset at heliographic latitude ``lat_rad``.

    Parameters
    ----------
    lat_rad : float or ndarray, rad
        Latitude (used by ``solarmach`` with ``differential``).
    preset : {"parker", "solarmach"}
        Convention.
    differential : bool
        ``solarmach`` only: False keeps 14.50 deg/day at all latitudes (its
        ``diff_rot=False``).

    Returns
    -------
    ndarray, rad/s
        Omega, shaped like ``lat_rad``.
    """
    if preset == "parker":
        return np.full(np.shape(lat_rad), OMEGA_SUN_SIDEREAL_RAD_S)
    if preset == "solarmach":
        sin2 = np.sin(lat_rad) ** 2 if differential else np.zeros(np.shape(lat_rad))
        deg_day = OMEGA_SOLARMACH_EQ_DEG_DAY + OMEGA_SOLARMACH_SIN2_DEG_DAY * sin2
        return np.asarray(deg_day * DEG_DAY_TO_RAD_S)
    raise ValueError(f"unknown preset {preset!r}; one of {', '.join(PRESETS)}")


def footpoint_shift_rad(r_km, v_kms, lat_rad=0.0, preset: str = "parker",
                        r_target_km: float = R_SUN_KM, differential: bool = True):
    """Longitude difference footpoint - body along the spiral (positive: footpoint west).

    Parameters
    ----------
    r_km : float or ndarray, km
        Body distance.
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    lat_rad : float or ndarray, rad
        Body latitude.
    preset : {"parker", "solarmach"}
        Convention (see module docstring).
    r_target_km : float, km
        Where the footpoint is taken: 1 solar radius (default) or 2.5 Rs (source surface).
    differential : bool
        ``solarmach``: use the differential rotation.

    Returns
    -------
    ndarray, rad
        alpha = Omega (r - r_target) [cos b] / V.
    """
    om = omega_rad_s(lat_rad, preset, differential)
    factor = np.cos(lat_rad) if preset == "solarmach" else 1.0
    return om * (np.asarray(r_km, dtype=float) - r_target_km) * factor / np.asarray(v_kms,
                                                                                   float)


def footpoint_lon_rad(lon_rad, r_km, v_kms, lat_rad=0.0, preset: str = "parker",
                      r_target_km: float = R_SUN_KM, differential: bool = True):
    """Longitude where the spiral through the body meets ``r_target_km``.

    Parameters
    ----------
    lon_rad : float or ndarray, rad
        Body longitude (Carrington or Stonyhurst/HEEQ; the result is in the same frame and
        not wrapped).
    r_km, v_kms, lat_rad, preset, r_target_km, differential
        As in :func:`footpoint_shift_rad`.

    Returns
    -------
    ndarray, rad
        lon + alpha.
    """
    return np.asarray(lon_rad, dtype=float) + footpoint_shift_rad(
        r_km, v_kms, lat_rad, preset, r_target_km, differential)


def field_line_lon_rad(r_km, lon0_rad, r0_km, v_kms, omega: float = OMEGA_SUN_SIDEREAL_RAD_S):
    """Longitude of the field line through (r0, lon0) at distance ``r_km``.

    Parameters
    ----------
    r_km : float or ndarray, km
        Distances along the line.
    lon0_rad : float or ndarray, rad
        Longitude at r0.
    r0_km : float or ndarray, km
        Reference distance.
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    omega : float, rad/s
        Rotation rate.

    Returns
    -------
    ndarray, rad
        phi(r) = phi0 - Omega (r - r0) / V.
    """
    return lon0_rad - omega * (np.asarray(r_km, dtype=float) - r0_km) / np.asarray(v_kms,
                                                                                  float)


def spiral_length_km(r_km, v_kms, lat_rad=0.0, r0_km: float = R_SUN_KM,
                     omega: float = OMEGA_SUN_SIDEREAL_RAD_S):
    """Length of the Parker spiral from r0 to r on a cone of latitude ``lat_rad``.

    Parameters
    ----------
    r_km : float or ndarray, km
        Outer distance (the body).
    v_kms : float or ndarray, km/s
        Solar-wind speed.
    lat_rad : float or ndarray, rad
        Latitude of the cone (0: ecliptic/equator).
    r0_km : float or ndarray, km
        Inner distance (1 Rs by default).
    omega : float, rad/s
        Rotation rate (sidereal by default; the synodic rate gives the ~1.14 AU often
        quoted for 400 km/s).

    Returns
    -------
    ndarray, km
        L = F(r) - F(r0) with F(x) = (a/2)[(x/a) sqrt(1 + (x/a)^2) + asinh(x/a)],
        a = V / (Omega cos b).
    """
    a = np.asarray(v_kms, dtype=float) / (omega * np.cos(lat_rad))

    def primitive(x):
        u = x / a
        return 0.5 * a * (u * np.sqrt(1.0 + u * u) + np.arcsinh(u))

    return primitive(np.asarray(r_km, dtype=float)) - primitive(np.asarray(r0_km, float))


def particle_speed_kms(energy_mev, species: str = "proton"):
    """Relativistic speed of a particle of kinetic energy ``energy_mev``.

    Parameters
    ----------
    energy_mev : float or ndarray, MeV
        Kinetic energy (> 0).
    species : {"proton", "electron"}
        Particle.

    Returns
    -------
    ndarray, km/s
        v = c sqrt(1 - 1/gamma^2), gamma = 1 + E_k / mc^2.
    """
    try:
        mc2 = REST_ENERGY_MEV[species]
    except KeyError:
        raise ValueError(f"unknown particle {species!r}: proton or electron") from None
    e = np.asarray(energy_mev, dtype=float)
    if not np.all(e > 0):
        raise ValueError("energy must be positive (MeV)")
    gamma = 1.0 + e / mc2
    return C_KMS * np.sqrt(1.0 - 1.0 / (gamma * gamma))


def travel_time_s(path_km, energy_mev, species: str = "proton"):
    """Scatter-free travel time along a field line of length ``path_km``.

    Parameters
    ----------
    path_km : float or ndarray, km
        Field-line length.
    energy_mev : float or ndarray, MeV
        Kinetic energy.
    species : {"proton", "electron"}
        Particle.

    Returns
    -------
    ndarray, s
        L / v.
    """
    return np.asarray(path_km, dtype=float) / particle_speed_kms(energy_mev, species)


def injection_time_s(onset_s, path_km, energy_mev, species: str = "proton"):
    """Backward: solar injection time from the onset time observed at the body.

    Parameters
    ----------
    onset_s : float or ndarray, s
        Onset time at the body.
    path_km : float or ndarray, km
        Field-line length from the Sun to the body.
    energy_mev : float or ndarray, MeV
        Kinetic energy.
    species : {"proton", "electron"}
        Particle.

    Returns
    -------
    ndarray, s
        t_inj = t_onset - L / v.
    """
    return np.asarray(onset_s, dtype=float) - travel_time_s(path_km, energy_mev, species)


def onset_time_s(injection_s, path_km, energy_mev, species: str = "proton"):
    """Forward: onset time at the body of particles injected at ``injection_s``.

    Parameters
    ----------
    injection_s : float or ndarray, s
        Injection time at the Sun.
    path_km : float or ndarray, km
        Field-line length.
    energy_mev : float or ndarray, MeV
        Kinetic energy.
    species : {"proton", "electron"}
        Particle.

    Returns
    -------
    ndarray, s
        t_inj + L / v.
    """
    return np.asarray(injection_s, dtype=float) + travel_time_s(path_km, energy_mev, species)
