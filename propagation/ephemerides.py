"""Positions of the bodies of :mod:`propagation.bodies` at given times, in any frame of
:mod:`propagation.transforms`.

Sources, tried per body in the order its registry entry lists them, time by time (a time
that one source does not cover falls to the next):

1. ``spice``: SPICE SPK kernels in the folder named by ``$STORMS_EPHEMERIS_DIR`` (every
   ``*.bsp``, ``*.tls``, ``*.tf`` there is loaded with spiceypy); a kernel is used only
   for times inside its coverage window for that NAIF id (``spkcov``).
2. ``horizons``: JPL Horizons vector tables (the text Horizons returns, any ``*.txt`` in
   the same folder): UTF-8 BOM, ``$$SOE``/``$$EOE``, CSV with a trailing comma, ``JDTDB``
   times; the reference frame stated in the header is honoured (ICRF equatorial,
   ecliptic of J2000.0, FK4/B1950 equatorial or ecliptic of B1950.0); only Sun-centred
   tables are used; cubic-spline interpolation inside the table's span only.
3. ``de421``: the JPL DE421 SPK from the ``skyfield-data`` wheel, read with jplephem
   (Sun, planets, Pluto, Moon; 1899-07-29 to 2053-10-09).
4. ``derived:L1``..``L5``: Sun-Earth Lagrange points from Earth's DE421 position (L1/L2 on
   the Sun-Earth line at the circular restricted three-body distances, about 0.01 AU;
   L4/L5 Earth's position turned by +/-60 deg about the J2000 ecliptic pole).
5. ``approx:L1``: only for the L1 monitors whose entry allows it (ACE, Wind, DSCOVR,
   SOHO), reported as such.

A body with no source covering an asked time raises :class:`EphemerisUnavailable` naming
the body, the time and the sources tried: never a silent guess.

Times are float Unix seconds (UTC, POSIX); UTC -> TT -> TDB is done once per call with
astropy ``Time`` (erfa, with its leap-second table). Positions km, heliocentric.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from propagation import transforms
from propagation.bodies import Body, resolve_body
from propagation.constants import (
    AU_KM,
    DAY_S,
    J2000_JD,
    MU_SUN_EMB,
    OBLIQUITY_B1950_ARCSEC,
    OBLIQUITY_J2000_IAU1976_ARCSEC,
)

__all__ = ["EphemerisUnavailable", "Positions", "positions", "resolve_body", "earth_icrs_km",
           "heliocentric_icrs", "parse_horizons_vectors", "HorizonsTable", "de421_path",
           "tdb_jd", "et_seconds", "lagrange_gamma"]

CONSTANTS_NOTE: dict[str, Any] = {
    "planets": "JPL DE421 (skyfield-data de421.bsp, jplephem)",
    "time": "UTC -> TT (erfa dat leap seconds) -> TDB (erfa dtdb)",
    "solar_pole": "IAU 2009 RA 286.13 deg, Dec 63.87 deg",
    "carrington": "sunpy L0 conventions: W0 84.176 deg, 14.1844 deg/day, observer='self'",
    "ecliptic": "HAE/HEE: IAU 2006 (erfa ecm06); Horizons ecliptic tables: IAU 1976 obliquity",
    "lagrange": f"CR3BP collinear points, mu = {MU_SUN_EMB:.6e}, about Earth's centre",
    "AU_km": AU_KM,
}


class EphemerisUnavailable(ValueError):
    """No ephemeris source covers this body at this time.

    ``missing`` is the boolean mask (n,) of the asked times left uncovered, when known.
    """

    missing: np.ndarray | None = None


@dataclass
class Positions:
    """Positions of bodies at times in one frame.

    Attributes
    ----------
    bodies : list of str
        Canonical body names, in the order asked.
    t_unix_s : ndarray, s
        Times (n_times,), UTC Unix seconds.
    frame : str
        Canonical frame name (see :data:`propagation.transforms.FRAMES`).
    xyz_km : ndarray, km
        Cartesian positions (n_bodies, n_times, 3).
    sources : dict of str to str
        Per body, the source that produced it ("spice:<kernel>", "horizons:<file>",
        "de421", "derived:earth", "approx:L1"; several joined with "+" when different
        times came from different sources).
    constants : dict
        Constants and conventions behind the numbers.
    """

    bodies: list[str]
    t_unix_s: np.ndarray
    frame: str
    xyz_km: np.ndarray
    sources: dict[str, str]
    constants: dict[str, Any] = field(default_factory=dict)

    @property
    def r_km(self) -> np.ndarray:
        """Heliocentric distance (n_bodies, n_times), km."""
        return transforms.spherical(self.xyz_km, self.frame)[0]

    @property
    def lon_rad(self) -> np.ndarray:
        """Longitude (n_bodies, n_times), rad: (-pi, pi] for HEEQ/HEE, [0, 2 pi) otherwise."""
        return transforms.spherical(self.xyz_km, self.frame)[1]

    @property
    def lat_rad(self) -> np.ndarray:
        """Latitude (n_bodies, n_times), rad."""
        return transforms.spherical(self.xyz_km, self.frame)[2]


# --- time scales ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Epochs:
    """One array of times in the scales needed (computed once per call)."""

    unix: np.ndarray
    tt1: np.ndarray
    tt2: np.ndarray
    tdb1: np.ndarray
    tdb2: np.ndarray

    @property
    def jd_tdb(self) -> np.ndarray:
        return self.tdb1 + self.tdb2

    @property
    def et(self) -> np.ndarray:
        """SPICE ephemeris time: TDB seconds past J2000."""
        return ((self.tdb1 - J2000_JD) + self.tdb2) * DAY_S


def _epochs(t_unix_s: np.ndarray) -> _Epochs:
    """UTC -> TT (leap seconds, :func:`propagation.transforms.tt_jd`) -> TDB (erfa ``dtdb``,
    Fairhead & Bretagnon series at the geocentre), vectorised, once per call."""
    import erfa

    tt1, tt2 = transforms.tt_jd(t_unix_s)
    tdb2 = tt2 + np.asarray(erfa.dtdb(tt1, tt2, 0.0, 0.0, 0.0, 0.0)) / DAY_S
    return _Epochs(t_unix_s, tt1, tt2, tt1, tdb2)


def tdb_jd(t_unix_s: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """UTC Unix seconds to two-part TDB Julian dates (jd1, jd2), days."""
    ep = _epochs(np.atleast_1d(np.asarray(t_unix_s, dtype=float)))
    return ep.tdb1, ep.tdb2


def et_seconds(t_unix_s: ArrayLike) -> np.ndarray:
    """UTC Unix seconds to SPICE ephemeris time (TDB seconds past J2000), s."""
    return _epochs(np.atleast_1d(np.asarray(t_unix_s, dtype=float))).et


def _iso(t_unix_s: float) -> str:
    return str(np.datetime64(int(round(float(t_unix_s) * 1000)), "ms")) + "Z"


# --- DE421 ---------------------------------------------------------------------------------


def de421_path() -> str:
    """Path of the DE421 SPK shipped in the ``skyfield-data`` wheel."""
    import skyfield_data

    return os.path.join(os.path.dirname(skyfield_data.__file__), "data", "de421.bsp")


@lru_cache(maxsize=1)
def _de421() -> Any:
    from jplephem.spk import SPK

    return SPK.open(de421_path())


def _de421_span() -> tuple[float, float]:
    seg = _de421()[0, 10]
    return float(seg.start_jd), float(seg.end_jd)


def _de421_ssb(chain: tuple[int, ...], tdb1: np.ndarray, tdb2: np.ndarray) -> np.ndarray:
    kernel = _de421()
    total = np.zeros((len(tdb1), 3))
    center = 0
    for target in chain:
        total += np.asarray(kernel[center, target].compute(tdb1, tdb2)).reshape(3, -1).T
        center = target
    return total


def _de421_heliocentric(chain: tuple[int, ...], ep: _Epochs, need: np.ndarray) -> np.ndarray:
    """Sun -> body vectors (n, 3) km, NaN where not needed or outside DE421's span."""
    out = np.full((len(ep.unix), 3), np.nan)
    start, end = _de421_span()
    jd = ep.jd_tdb
    ok = need & (jd >= start) & (jd <= end)
    if ok.any():
        t1, t2 = ep.tdb1[ok], ep.tdb2[ok]
        sun = _de421_ssb((10,), t1, t2)
        out[ok] = 0.0 if chain == (10,) else _de421_ssb(chain, t1, t2) - sun
    return out


