"""Heliocentric frame conversions, vectorised over times.

Frames (definitions follow sunpy's, Thompson 2006, sunpy ``coordinates/_transformations.py``;
all origins at the Sun's centre; positions km, times float Unix seconds UTC):

ICRS (alias HCRS, J2000)
    ICRS axes (what SPICE calls "J2000" and DE421 uses).
HAE (alias HME)
    Mean ecliptic and mean equinox of J2000 (astropy ``HeliocentricMeanEcliptic`` with
    ``equinox="J2000"``; IAU 2006 ecliptic, erfa ``ecm06``). Fixed in time.
HCI
    Z along the Sun's rotation axis (IAU 2009 pole), X towards the Sun's ascending node
    on the J2000 ecliptic. Fixed in time.
HEEQ (alias HGS)
    Heliographic Stonyhurst in cartesian form: Z the rotation axis, X the projection of
    the Sun-Earth line on the solar equator.
HEE
    X exactly along the Sun-Earth line, Z towards the pole of the mean ecliptic of date.
HGC
    Heliographic Carrington as sunpy's ``HeliographicCarrington(observer="self")``: HGS
    rotated by Carrington longitude L0 of the Sun-Earth line (light-time to the nearest
    point of the Sun, no aberration; sunpy ``sun.L0``), plus the light-time correction of
    the point itself relative to Earth, so that each point sees the Sun as an observer
    there would. Longitudes [0, 2 pi).

Every rotation is a matrix stack ``M`` (n, 3, 3), rows = new axes, ``p_b = M @ p_a``,
applied with ``np.einsum``. Public converters are named ``a_to_b``; the private
``_rotation_matrix_*`` helpers are plain maths. Frames that depend on Earth (HEEQ, HEE,
HGC) take Earth's heliocentric ICRS position ``earth_icrs_km`` (n, 3); get it from
:func:`propagation.ephemerides.earth_icrs_km`.
"""

from __future__ import annotations

import numpy as np

from propagation.constants import (
    C_KMS,
    CARRINGTON_W0_DEG,
    DAY_S,
    J2000_JD,
    OMEGA_SUN_SIDEREAL_DEG_DAY,
    OMEGA_SUN_SIDEREAL_RAD_S,
    R_SUN_KM,
    SOLAR_POLE_DEC_DEG,
    SOLAR_POLE_RA_DEG,
    TT_MINUS_TAI_S,
)

FRAMES = ("ICRS", "HAE", "HCI", "HEE", "HEEQ", "HGC")
ALIASES = {"HCRS": "ICRS", "J2000": "ICRS", "HGS": "HEEQ", "HME": "HAE"}
#: Frames whose longitude is wrapped to (-pi, pi]; the others use [0, 2 pi) (sunpy's choice).
SIGNED_LONGITUDE = ("HEEQ", "HEE")

__all__ = [
    "FRAMES", "normalise_frame", "spherical", "transform", "icrs_to_frame", "frame_to_icrs",
    "icrs_to_heeq", "heeq_to_icrs", "icrs_to_hee", "hee_to_icrs", "icrs_to_hci",
    "hci_to_icrs", "icrs_to_hae", "hae_to_icrs", "heeq_to_hgc", "hgc_to_heeq",
    "heeq_to_hee", "hee_to_heeq", "heeq_to_hci", "hci_to_heeq", "heeq_to_hae",
    "hae_to_heeq", "carrington_l0_rad", "tt_jd",
]


def normalise_frame(frame: str) -> str:
    """Canonical frame name.

    Parameters
    ----------
    frame : str
        Frame name or alias, case-insensitive (HGS = HEEQ, HCRS = J2000 = ICRS, HME = HAE).

    Returns
    -------
    str
        One of :data:`FRAMES`.

    Raises
    ------
    ValueError
        For an unknown frame, listing the known ones.
    """
    key = str(frame).strip().upper()
    key = ALIASES.get(key, key)
    if key not in FRAMES:
        raise ValueError(f"unknown frame {frame!r}; known frames: {', '.join(FRAMES)} "
                         "(HGS = HEEQ, HCRS = ICRS, HME = HAE)")
    return key


# --- time -----------------------------------------------------------------------------------


