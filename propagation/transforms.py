"""Heliocentric frame conversions, vectorised over times: ICRS (HCRS), HAE, HCI, HEE,
HEEQ (= HGS in cartesian form) and HGC.

Definitions follow sunpy's frames (Thompson 2006; sunpy ``_transformations.py``):

- HCRS/ICRS: J2000 equatorial axes, origin at the Sun's centre.
- HAE: mean ecliptic and equinox of J2000 (astropy ``HeliocentricMeanEcliptic``).
- HCI: Z along the Sun's rotation axis, X towards the solar ascending node on the
  J2000 ecliptic.
- HEEQ / HGS: Z along the rotation axis, X the projection of the Sun-Earth line.
- HEE: X exactly towards Earth, Z the pole of the mean ecliptic of date (made normal to X).
- HGC: HGS rotated by the Carrington longitude L0 of the Sun-Earth line, corrected for
  the light travel time of the point itself (sunpy ``observer="self"``).

All matrices are (n, 3, 3) rows-as-axes: ``p_frame = M @ p_icrs``. Units: km, radians,
Unix seconds (UTC). erfa (the IAU SOFA library) gives the precession of the ecliptic;
sunpy's ``L0`` the Carrington longitude, at this edge only.
"""

from __future__ import annotations

import numpy as np

from propagation.constants import C_KMS, OMEGA_SUN_SIDEREAL_RAD_S

FRAMES = ("ICRS", "HAE", "HCI", "HEE", "HEEQ", "HGC")
ALIASES = {"HCRS": "ICRS", "J2000": "ICRS", "HGS": "HEEQ", "HEEQ": "HEEQ",
           "HAE": "HAE", "HME": "HAE"}
#: Solar north pole in ICRS, IAU WG on Cartographic Coordinates 2009 (Archinal et al. 2011).
SOLAR_POLE_RA_DEG = 286.13
SOLAR_POLE_DEC_DEG = 63.87
J2000_JD = 2451545.0


def normalise_frame(frame: str) -> str:
    """Canonical frame name; raises ValueError listing the frames for an unknown one."""
    key = str(frame).strip().upper()
    key = ALIASES.get(key, key)
    if key not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}; known frames: {', '.join(FRAMES)} "
                         "(HGS = HEEQ, HCRS = ICRS)")
    return key


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _solar_pole_icrs() -> np.ndarray:
    ra, dec = np.radians(SOLAR_POLE_RA_DEG), np.radians(SOLAR_POLE_DEC_DEG)
    return np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def _axes(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices from an X direction (projected normal to Z) and Z, (n, 3, 3)."""
    z = np.broadcast_to(_unit(z), x.shape)
    x = _unit(x - np.sum(x * z, axis=-1, keepdims=True) * z)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-2)


def _axes_exact_x(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices with X exactly along ``x`` and Z the part of ``z`` normal to it."""
    x = _unit(x)
    z = np.broadcast_to(z, x.shape)
    z = _unit(z - np.sum(z * x, axis=-1, keepdims=True) * x)
    return np.stack([x, np.cross(z, x), z], axis=-2)


def _tt_jd(t_unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from astropy.time import Time

    tt = Time(np.asarray(t_unix_s, dtype=float), format="unix", scale="utc").tt
    return np.atleast_1d(tt.jd1), np.atleast_1d(tt.jd2)


def _ecliptic_matrix(jd1, jd2) -> np.ndarray:
    """ICRS -> mean ecliptic and equinox of date (IAU 2006), (n, 3, 3)."""
    import erfa

    return erfa.ecm06(jd1, jd2)


def _rotation_z(angle_rad: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, s, zero], -1), np.stack([-s, c, zero], -1),
                     np.stack([zero, zero, one], -1)], -2)


def carrington_l0_rad(t_unix_s: np.ndarray) -> np.ndarray:
    """Carrington longitude of the Sun-Earth line as sunpy defines it (rad), (n,)."""
    from astropy.time import Time
    from sunpy.coordinates import sun

    times = Time(np.asarray(t_unix_s, dtype=float), format="unix", scale="utc")
    return np.atleast_1d(sun.L0(times).to_value("rad"))