def earth_icrs_km(t_unix_s: ArrayLike) -> np.ndarray:
    """Earth's heliocentric ICRS position from DE421 (n, 3), km (the frames' Earth).

    Long dense series (more than 4 times as many samples as hours spanned) are evaluated on
    whole hours and interpolated by a cubic spline: the error of that is below 1e-5 km
    (Earth's motion, lunar wobble included, is smooth over hours), and it saves the TDB
    series and the Chebyshev evaluation per sample (10^6 samples: 8.6 s -> 0.5 s).

    Raises
    ------
    EphemerisUnavailable
        Outside DE421's span (1899-07-29 to 2053-10-09).
    """
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    if len(t) > _SPLINE_ABOVE and np.isfinite(t).all():
        lo, hi = np.floor(t.min() / 3600.0) - 2, np.ceil(t.max() / 3600.0) + 2
        if 4 * (hi - lo + 1) < len(t):
            from scipy.interpolate import CubicSpline

            knots = np.arange(lo, hi + 1) * 3600.0
            spline = CubicSpline(knots - knots[0], _earth(_epochs(knots)), axis=0)
            return spline(t - knots[0])
    return _earth(_epochs(t))


_SPLINE_ABOVE = 20_000


def _earth(ep: _Epochs) -> np.ndarray:
    xyz = _de421_heliocentric(resolve_body("Earth").de421, ep, np.ones(len(ep.unix), bool))
    bad = np.isnan(xyz[:, 0])
    if bad.any():
        start, end = _de421_span()
        exc = EphemerisUnavailable(
            f"no ephemeris for Earth at {_iso(ep.unix[bad][0])} (needed for the frame and the "
            f"Lagrange points): DE421 covers JD(TDB) {start}-{end} (1899-07-29 to 2053-10-09)")
        exc.missing = bad
        raise exc
    return xyz


