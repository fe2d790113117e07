"""Geocentric and spacecraft frames beside the heliocentric ones of
:mod:`propagation.transforms`, and one entry for series of positions or vectors (the
TREPS-like transforms).

- GSE (geocentric solar ecliptic), as sunpy's ``GeocentricSolarEcliptic``: origin at Earth's
  centre, X towards the Sun, Z the pole of the mean ecliptic of date; HEE seen from Earth.
- GSM (geocentric solar magnetospheric): X as GSE, Z the part of the dipole axis normal to X.
- SM (solar magnetic): Z the dipole axis, Y as GSM (normal to the Sun and the dipole).
  The dipole is the centred dipole of the IGRF (:mod:`propagation.igrf`) turned from
  geographic to celestial axes by :mod:`propagation.earth_rotation` (Hapgood 1992 frames).
- GEI (geocentric equatorial inertial): mean equator and equinox of J2000 centred on Earth,
  as sunpy's ``GeocentricEarthEquatorial``: the ICRS axes turned by the frame bias (23 mas,
  erfa ``bp06``); geometric, no aberration.
- GEO (geographic, ITRS) and MAG (geomagnetic: Z the dipole axis, as sunpy's
  ``Geomagnetic``, rotated by the dipole longitude about Z then its colatitude about Y).
- HGC vectors: the Carrington axes seen from Earth (sunpy ``observer="earth"``), HEEQ
  turned about Z by L0; HGC positions keep the per-point light time of
  :mod:`propagation.transforms` (``observer="self"``), which no direction can carry.
- RTN of a spacecraft (observer): R from the Sun to the spacecraft, T = Omega x R normalised
  (Omega the Sun's rotation axis, the HEEQ/HCI Z), N = R x T; origin at the spacecraft.

Vectors only rotate; positions also change origin (Sun, Earth or spacecraft).
Positions km, times Unix s UTC (POSIX).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from propagation import earth_rotation, igrf, transforms

SUNWARD = ("GSE", "GSM", "SM")  # X towards the Sun: rotations of GSE
EARTH_FIXED = ("GEI", "GEO", "MAG")  # rotations of the ICRS axes centred on Earth
GEOCENTRIC = SUNWARD + EARTH_FIXED
SPACECRAFT = ("RTN",)
FRAMES = transforms.FRAMES + GEOCENTRIC + SPACECRAFT
KINDS = ("position", "vector")
_FLIP = np.array([-1.0, -1.0, 1.0])


@dataclass(frozen=True)
class EarthOrientation:
    """IERS Earth orientation at each time of a series (arrays (n,)); zeros if unknown."""

    dut1_s: np.ndarray
    xp_rad: np.ndarray
    yp_rad: np.ndarray


def normalise_frame(frame: str) -> str:
    """Canonical name of a heliocentric, geocentric or spacecraft frame (case-blind)."""
    if str(frame).strip().upper() in GEOCENTRIC + SPACECRAFT:
        return str(frame).strip().upper()
    try:
        return transforms.normalise_frame(frame)
    except ValueError:
        raise ValueError(f"unknown frame {frame!r}; known: {', '.join(FRAMES)}") from None


def _earth_hee(t: np.ndarray, earth: np.ndarray) -> np.ndarray:
    return transforms.transform(earth, "ICRS", "HEE", t, earth)


@lru_cache(maxsize=1)
def _frame_bias() -> np.ndarray:
    """ICRS -> mean equator and equinox of J2000 (3, 3)."""
    import erfa

    from propagation.constants import J2000_JD

    return np.asarray(erfa.bp06(J2000_JD, 0.0)[0])


def _rotate(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("nij,nj->ni", m, v)


def _rotate_back(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("nji,nj->ni", m, v)


def dipole_gse(t_unix_s, earth_icrs_km, model: str = igrf.DEFAULT_MODEL,
               orientation: EarthOrientation | None = None) -> np.ndarray:
    """Unit vector (n, 3) of the geomagnetic north pole in GSE axes."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    eo = (orientation.dut1_s, orientation.xp_rad, orientation.yp_rad) if orientation else ()
    d_icrs = earth_rotation.itrs_to_gcrs(t, igrf.dipole_axis_geo(t, model), *eo)
    return transforms.transform(d_icrs, "ICRS", "HEE", t, earth_icrs_km) * _FLIP


