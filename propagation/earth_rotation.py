"""Earth's orientation: the rotation from geographic (ITRS) to celestial (GCRS/ICRS) axes.

The IAU 2006/2000A chain that astropy uses (erfa): GCRS -> CIRS by the celestial-to-
intermediate matrix ``c2i06a`` (TT), CIRS -> TIRS by the Earth rotation angle ``era00``
(UT1), TIRS -> ITRS by polar motion ``pom00``. UT1 - UTC and the pole coordinates are
inputs (from IERS tables at the edge); left out they are taken as 0, which moves the
geographic axes by up to 0.9 s of rotation (4e-5 rad) and 0.6 arcsec.

``c2i06a`` (the nutation series) is evaluated on whole UTC hours and interpolated linearly
per matrix element when a series is long: the error of that is below 1e-10 rad, and it
turns 10^6 evaluations into at most one per hour of the series.
"""

from __future__ import annotations

import numpy as np

from propagation.constants import DAY_S
from propagation.transforms import tt_jd

_KNOT_S = 3600.0
_DIRECT_BELOW = 4096  # shorter series: c2i06a at every time


def _c2i(t_unix_s: np.ndarray) -> np.ndarray:
    import erfa

    if len(t_unix_s) < _DIRECT_BELOW:
        return np.asarray(erfa.c2i06a(*tt_jd(t_unix_s)))
    knot = np.floor(t_unix_s / _KNOT_S)
    lo, hi = knot.min(), knot.max() + 1
    used = np.unique(np.concatenate([knot, knot + 1]))
    if hi - lo + 1 < 2 * len(used):  # dense series: a regular grid is as cheap
        used = np.arange(lo, hi + 1)
    mats = np.asarray(erfa.c2i06a(*tt_jd(used * _KNOT_S)))  # (k, 3, 3)
    x = t_unix_s / _KNOT_S
    out = np.empty((len(t_unix_s), 3, 3))
    for i in range(3):
        for j in range(3):
            out[:, i, j] = np.interp(x, used, mats[:, i, j])
    return out


def _ut1_jd(t: np.ndarray, dut1_s) -> tuple[np.ndarray, np.ndarray]:
    """UT1 two-part JD as astropy forms it (erfa ``dtf2d`` + ``utcut1``, right on leap days)."""
    import warnings

    import erfa

    day = np.floor(t / DAY_S)
    sec = t - day * DAY_S
    d = day.astype("int64").astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dut1 = np.zeros(len(t)) + (0.0 if dut1_s is None else np.asarray(dut1_s, dtype=float))
    with warnings.catch_warnings():  # "dubious year": dates beyond the leap-second table
        warnings.filterwarnings("ignore", message=".*dubious year.*")
        utc1, utc2 = erfa.dtf2d("UTC", d.astype("datetime64[Y]").astype(int) + 1970,
                                month.astype(int) % 12 + 1, (d - month).astype(int) + 1,
                                (sec // 3600).astype(int), (sec % 3600 // 60).astype(int),
                                sec % 60)
        return erfa.utcut1(utc1, utc2, dut1)


def _orientation(t: np.ndarray, dut1_s, xp_rad, yp_rad):
    """Per-time polar-motion matrices (or None), Earth rotation angle, and C2I matrices."""
    import erfa

    pom = None
    if xp_rad is not None or yp_rad is not None:
        xp = np.zeros(len(t)) + (0.0 if xp_rad is None else np.asarray(xp_rad, dtype=float))
        yp = np.zeros(len(t)) + (0.0 if yp_rad is None else np.asarray(yp_rad, dtype=float))
        pom = np.asarray(erfa.pom00(xp, yp, erfa.sp00(*tt_jd(t))))
    return pom, np.asarray(erfa.era00(*_ut1_jd(t, dut1_s))), _c2i(t)


def itrs_to_gcrs(t_unix_s, xyz_itrs, dut1_s=None, xp_rad=None, yp_rad=None) -> np.ndarray:
    """Rotate geocentric vectors (n, 3) from geographic (ITRS) to celestial (GCRS) axes.

    Parameters
    ----------
    t_unix_s : array_like, s
        UTC Unix seconds (n,).
    xyz_itrs : array_like
        (n, 3) vectors in ITRS axes (any unit).
    dut1_s : array_like, s, optional
        UT1 - UTC (IERS); 0 when not given.
    xp_rad, yp_rad : array_like, rad, optional
        Polar motion (IERS); 0 when not given.

    Returns
    -------
    ndarray (n, 3) in GCRS axes (the ICRS axes, centred on Earth).
    """
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    v = np.asarray(xyz_itrs, dtype=float).reshape(len(t), 3)
    pom, era, c2i = _orientation(t, dut1_s, xp_rad, yp_rad)
    if pom is not None:
        v = np.einsum("nji,nj->ni", pom, v)  # POM^T v
    c, s = np.cos(era), np.sin(era)
    v = np.stack([c * v[:, 0] - s * v[:, 1], s * v[:, 0] + c * v[:, 1], v[:, 2]], axis=-1)
    return np.einsum("nji,nj->ni", c2i, v)  # C2I^T v


def gcrs_to_itrs(t_unix_s, xyz_gcrs, dut1_s=None, xp_rad=None, yp_rad=None) -> np.ndarray:
    """The inverse of :func:`itrs_to_gcrs` (same parameters)."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    v = np.asarray(xyz_gcrs, dtype=float).reshape(len(t), 3)
    pom, era, c2i = _orientation(t, dut1_s, xp_rad, yp_rad)
    v = np.einsum("nij,nj->ni", c2i, v)
    c, s = np.cos(era), np.sin(era)
    v = np.stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1], v[:, 2]], axis=-1)
    return v if pom is None else np.einsum("nij,nj->ni", pom, v)