_earth_icrs = earth_icrs_km  # name used by storms.propagate


# --- SPICE kernels ---------------------------------------------------------------------------

_KERNEL_SUFFIXES = (".bsp", ".tls", ".tf", ".tpc", ".bpc")
_loaded: dict[str, tuple[tuple[str, int, int], ...]] = {}


def ephemeris_dir() -> Path | None:
    """The folder named by ``$STORMS_EPHEMERIS_DIR``, or None when unset."""
    value = os.environ.get("STORMS_EPHEMERIS_DIR")
    return Path(value) if value else None


def _spk_files(folder: Path) -> list[Path]:
    """Load (once, reloading when files change) the kernels of ``folder``; its SPK paths."""
    import spiceypy

    paths = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in _KERNEL_SUFFIXES)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    key = str(folder.resolve())
    if _loaded.get(key) != stamp:
        for name, _m, _s in _loaded.get(key, ()):
            spiceypy.unload(str(folder / name))
        for p in paths:
            spiceypy.furnsh(str(p))
        _loaded[key] = stamp
    return [p for p in paths if p.suffix.lower() == ".bsp"]


@lru_cache(maxsize=256)
def _spk_coverage(path: str, mtime_ns: int, naif: int) -> np.ndarray | None:
    """Coverage windows (k, 2) in ET seconds of ``naif`` in one SPK, or None if absent."""
    import spiceypy

    if naif not in set(spiceypy.spkobj(path)):
        return None
    cover = spiceypy.spkcov(path, naif)
    return np.array([spiceypy.wnfetd(cover, i) for i in range(spiceypy.wncard(cover))],
                    dtype=float).reshape(-1, 2)


