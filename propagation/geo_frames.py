"""Geocentric frames beside the heliocentric ones of :mod:`propagation.transforms`, and one
entry for series of positions or vectors (TREPS-like transforms; issue 7, first part).

GSE (geocentric solar ecliptic), as sunpy's ``GeocentricSolarEcliptic``: origin at Earth's
centre, X towards the Sun, Z towards the pole of the mean ecliptic of date. It is HEE seen
from Earth: ``gse = diag(-1, -1, 1) @ (hee - earth_hee)`` for positions and
``diag(-1, -1, 1) @ hee`` for vectors (vectors rotate, positions also translate).

GSM and SM (dipole frames) and RTN are not here yet. Positions km, times Unix s UTC.
"""

from __future__ import annotations

import numpy as np

from propagation import transforms

GEOCENTRIC = ("GSE",)
FRAMES = transforms.FRAMES + GEOCENTRIC
KINDS = ("position", "vector")
_FLIP = np.array([-1.0, -1.0, 1.0])


def normalise_frame(frame: str) -> str:
    """Canonical name of a heliocentric or geocentric frame (case-insensitive)."""
    if frame.upper() in GEOCENTRIC:
        return frame.upper()
    try:
        return transforms.normalise_frame(frame)
    except ValueError:
        raise ValueError(f"unknown frame {frame!r}; known: {', '.join(FRAMES)}") from None


def _earth_hee(t_unix_s: np.ndarray, earth_icrs_km: np.ndarray) -> np.ndarray:
    return transforms.transform(earth_icrs_km, "ICRS", "HEE", t_unix_s, earth_icrs_km)


def transform_series(t_unix_s, xyz, from_frame: str, to_frame: str, kind: str = "position",
                     earth_icrs_km=None) -> np.ndarray:
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
        Vectors only rotate; positions also change origin (Sun or Earth).
    earth_icrs_km : ndarray, km, optional
        Earth's heliocentric ICRS position (n, 3); DE421 when not given.

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
    if kind == "vector" and "HGC" in (src, dst):
        raise ValueError("vectors in HGC are not supported (its longitudes carry a "
                         "light-time correction per point): use HEEQ, the same axes but "
                         "for a rotation about Z")
    if earth_icrs_km is None:
        from propagation.ephemerides import earth_icrs_km as de421_earth

        earth_icrs_km = de421_earth(t)
    earth = np.asarray(earth_icrs_km, dtype=float)
    if src == "GSE":  # to HEE first
        v = v * _FLIP + (_earth_hee(t, earth) if kind == "position" else 0.0)
        src = "HEE"
    out_frame = "HEE" if dst == "GSE" else dst
    v = transforms.transform(v, src, out_frame, t, earth)
    if dst == "GSE":
        v = (v - _earth_hee(t, earth)) * _FLIP if kind == "position" else v * _FLIP
    return v