def tt_jd(t_unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Terrestrial Time two-part Julian dates of UTC Unix seconds (leap seconds applied).

    TT = UTC + (TAI - UTC) + 32.184 s, with TAI - UTC from erfa ``dat`` (the IERS
    leap-second table) on the UTC calendar day of each time. A POSIX time maps to
    the UTC clock reading of that day (the leap second 23:59:60 itself has no POSIX time).

    Parameters
    ----------
    t_unix_s : ndarray, s
        Seconds since 1970-01-01T00:00 UTC (POSIX, leap seconds not counted), 1960 or later.

    Returns
    -------
    jd1, jd2 : ndarray, days
        jd1 = 2440587.5 + whole UTC days; jd2 = the rest (TT seconds of the day / 86400).

    Raises
    ------
    ValueError
        Before 1960, where UTC (and so this conversion) is not defined.
    """
    import warnings

    import erfa

    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    if t.size and t.min() < _UNIX_1960:
        raise ValueError("times before 1960-01-01 are not supported (UTC is not defined)")
    day = np.floor(t / DAY_S)
    sec = t - day * DAY_S
    d = day.astype("int64").astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(int) + 1970
    month = month_start.astype(int) % 12 + 1
    mday = (d - month_start).astype(int) + 1
    with warnings.catch_warnings():  # "dubious year": future dates beyond the leap seconds
        warnings.filterwarnings("ignore", message=".*dubious year.*")
        dat = np.asarray(erfa.dat(year, month, mday, sec / DAY_S), dtype=float)
    return 2440587.5 + day, (sec + dat + TT_MINUS_TAI_S) / DAY_S


_UNIX_1960 = -315_619_200.0  # 1960-01-01T00:00 UTC


# --- private rotation kernels (pure numpy) -----------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _solar_pole_icrs() -> np.ndarray:
    ra, dec = np.radians(SOLAR_POLE_RA_DEG), np.radians(SOLAR_POLE_DEC_DEG)
    return np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def _axes_project_x(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices (n, 3, 3): Z exactly ``z``, X the part of ``x`` normal to Z."""
    z = np.broadcast_to(_unit(z), x.shape)
    x = _unit(x - np.sum(x * z, axis=-1, keepdims=True) * z)
    return np.stack([x, np.cross(z, x), z], axis=-2)


def _axes_exact_x(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices (n, 3, 3): X exactly ``x``, Z the part of ``z`` normal to X."""
    x = _unit(x)
    z = np.broadcast_to(z, x.shape)
    z = _unit(z - np.sum(z * x, axis=-1, keepdims=True) * x)
    return np.stack([x, np.cross(z, x), z], axis=-2)


def _rotation_matrix_icrs_to_ecliptic(jd1, jd2) -> np.ndarray:
    """ICRS -> mean ecliptic and equinox of date (IAU 2006, erfa ``ecm06``), (n, 3, 3)."""
    import erfa

    return np.asarray(erfa.ecm06(jd1, jd2))


def _rotation_matrix_icrs_to_hae() -> np.ndarray:
    """ICRS -> HAE (mean ecliptic and equinox of J2000), (3, 3)."""
    return _rotation_matrix_icrs_to_ecliptic(J2000_JD, 0.0)


def _rotation_matrix_icrs_to_hci() -> np.ndarray:
    """ICRS -> HCI, (3, 3): Z the solar pole, X the ascending node on the J2000 ecliptic."""
    pole = _solar_pole_icrs()
    node = _unit(np.cross(_rotation_matrix_icrs_to_hae()[2], pole))
    return _axes_project_x(node[None, :], pole[None, :])[0]


def _rotation_matrix_icrs_to_heeq(earth_icrs_km: np.ndarray) -> np.ndarray:
    """ICRS -> HEEQ/HGS, (n, 3, 3), from Earth's heliocentric ICRS position (n, 3) km."""
    return _axes_project_x(earth_icrs_km, _solar_pole_icrs()[None, :])


def _rotation_matrix_icrs_to_hee(earth_icrs_km: np.ndarray, tt1, tt2) -> np.ndarray:
    """ICRS -> HEE, (n, 3, 3): X along Sun-Earth, Z the ecliptic pole of date (TT dates)."""
    ecliptic_pole = _rotation_matrix_icrs_to_ecliptic(tt1, tt2).reshape(-1, 3, 3)[:, 2, :]
    return _axes_exact_x(earth_icrs_km, ecliptic_pole)


def _detilt_lon_rad(xyz_icrs: np.ndarray) -> np.ndarray:
    """Longitude (rad) in a "de-tilted" frame (Z = solar pole): rotate by RA about Z, then
    by (90 deg - Dec) about Y. sunpy ``sun._detilt_lon`` uses the minimal rotation of the
    pole onto Z instead, which differs by a constant longitude; L0 is a difference of two
    such longitudes, so the constant cancels."""
    ra, dec = np.radians(SOLAR_POLE_RA_DEG), np.radians(SOLAR_POLE_DEC_DEG)
    c, s = np.cos(ra), np.sin(ra)
    x = c * xyz_icrs[..., 0] + s * xyz_icrs[..., 1]
    y = -s * xyz_icrs[..., 0] + c * xyz_icrs[..., 1]
    z = xyz_icrs[..., 2]
    b = np.pi / 2 - dec
    x2 = np.cos(b) * x - np.sin(b) * z
    return np.arctan2(y, x2)


def _carrington_l0(earth_icrs_km: np.ndarray, tt1, tt2) -> np.ndarray:
    """Carrington longitude L0 of the Sun-Earth line (rad), sunpy ``sun.L0`` defaults:
    light-time to the nearest point of the Sun's surface, no aberration correction."""
    r_earth = np.linalg.norm(earth_icrs_km, axis=-1)
    pole_ra = np.radians(SOLAR_POLE_RA_DEG)
    node = np.array([np.cos(pole_ra + np.pi / 2), np.sin(pole_ra + np.pi / 2), 0.0])
    meridian0 = _detilt_lon_rad(node) + np.radians(CARRINGTON_W0_DEG)
    days = (np.asarray(tt1) - J2000_JD) + np.asarray(tt2) - (r_earth - R_SUN_KM) / C_KMS / DAY_S
    meridian = meridian0 + np.radians(OMEGA_SUN_SIDEREAL_DEG_DAY) * days
    return np.mod(_detilt_lon_rad(earth_icrs_km) - meridian, 2 * np.pi)


def _hgc_angle(xyz: np.ndarray, earth_icrs_km: np.ndarray, l0_rad: np.ndarray) -> np.ndarray:
    """HGS -> HGC longitude offset (rad) per point, (..., n): L0 plus the Sun's rotation
    during the light-time difference between the point and Earth (sunpy observer="self")."""
    r = np.linalg.norm(xyz, axis=-1)
    r_earth = np.linalg.norm(earth_icrs_km, axis=-1)
    return l0_rad + (r - r_earth) / C_KMS * OMEGA_SUN_SIDEREAL_RAD_S


def rotate_about_z(xyz: np.ndarray, angle_rad) -> np.ndarray:
    """Points or vectors (..., 3) turned counter-clockwise about Z by ``angle_rad`` (...)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y = xyz[..., 0], xyz[..., 1]
    return np.stack([c * x - s * y, s * x + c * y, xyz[..., 2]], axis=-1)


def _apply(m: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """``m @ p`` for matrices (n, 3, 3) or (3, 3) and points (..., n, 3)."""
    if m.ndim == 2:
        return np.einsum("ij,...nj->...ni", m, xyz)
    return np.einsum("nij,...nj->...ni", m, xyz)


def _apply_t(m: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """``m.T @ p`` (the inverse rotation)."""
    if m.ndim == 2:
        return np.einsum("ji,...nj->...ni", m, xyz)
    return np.einsum("nji,...nj->...ni", m, xyz)


def _earth(earth_icrs_km: np.ndarray) -> np.ndarray:
    return np.asarray(earth_icrs_km, dtype=float).reshape(-1, 3)


# --- public converters --------------------------------------------------------------------------
# xyz_km : (..., n, 3) positions km at the n times; earth_icrs_km : (n, 3) km; t_unix_s : (n,) s.


def carrington_l0_rad(t_unix_s, earth_icrs_km) -> np.ndarray:
    """Carrington longitude of the Sun-Earth line (rad, [0, 2 pi)), as sunpy ``sun.L0``.

    Parameters
    ----------
    t_unix_s : array_like, s
        UTC Unix seconds (n,).
    earth_icrs_km : ndarray, km
        Earth's heliocentric ICRS position (n, 3).
    """
    tt1, tt2 = tt_jd(t_unix_s)
    return _carrington_l0(_earth(earth_icrs_km), tt1, tt2)


def icrs_to_heeq(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """Heliocentric ICRS -> HEEQ (= HGS cartesian), km."""
    return _apply(_rotation_matrix_icrs_to_heeq(_earth(earth_icrs_km)), xyz_km)


def heeq_to_icrs(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEEQ -> heliocentric ICRS, km."""
    return _apply_t(_rotation_matrix_icrs_to_heeq(_earth(earth_icrs_km)), xyz_km)


def icrs_to_hee(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """Heliocentric ICRS -> HEE (ecliptic of date), km."""
    tt1, tt2 = tt_jd(t_unix_s)
    return _apply(_rotation_matrix_icrs_to_hee(_earth(earth_icrs_km), tt1, tt2), xyz_km)


def hee_to_icrs(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEE -> heliocentric ICRS, km."""
    tt1, tt2 = tt_jd(t_unix_s)
    return _apply_t(_rotation_matrix_icrs_to_hee(_earth(earth_icrs_km), tt1, tt2), xyz_km)


def icrs_to_hci(xyz_km, t_unix_s=None, earth_icrs_km=None) -> np.ndarray:
    """Heliocentric ICRS -> HCI, km (time-independent)."""
    return _apply(_rotation_matrix_icrs_to_hci(), xyz_km)


def hci_to_icrs(xyz_km, t_unix_s=None, earth_icrs_km=None) -> np.ndarray:
    """HCI -> heliocentric ICRS, km."""
    return _apply_t(_rotation_matrix_icrs_to_hci(), xyz_km)


def icrs_to_hae(xyz_km, t_unix_s=None, earth_icrs_km=None) -> np.ndarray:
    """Heliocentric ICRS -> HAE (J2000 mean ecliptic and equinox), km."""
    return _apply(_rotation_matrix_icrs_to_hae(), xyz_km)


def hae_to_icrs(xyz_km, t_unix_s=None, earth_icrs_km=None) -> np.ndarray:
    """HAE -> heliocentric ICRS, km."""
    return _apply_t(_rotation_matrix_icrs_to_hae(), xyz_km)


def heeq_to_hgc(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEEQ -> HGC (Carrington, observer="self"), km."""
    earth = _earth(earth_icrs_km)
    angle = _hgc_angle(xyz_km, earth, carrington_l0_rad(t_unix_s, earth))
    return rotate_about_z(xyz_km, angle)


def hgc_to_heeq(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HGC (observer="self") -> HEEQ, km (the offset depends on r only, which is kept)."""
    earth = _earth(earth_icrs_km)
    angle = -_hgc_angle(xyz_km, earth, carrington_l0_rad(t_unix_s, earth))
    return rotate_about_z(xyz_km, angle)


def _icrs_to_frame(xyz: np.ndarray, frame: str, earth: np.ndarray, tt1, tt2) -> np.ndarray:
    """Kernel of :func:`icrs_to_frame` with TT dates already computed (frame canonical)."""
    if frame == "ICRS":
        return xyz.copy()
    if frame == "HAE":
        return _apply(_rotation_matrix_icrs_to_hae(), xyz)
    if frame == "HCI":
        return _apply(_rotation_matrix_icrs_to_hci(), xyz)
    if frame == "HEE":
        return _apply(_rotation_matrix_icrs_to_hee(earth, tt1, tt2), xyz)
    heeq = _apply(_rotation_matrix_icrs_to_heeq(earth), xyz)
    if frame == "HEEQ":
        return heeq
    angle = _hgc_angle(heeq, earth, _carrington_l0(earth, tt1, tt2))
    return rotate_about_z(heeq, angle)


def icrs_to_frame(xyz_icrs_km, frame: str, t_unix_s, earth_icrs_km) -> np.ndarray:
    """Heliocentric ICRS positions (..., n, 3) km into ``frame`` at times (n,)."""
    frame = normalise_frame(frame)
    xyz = np.asarray(xyz_icrs_km, dtype=float)
    tt1 = tt2 = np.zeros(1)
    if frame in ("HEE", "HGC"):
        tt1, tt2 = tt_jd(t_unix_s)
    return _icrs_to_frame(xyz, frame, _earth(earth_icrs_km), tt1, tt2)


def frame_to_icrs(xyz_km, frame: str, t_unix_s, earth_icrs_km) -> np.ndarray:
    """Inverse of :func:`icrs_to_frame`."""
    frame = normalise_frame(frame)
    xyz = np.asarray(xyz_km, dtype=float)
    if frame == "ICRS":
        return xyz.copy()
    if frame == "HGC":
        return heeq_to_icrs(hgc_to_heeq(xyz, t_unix_s, earth_icrs_km), t_unix_s, earth_icrs_km)
    return _TO_ICRS[frame](xyz, t_unix_s, earth_icrs_km)


def transform(xyz_km, from_frame: str, to_frame: str, t_unix_s, earth_icrs_km) -> np.ndarray:
    """Positions (..., n, 3) km from ``from_frame`` to ``to_frame`` at times (n,) (via ICRS).

    Parameters
    ----------
    xyz_km : ndarray, km
        Positions (..., n, 3).
    from_frame, to_frame : str
        Frame names (see :data:`FRAMES`).
    t_unix_s : array_like, s
        UTC Unix seconds (n,).
    earth_icrs_km : ndarray, km
        Earth's heliocentric ICRS position (n, 3).

    Returns
    -------
    ndarray, km
        Positions (..., n, 3) in ``to_frame``.
    """
    if normalise_frame(from_frame) == normalise_frame(to_frame):
        return np.asarray(xyz_km, dtype=float).copy()
    icrs = frame_to_icrs(xyz_km, from_frame, t_unix_s, earth_icrs_km)
    return icrs_to_frame(icrs, to_frame, t_unix_s, earth_icrs_km)


def heeq_to_hee(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEEQ -> HEE, km."""
    return icrs_to_hee(heeq_to_icrs(xyz_km, t_unix_s, earth_icrs_km), t_unix_s, earth_icrs_km)


def hee_to_heeq(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEE -> HEEQ, km."""
    return icrs_to_heeq(hee_to_icrs(xyz_km, t_unix_s, earth_icrs_km), t_unix_s, earth_icrs_km)


def heeq_to_hci(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEEQ -> HCI, km."""
    return icrs_to_hci(heeq_to_icrs(xyz_km, t_unix_s, earth_icrs_km))


def hci_to_heeq(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HCI -> HEEQ, km."""
    return icrs_to_heeq(hci_to_icrs(xyz_km), t_unix_s, earth_icrs_km)


def heeq_to_hae(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HEEQ -> HAE, km."""
    return icrs_to_hae(heeq_to_icrs(xyz_km, t_unix_s, earth_icrs_km))


def hae_to_heeq(xyz_km, t_unix_s, earth_icrs_km) -> np.ndarray:
    """HAE -> HEEQ, km."""
    return icrs_to_heeq(hae_to_icrs(xyz_km), t_unix_s, earth_icrs_km)


_FROM_ICRS = {"HEEQ": icrs_to_heeq, "HEE": icrs_to_hee, "HCI": icrs_to_hci, "HAE": icrs_to_hae}
_TO_ICRS = {"HEEQ": heeq_to_icrs, "HEE": hee_to_icrs, "HCI": hci_to_icrs, "HAE": hae_to_icrs}


def spherical(xyz_km: np.ndarray, frame: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spherical coordinates of cartesian positions, longitude wrapped per frame.

    Parameters
    ----------
    xyz_km : ndarray, km
        Positions (..., 3).
    frame : str
        Frame name: longitudes in (-pi, pi] for HEEQ/HGS and HEE, [0, 2 pi) otherwise
        (HGC, HCI, HAE, ICRS), as sunpy wraps them.

    Returns
    -------
    r : ndarray, km
    lon : ndarray, rad
    lat : ndarray, rad
    """
    xyz = np.asarray(xyz_km, dtype=float)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    r = np.sqrt(x * x + y * y + z * z)
    lon = np.arctan2(y, x)
    if normalise_frame(frame) in SIGNED_LONGITUDE:
        lon = np.where(lon <= -np.pi, lon + 2 * np.pi, lon)
    else:
        lon = np.mod(lon, 2 * np.pi)
        lon = np.where(lon >= 2 * np.pi, 0.0, lon)
    lat = np.arcsin(np.clip(np.divide(z, r, out=np.zeros_like(r), where=r > 0), -1.0, 1.0))
    return r, lon, lat