def _spice(body: Body, ep: _Epochs, need: np.ndarray, folder: Path | None
           ) -> tuple[np.ndarray, list[str], str]:
    import spiceypy
    from spiceypy.utils.exceptions import SpiceyError

    out = np.full((len(ep.unix), 3), np.nan)
    if folder is None or not folder.is_dir():
        return out, [], "STORMS_EPHEMERIS_DIR is not set" if folder is None else \
            f"{folder} is not a folder"
    if body.naif is None:
        return out, [], "no NAIF id"
    et = ep.et
    used: list[str] = []
    problems: list[str] = []
    remaining = need.copy()
    spks = _spk_files(folder)
    for path in spks:
        windows = _spk_coverage(str(path), path.stat().st_mtime_ns, body.naif)
        if windows is None:
            continue
        span = ", ".join(f"{_et_iso(a)} to {_et_iso(b)}" for a, b in windows)
        inside = ((et[:, None] >= windows[:, 0]) & (et[:, None] <= windows[:, 1])).any(axis=1)
        hit = remaining & inside
        if (remaining & ~inside).any():
            problems.append(f"{path.name} covers NAIF {body.naif} only {span} UTC")
        if not hit.any():
            continue
        try:
            xyz, _lt = spiceypy.spkpos(str(body.naif), et[hit], "J2000", "NONE", "SUN")
        except SpiceyError as exc:
            problems.append(f"{path.name}: {str(exc).strip().splitlines()[0]}")
            continue
        out[hit] = np.asarray(xyz, dtype=float).reshape(-1, 3)
        remaining &= ~hit
        used.append(f"spice:{path.name}")
    if not used and not problems:
        problems.append(f"no kernel in {folder} has NAIF id {body.naif}")
    return out, used, "; ".join(problems)


def _et_iso(et: float) -> str:
    """Approximate UTC ISO of an ET (for messages only; within ~70 s)."""
    return _iso(et - 69.184 + (J2000_JD - 2440587.5) * DAY_S)[:16]


# --- Horizons vector tables ------------------------------------------------------------------


@dataclass
class HorizonsTable:
    """A parsed Horizons vector table.

    Attributes
    ----------
    target : str
        Target name as in the header ("Mars (499)").
    naif : int or None
        NAIF id from the header.
    frame : str
        Frame of the file as stated in its header: "ICRF", "ECLIPJ2000", "B1950" or
        "ECLIPB1950".
    jd_tdb : ndarray, days
        Epochs (JDTDB).
    xyz_km : ndarray, km
        Sun-centred positions rotated to ICRS (n, 3).
    name : str
        File name (for the source label).
    """

    target: str
    naif: int | None
    frame: str
    jd_tdb: np.ndarray
    xyz_km: np.ndarray
    name: str = "horizons"