def rotation_gse_to(frame: str, dipole_gse_unit: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices (n, 3, 3) from GSE to GSM or SM, given the dipole in GSE."""
    d = dipole_gse_unit
    n = np.hypot(d[:, 1], d[:, 2])
    zero, one = np.zeros(len(d)), np.ones(len(d))
    gsm = np.stack([np.stack([one, zero, zero], -1),
                    np.stack([zero, d[:, 2] / n, -d[:, 1] / n], -1),
                    np.stack([zero, d[:, 1] / n, d[:, 2] / n], -1)], axis=-2)
    if frame == "GSM":
        return gsm
    sin_mu, cos_mu = d[:, 0], n  # dipole tilt: the dipole in GSM is (sin mu, 0, cos mu)
    gsm_to_sm = np.stack([np.stack([cos_mu, zero, -sin_mu], -1),
                          np.stack([zero, one, zero], -1),
                          np.stack([sin_mu, zero, cos_mu], -1)], axis=-2)
    return gsm_to_sm @ gsm


def rotation_geo_to_mag(dipole_geo_unit: np.ndarray) -> np.ndarray:
    """Matrices (n, 3, 3) from GEO to MAG: about Z by the dipole longitude, then about Y by
    its colatitude (sunpy's ``Geomagnetic``)."""
    d = dipole_geo_unit
    lon = np.arctan2(d[:, 1], d[:, 0])
    colat = np.arccos(np.clip(d[:, 2], -1.0, 1.0))
    zero, one = np.zeros(len(d)), np.ones(len(d))
    cl, sl, cc, sc = np.cos(lon), np.sin(lon), np.cos(colat), np.sin(colat)
    rz = np.stack([np.stack([cl, sl, zero], -1), np.stack([-sl, cl, zero], -1),
                   np.stack([zero, zero, one], -1)], axis=-2)
    ry = np.stack([np.stack([cc, zero, -sc], -1), np.stack([zero, one, zero], -1),
                   np.stack([sc, zero, cc], -1)], axis=-2)
    return ry @ rz


def rotation_icrs_to_rtn(observer_icrs_km: np.ndarray) -> np.ndarray:
    """Rows-as-axes matrices (n, 3, 3) from ICRS axes to the RTN of a heliocentric observer."""
    r = observer_icrs_km / np.linalg.norm(observer_icrs_km, axis=-1, keepdims=True)
    t = np.cross(transforms._solar_pole_icrs()[None, :], r)
    t /= np.linalg.norm(t, axis=-1, keepdims=True)
    return np.stack([r, t, np.cross(r, t)], axis=-2)


def transform_series(t_unix_s, xyz, from_frame: str, to_frame: str, kind: str = "position",
                     earth_icrs_km=None, *, observer_icrs_km=None,
                     magnetic_model: str = igrf.DEFAULT_MODEL,
                     orientation: EarthOrientation | None = None) -> np.ndarray:
    """A series (n, 3) of positions (km) or vectors (any unit) from one frame to another.

    Parameters
    ----------
    t_unix_s : array_like, s
        UTC Unix seconds (n,).
    xyz : array_like
        (n, 3): positions in km (``kind="position"``) or vector components.
    from_frame, to_frame : str
        Any of :data:`FRAMES` (or an alias of :mod:`propagation.transforms`).
    kind : {"position", "vector"}
        Vectors only rotate; positions also change origin (Sun, Earth or spacecraft).
    earth_icrs_km : ndarray, km, optional
        Earth's heliocentric ICRS position (n, 3); DE421 when not given.
    observer_icrs_km : ndarray, km, optional
        The spacecraft's heliocentric ICRS position (n, 3), needed for RTN.
    magnetic_model : str
        IGRF generation for GSM, SM and MAG (:data:`propagation.igrf.MODELS`).
    orientation : EarthOrientation, optional
        IERS UT1 - UTC and polar motion for GSM, SM, GEO and MAG; zeros when not given.

    Returns
    -------
    ndarray (n, 3)
    """
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    src, dst = normalise_frame(from_frame), normalise_frame(to_frame)
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    v = np.asarray(xyz, dtype=float).reshape(len(t), 3)
    if src == dst:
        return v.copy()
    if "RTN" in (src, dst) and observer_icrs_km is None:
        raise ValueError("RTN needs the spacecraft's trajectory (observer positions)")
    if earth_icrs_km is None:
        from propagation.ephemerides import earth_icrs_km as de421_earth

        earth_icrs_km = de421_earth(t)
    earth = np.asarray(earth_icrs_km, dtype=float)
    position = kind == "position"
    # vectors in HGC: the Carrington axes seen from Earth, HEEQ turned by L0 about Z
    l0 = transforms.carrington_l0_rad(t, earth) if not position and "HGC" in (src, dst) \
        else np.empty(0)
    if src == "HGC" and not position:
        v, src = transforms.rotate_about_z(v, -l0), "HEEQ"
    magnetic = {"GSM", "SM"} & {src, dst}
    dipole = dipole_gse(t, earth, magnetic_model, orientation) if magnetic else np.empty((0, 3))
    eo = (orientation.dut1_s, orientation.xp_rad, orientation.yp_rad) if orientation else ()
    mag = rotation_geo_to_mag(igrf.dipole_axis_geo(t, magnetic_model)) \
        if "MAG" in (src, dst) else np.empty((0, 3, 3))
    if src == "MAG":
        v, src = _rotate_back(mag, v), "GEO"
    if src == "GEO":
        v, src = earth_rotation.itrs_to_gcrs(t, v, *eo), "GCRS"
    if src == "GEI":
        v, src = v @ _frame_bias(), "GCRS"  # B^T v, row by row
    if src == "GCRS":
        v, src = v + (earth if position else 0.0), "ICRS"
    if src in ("GSM", "SM"):
        v, src = _rotate_back(rotation_gse_to(src, dipole), v), "GSE"
    if src == "RTN":
        obs = np.asarray(observer_icrs_km, dtype=float)
        v = _rotate_back(rotation_icrs_to_rtn(obs), v) + (obs if position else 0.0)
        src = "ICRS"
    if src == "GSE":
        v, src = v * _FLIP + (_earth_hee(t, earth) if position else 0.0), "HEE"
    helio_dst = "HEE" if dst in SUNWARD else "ICRS" if dst in EARTH_FIXED + SPACECRAFT \
        else "HEEQ" if dst == "HGC" and not position else dst
    v = transforms.transform(v, src, helio_dst, t, earth)
    if dst == "HGC" and not position:
        v = transforms.rotate_about_z(v, l0)
    if dst in EARTH_FIXED:
        v = v - earth if position else v
        if dst == "GEI":
            v = v @ _frame_bias().T
        else:
            v = earth_rotation.gcrs_to_itrs(t, v, *eo)
        if dst == "MAG":
            v = _rotate(mag, v)
    elif dst in SUNWARD:
        v = (v - _earth_hee(t, earth)) * _FLIP if position else v * _FLIP
        if dst != "GSE":
            v = _rotate(rotation_gse_to(dst, dipole), v)
    elif dst == "RTN":
        obs = np.asarray(observer_icrs_km, dtype=float)
        v = _rotate(rotation_icrs_to_rtn(obs), v - obs if position else v)
    return v