def icrs_matrix(frame: str, t_unix_s: np.ndarray, earth_icrs_km: np.ndarray) -> np.ndarray:
    """Matrices M (n, 3, 3) with ``p_frame = M @ p_icrs`` (HGC: the HGS matrix; see
    :func:`icrs_to_frame` for its longitude offset)."""
    frame = normalise_frame(frame)
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    n = len(t)
    if frame == "ICRS":
        return np.broadcast_to(np.eye(3), (n, 3, 3))
    if frame == "HAE":
        return np.broadcast_to(_ecliptic_matrix(J2000_JD, 0.0), (n, 3, 3))
    pole = _solar_pole_icrs()
    if frame == "HCI":
        ecliptic_pole = _ecliptic_matrix(J2000_JD, 0.0)[2]
        node = _unit(np.cross(ecliptic_pole, pole))
        return np.broadcast_to(_axes(node[None, :], pole[None, :])[0], (n, 3, 3))
    earth = np.asarray(earth_icrs_km, dtype=float).reshape(n, 3)
    if frame in ("HEEQ", "HGC"):
        return _axes(earth, pole[None, :])
    jd1, jd2 = _tt_jd(t)
    ecliptic_pole = _ecliptic_matrix(jd1, jd2)[:, 2, :]
    # HEE: X exactly along the Sun-Earth line, Z the ecliptic pole of date tilted by Earth's
    # (arcsecond) ecliptic latitude, as sunpy builds it
    return _axes_exact_x(earth, ecliptic_pole)


def icrs_to_frame(xyz_icrs_km: np.ndarray, frame: str, t_unix_s: np.ndarray,
                  earth_icrs_km: np.ndarray) -> np.ndarray:
    """Rotate heliocentric ICRS positions (..., n, 3) into ``frame`` at times (n,)."""
    frame = normalise_frame(frame)
    m = icrs_matrix(frame, t_unix_s, earth_icrs_km)
    out = np.einsum("nij,...nj->...ni", m, xyz_icrs_km)
    if frame == "HGC":
        out = _hgs_to_hgc(out, t_unix_s, earth_icrs_km)
    return out


def frame_to_icrs(xyz_km: np.ndarray, frame: str, t_unix_s: np.ndarray,
                  earth_icrs_km: np.ndarray) -> np.ndarray:
    """Inverse of :func:`icrs_to_frame`."""
    frame = normalise_frame(frame)
    if frame == "HGC":
        xyz_km = _hgs_to_hgc(xyz_km, t_unix_s, earth_icrs_km, inverse=True)
    m = icrs_matrix(frame, t_unix_s, earth_icrs_km)
    return np.einsum("nji,...nj->...ni", m, xyz_km)


def transform(xyz_km: np.ndarray, from_frame: str, to_frame: str, t_unix_s: np.ndarray,
              earth_icrs_km: np.ndarray) -> np.ndarray:
    """Positions (..., n, 3) in ``from_frame`` to ``to_frame`` at times (n,)."""
    icrs = frame_to_icrs(xyz_km, from_frame, t_unix_s, earth_icrs_km)
    return icrs_to_frame(icrs, to_frame, t_unix_s, earth_icrs_km)


def _hgs_to_hgc(xyz: np.ndarray, t_unix_s, earth_icrs_km, inverse: bool = False) -> np.ndarray:
    l0 = carrington_l0_rad(t_unix_s)
    r = np.linalg.norm(xyz, axis=-1)
    r_earth = np.linalg.norm(np.asarray(earth_icrs_km).reshape(-1, 3), axis=-1)
    delta = (r - r_earth) / C_KMS * OMEGA_SUN_SIDEREAL_RAD_S
    angle = l0 + delta
    if inverse:
        angle = -angle
    c, s = np.cos(angle), np.sin(angle)
    x, y = xyz[..., 0], xyz[..., 1]
    return np.stack([c * x - s * y, s * x + c * y, xyz[..., 2]], axis=-1)


def heeq_to_hee(xyz_km, t_unix_s, earth_icrs_km):
    return transform(xyz_km, "HEEQ", "HEE", t_unix_s, earth_icrs_km)


def hee_to_heeq(xyz_km, t_unix_s, earth_icrs_km):
    return transform(xyz_km, "HEE", "HEEQ", t_unix_s, earth_icrs_km)


def heeq_to_hci(xyz_km, t_unix_s, earth_icrs_km):
    return transform(xyz_km, "HEEQ", "HCI", t_unix_s, earth_icrs_km)


def heeq_to_hgc(xyz_km, t_unix_s, earth_icrs_km):
    return transform(xyz_km, "HEEQ", "HGC", t_unix_s, earth_icrs_km)


def spherical(xyz_km: np.ndarray, frame: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r km, lon rad, lat rad); longitude in (-pi, pi] for Earth-fixed frames (HEE, HEEQ)
    and [0, 2 pi) for the others, as sunpy wraps them."""
    x, y, z = xyz_km[..., 0], xyz_km[..., 1], xyz_km[..., 2]
    r = np.sqrt(x * x + y * y + z * z)
    lon = np.arctan2(y, x)
    if normalise_frame(frame) not in ("HEE", "HEEQ"):
        lon = np.mod(lon, 2 * np.pi)
    lat = np.arcsin(np.divide(z, r, out=np.zeros_like(r), where=r > 0))
    return r, lon, lat