def _rotation_x(angle_rad: float) -> np.ndarray:
    """Matrix turning vectors by +angle about X (ecliptic -> equatorial for the obliquity)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


@lru_cache(maxsize=1)
def _fk4_b1950_to_icrs() -> np.ndarray:
    """FK4/B1950 (no E-terms, epoch B1950) -> FK5 J2000 (= ICRF to ~20 mas) matrix, (3, 3),
    from astropy's FK4NoETerms -> FK5 transform. Checked against real Horizons "Ecliptic
    of B1950.0" output to 0.1 km (tests); SPICE's built-in "B1950" frame differs by 0.5"."""
    import astropy.units as u
    from astropy.coordinates import FK5, CartesianRepresentation, FK4NoETerms
    from astropy.time import Time

    b1950 = Time("B1950", scale="tt")
    fk4 = FK4NoETerms(equinox=b1950, obstime=b1950)
    basis = CartesianRepresentation(np.eye(3) * u.one)
    out = fk4.realize_frame(basis).transform_to(FK5(equinox=Time("J2000", scale="tt")))
    return np.asarray(out.cartesian.xyz.value, dtype=float)  # columns = images of axes


def _to_icrs_matrix(frame: str) -> np.ndarray:
    arcsec = np.pi / 180.0 / 3600.0
    if frame == "ICRF":
        return np.eye(3)
    if frame == "ECLIPJ2000":
        return _rotation_x(OBLIQUITY_J2000_IAU1976_ARCSEC * arcsec)
    if frame == "B1950":
        return _fk4_b1950_to_icrs()
    return _fk4_b1950_to_icrs() @ _rotation_x(OBLIQUITY_B1950_ARCSEC * arcsec)


def _header_value(header: str, label: str) -> str:
    m = re.search(rf"^\s*{label}\s*:\s*(.*?)\s*$", header, re.MULTILINE | re.IGNORECASE)
    return m.group(1) if m else ""


def _horizons_frame(header: str, name: str) -> str:
    ref = _header_value(header, r"Reference frame")
    plane = _header_value(header, r"Reference plane")
    system = _header_value(header, r"Coordinate systm")
    stated = " / ".join(s for s in (ref, plane, system) if s)
    text = stated.lower()
    if not text:
        raise ValueError(f"{name}: the header states no reference frame")
    if "body" in text:
        raise ValueError(f"{name}: reference plane {stated!r} (body equator) is not supported; "
                         "ask Horizons for the ecliptic or the ICRF frame")
    ecliptic = "ecliptic" in text
    if "b1950" in text or "fk4" in text:
        return "ECLIPB1950" if ecliptic else "B1950"
    return "ECLIPJ2000" if ecliptic else "ICRF"


def parse_horizons_vectors(text: str, name: str = "horizons") -> HorizonsTable:
    """Parse a JPL Horizons vector table as Horizons returns it.

    Parameters
    ----------
    text : str
        Whole file (a leading UTF-8 BOM and CRLF line ends are accepted).
    name : str
        File name, for messages and the source label.

    Returns
    -------
    HorizonsTable
        Epochs (JDTDB) and Sun-centred ICRS positions, km.

    Raises
    ------
    ValueError
        No ``$$SOE``/``$$EOE`` block, no CSV rows, a centre other than the Sun, a time
        column other than JDTDB, or an unsupported reference plane.

    Notes
    -----
    The header's "Reference frame" / "Reference plane" / "Coordinate systm" lines decide
    the rotation to ICRS: ICRF (or "FRAME") is used as is; "Ecliptic of J2000.0" is turned
    by the IAU 1976 obliquity 84381.448" (Horizons' and SPICE's ECLIPJ2000); FK4/B1950 and
    "Ecliptic of B1950.0" (obliquity 84404.836") go through the FK4 -> FK5 rotation.
    Output units "AU-D" are converted to km.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if "$$SOE" not in text or "$$EOE" not in text:
        raise ValueError(f"{name}: no $$SOE/$$EOE data block (not a Horizons table?)")
    header, rest = text.split("$$SOE", 1)
    block = rest.split("$$EOE", 1)[0]
    target = re.sub(r"\{.*", "", _header_value(header, "Target body name")).strip()
    naif_match = re.findall(r"\((-?\d+)\)", target)
    center = re.sub(r"\{.*", "", _header_value(header, "Center body name")).strip()
    if center and not re.match(r"sun\b|sun \(10\)", center.lower()):
        raise ValueError(f"{name}: centre is {center!r}; only Sun-centred tables (@10) are used")
    frame = _horizons_frame(header, name)
    units = _header_value(header, "Output units").upper()
    scale = AU_KM if units.startswith("AU") else 1.0
    columns_line = next((ln for ln in reversed(header.splitlines())
                         if "," in ln and re.search(r"\bX\b", ln)), "")
    columns = [c.strip().upper() for c in columns_line.split(",")]
    if columns_line and columns[0] != "JDTDB":
        raise ValueError(f"{name}: time column {columns[0]!r}; vector tables must be JDTDB")
    ix, iy, iz = ((columns.index("X"), columns.index("Y"), columns.index("Z"))
                  if columns_line else (2, 3, 4))
    rows = []
    for line in block.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) <= iz or not re.match(r"^\d+(\.\d*)?$", parts[0]):
            continue
        rows.append((float(parts[0]), float(parts[ix]), float(parts[iy]), float(parts[iz])))
    if len(rows) < 2:
        raise ValueError(f"{name}: fewer than two CSV vector rows between $$SOE and $$EOE "
                         "(ask Horizons for CSV_FORMAT=YES vectors)")
    table = np.array(rows)
    order = np.argsort(table[:, 0])
    table = table[order]
    xyz = table[:, 1:] * scale @ _to_icrs_matrix(frame).T
    return HorizonsTable(target, int(naif_match[-1]) if naif_match else None, frame,
                         table[:, 0], xyz, name)


@lru_cache(maxsize=16)
def _horizons_file(path: str, mtime_ns: int) -> HorizonsTable | None:
    try:
        return parse_horizons_vectors(Path(path).read_text(encoding="utf-8-sig"),
                                      Path(path).name)
    except (ValueError, UnicodeDecodeError):
        return None


def _horizons(body: Body, ep: _Epochs, need: np.ndarray, folder: Path | None
              ) -> tuple[np.ndarray, list[str], str]:
    from scipy.interpolate import CubicSpline

    out = np.full((len(ep.unix), 3), np.nan)
    if folder is None or not folder.is_dir():
        return out, [], "STORMS_EPHEMERIS_DIR is not set" if folder is None else \
            f"{folder} is not a folder"
    jd = ep.jd_tdb
    keys = {re.sub(r"[\s_\-]+", " ", k.lower()) for k in body.keys}
    used: list[str] = []
    problems: list[str] = []
    remaining = need.copy()
    for path in sorted(folder.glob("*.txt")):
        table = _horizons_file(str(path), path.stat().st_mtime_ns)
        if table is None or not remaining.any():
            continue
        bare = re.sub(r"[\s_\-]+", " ", re.sub(r"\(.*?\)", "", table.target).strip().lower())
        if not ((body.naif is not None and table.naif == body.naif)
                or (table.naif is None and bare in keys)):
            continue
        hit = remaining & (jd >= table.jd_tdb[0]) & (jd <= table.jd_tdb[-1])
        if not hit.any():
            problems.append(f"{path.name} spans JD(TDB) {table.jd_tdb[0]}-{table.jd_tdb[-1]}")
            continue
        if len(table.jd_tdb) >= 4:
            out[hit] = CubicSpline(table.jd_tdb, table.xyz_km, axis=0)(jd[hit])
        else:
            out[hit] = np.column_stack([np.interp(jd[hit], table.jd_tdb, table.xyz_km[:, i])
                                        for i in range(3)])
        remaining &= ~hit
        used.append(f"horizons:{path.name}")
    if not used and not problems:
        problems.append(f"no Sun-centred vector table for {body.name} in {folder}")
    return out, used, "; ".join(problems)


# --- Lagrange points -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def lagrange_gamma(point: str, mu: float = MU_SUN_EMB) -> float:
    """Distance of a collinear Lagrange point from the smaller primary, in units of the
    primaries' separation (circular restricted three-body problem, Szebehely 1967).

    Parameters
    ----------
    point : {"L1", "L2"}
    mu : float
        Mass ratio m2 / (m1 + m2).

    Returns
    -------
    float
        gamma (about 0.00997 for Sun-Earth L1, 0.01004 for L2).
    """
    sign = -1.0 if point == "L1" else 1.0
    g = (mu / 3.0) ** (1.0 / 3.0)
    for _ in range(50):  # Newton on the quintic
        f = (g**5 + sign * (3 - mu) * g**4 + (3 - 2 * mu) * g**3 - mu * g**2
             - sign * 2 * mu * g - mu)
        df = (5 * g**4 + sign * 4 * (3 - mu) * g**3 + 3 * (3 - 2 * mu) * g**2 - 2 * mu * g
              - sign * 2 * mu)
        step = f / df
        g -= step
        if abs(step) < 1e-16:
            break
    return g


def _lagrange(point: str, earth: np.ndarray) -> np.ndarray:
    if point == "L1":
        return earth * (1.0 - lagrange_gamma("L1"))
    if point == "L2":
        return earth * (1.0 + lagrange_gamma("L2"))
    ecl = transforms._rotation_matrix_icrs_to_hae()
    e = earth @ ecl.T
    angle = np.radians(60.0 if point == "L4" else -60.0)
    c, s = np.cos(angle), np.sin(angle)
    rotated = np.column_stack([c * e[:, 0] - s * e[:, 1], s * e[:, 0] + c * e[:, 1], e[:, 2]])
    return rotated @ ecl


# --- public API ------------------------------------------------------------------------------


def _heliocentric(body: Body, ep: _Epochs, earth: np.ndarray | None,
                  folder: Path | None) -> tuple[np.ndarray, str]:
    n = len(ep.unix)
    xyz = np.full((n, 3), np.nan)
    need = np.ones(n, dtype=bool)
    labels: list[str] = []
    tried: list[str] = []
    for source in body.sources:
        if not need.any():
            break
        if source == "spice":
            part, used, why = _spice(body, ep, need, folder)
        elif source == "horizons":
            part, used, why = _horizons(body, ep, need, folder)
        elif source == "de421":
            part = _de421_heliocentric(body.de421, ep, need)
            used = ["de421"] if np.isfinite(part[need, 0]).any() else []
            start, end = _de421_span()
            why = f"covers JD(TDB) {start:.1f}-{end:.1f} (1899-07-29 to 2053-10-09)"
        else:  # derived:Lx / approx:L1
            if earth is None:
                earth = _earth(ep)
            part = np.full((n, 3), np.nan)
            part[need] = _lagrange(source.split(":", 1)[1], earth)[need]
            used = ["derived:earth" if source.startswith("derived") else source]
            why = ""
        got = need & np.isfinite(part[:, 0])
        xyz[got] = part[got]
        need &= ~got
        labels += [u for u in used if u not in labels]
        if need.any():
            tried.append(f"{source} ({why})" if why else source)
    if need.any():
        missing = ep.unix[need]
        more = f" and {len(missing) - 1} other time(s)" if len(missing) > 1 else ""
        exc = EphemerisUnavailable(
            f"no ephemeris for {body.name} at {_iso(missing[0])}{more}; sources tried: "
            + "; ".join(tried) + ". Put a SPICE kernel or a Horizons vector table covering "
            "that time in $STORMS_EPHEMERIS_DIR")
        exc.missing = need.copy()
        raise exc
    return xyz, "+".join(labels)


def heliocentric_icrs(body: Body | str, t_unix_s: ArrayLike) -> tuple[np.ndarray, str]:
    """One body's Sun-centred ICRS positions and the source(s) that produced them.

    Parameters
    ----------
    body : Body or str
    t_unix_s : array_like, s
        UTC Unix seconds (n,).

    Returns
    -------
    xyz_km : ndarray, km
        (n, 3).
    source : str
    """
    b = body if isinstance(body, Body) else resolve_body(body)
    ep = _epochs(np.atleast_1d(np.asarray(t_unix_s, dtype=float)))
    return _heliocentric(b, ep, None, ephemeris_dir())


def positions(bodies: Sequence[str] | str, t_unix_s: ArrayLike,
              frame: str = "HEEQ") -> Positions:
    """Positions of ``bodies`` at ``t_unix_s`` in ``frame``.

    Parameters
    ----------
    bodies : sequence of str (or one str)
        Body names or aliases (see :mod:`propagation.bodies`).
    t_unix_s : array_like, s
        Times, float seconds since 1970-01-01T00:00 UTC (Unix), shape (n_times,).
    frame : str
        "HEEQ" (= "HGS", default), "HEE", "HCI", "HGC", "HAE" or "ICRS".

    Returns
    -------
    Positions
        ``xyz_km`` (n_bodies, n_times, 3) km, the source used per body, and notes on the
        constants.

    Raises
    ------
    ValueError
        Unknown body or frame.
    EphemerisUnavailable
        A body (or Earth, when the frame needs it) has no ephemeris at some time; the
        message names the body, the time and the sources tried.

    Examples
    --------
    >>> p = positions(["Earth", "PSP"], [1614556800.0])          # doctest: +SKIP
    >>> p.r_km[1, 0] / 149597870.7                                # doctest: +SKIP
    0.7692...
    """
    frame = transforms.normalise_frame(frame)
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    if t.ndim != 1:
        raise ValueError(f"t_unix_s must be 1-D, got shape {t.shape}")
    if not np.isfinite(t).all():
        raise ValueError("t_unix_s holds NaN or infinite times")
    names = [bodies] if isinstance(bodies, str) else list(bodies)
    resolved = [resolve_body(b) for b in names]
    ep = _epochs(t)
    folder = ephemeris_dir()
    earth = _earth(ep) if frame in ("HEEQ", "HEE", "HGC") else None
    xyz = np.empty((len(resolved), len(t), 3))
    sources: dict[str, str] = {}
    for i, body in enumerate(resolved):
        xyz[i], sources[body.name] = _heliocentric(body, ep, earth, folder)
    out = transforms._icrs_to_frame(xyz, frame, earth if earth is not None else np.zeros(
        (len(t), 3)), ep.tt1, ep.tt2)
    return Positions([b.name for b in resolved], t, frame, out, sources,
                     constants=dict(CONSTANTS_NOTE))
