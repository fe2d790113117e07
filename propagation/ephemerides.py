"""Positions of the bodies of :mod:`propagation.bodies` at given times.

Sources, in order: SPICE kernels and JPL Horizons vector tables in the folder named by
``STORMS_EPHEMERIS_DIR``; the DE421 SPK (shipped in the ``skyfield-data`` wheel) for the
Sun, planets, Pluto and the Moon; Lagrange points derived from Earth; and, for the L1
monitors only, the documented stand-in "approx:L1". A body with no source covering the
asked time raises :class:`EphemerisUnavailable`, never a silent guess.
Times are float Unix seconds (UTC); positions km.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from propagation import transforms
from propagation.bodies import Body, resolve_body
from propagation.constants import AU_KM, DAY_S

#: Earth+Moon / (Sun + Earth + Moon) mass ratio (IAU 2009 system, GM values) for L1/L2.
MU_EARTH_MOON = 3.040_43e-6
J2000_UNIX_S = 946_727_935.816  # 2000-01-01T12:00:00 TT in Unix (UTC) seconds


class EphemerisUnavailable(ValueError):
    """No ephemeris source covers this body at this time."""


@dataclass
class Positions:
    """Positions ``xyz_km`` (n_bodies, n_times, 3) in ``frame`` at ``t_unix_s`` (n_times,)."""

    bodies: list[str]
    t_unix_s: np.ndarray
    frame: str
    xyz_km: np.ndarray
    sources: dict[str, str]
    constants: dict[str, Any] = field(default_factory=dict)

    @property
    def r_km(self) -> np.ndarray:
        return transforms.spherical(self.xyz_km, self.frame)[0]

    @property
    def lon_rad(self) -> np.ndarray:
        return transforms.spherical(self.xyz_km, self.frame)[1]

    @property
    def lat_rad(self) -> np.ndarray:
        return transforms.spherical(self.xyz_km, self.frame)[2]


# --- time scales ------------------------------------------------------------------------


def tdb_jd(t_unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC Unix seconds to TDB Julian dates (jd1, jd2), leap seconds included."""
    from astropy.time import Time

    tdb = Time(np.asarray(t_unix_s, dtype=float), format="unix", scale="utc").tdb
    return np.atleast_1d(tdb.jd1), np.atleast_1d(tdb.jd2)


def et_seconds(t_unix_s: np.ndarray) -> np.ndarray:
    """SPICE ephemeris time (TDB seconds past J2000)."""
    jd1, jd2 = tdb_jd(t_unix_s)
    return ((jd1 - 2451545.0) + jd2) * DAY_S


# --- DE421 ------------------------------------------------------------------------------


def de421_path() -> str:
    import skyfield_data

    return os.path.join(os.path.dirname(skyfield_data.__file__), "data", "de421.bsp")


@lru_cache(maxsize=1)
def _de421():
    from jplephem.spk import SPK

    return SPK.open(de421_path())


def _de421_barycentric(chain: tuple[int, ...], jd1, jd2) -> np.ndarray:
    kernel = _de421()
    total = np.zeros((len(jd1), 3))
    center = 0
    for target in chain:
        total += kernel[center, target].compute(jd1, jd2).T
        center = target
    return total


def _de421_heliocentric(body: Body, jd1, jd2) -> np.ndarray:
    start, end = _de421()[0, 10].start_jd, _de421()[0, 10].end_jd
    jd = jd1 + jd2
    if jd.min() < start or jd.max() > end:
        raise EphemerisUnavailable(f"{body.name}: DE421 covers JD {start}-{end} only")
    sun = _de421_barycentric((10,), jd1, jd2)
    if body.name == "Sun":
        return np.zeros_like(sun)
    return _de421_barycentric(body.de421, jd1, jd2) - sun


# --- SPICE and Horizons files -------------------------------------------------------------


def ephemeris_dir() -> Path | None:
    value = os.environ.get("STORMS_EPHEMERIS_DIR")
    return Path(value) if value else None


@lru_cache(maxsize=4)
def _spice_kernels(folder: str) -> tuple[str, ...]:
    import spiceypy

    paths = sorted(str(p) for p in Path(folder).iterdir()
                   if p.suffix.lower() in (".bsp", ".tls", ".tf", ".tpc", ".bpc"))
    for path in paths:
        spiceypy.furnsh(path)
    return tuple(p for p in paths if p.lower().endswith(".bsp"))


def _spice_heliocentric(
    body: Body, t_unix_s: np.ndarray, folder: Path
) -> tuple[np.ndarray, str]:
    import spiceypy

    if body.naif is None:
        raise EphemerisUnavailable("no NAIF id")
    et = et_seconds(t_unix_s)
    for path in _spice_kernels(str(folder)):
        ids = spiceypy.spkobj(path)
        if body.naif not in list(ids):
            continue
        cover = spiceypy.spkcov(path, body.naif)
        intervals = [spiceypy.wnfetd(cover, i) for i in range(spiceypy.wncard(cover))]
        if all(any(a <= e <= b for a, b in intervals) for e in (et.min(), et.max())):
            xyz, _lt = spiceypy.spkpos(str(body.naif), et, "J2000", "NONE", "SUN")
            return np.asarray(xyz, dtype=float).reshape(len(et), 3), f"spice:{Path(path).name}"
    raise EphemerisUnavailable("no SPICE kernel covers it")


_HORIZONS_ROW = re.compile(r"^\s*(\d+\.\d+)\s*,")


@dataclass
class HorizonsTable:
    target: str
    naif: int | None
    center: str
    frame: str  # ICRS | ECLIPJ2000
    jd_tdb: np.ndarray
    xyz_km: np.ndarray


def parse_horizons_vectors(text: str, name: str = "horizons") -> HorizonsTable:
    """A JPL Horizons vector table as Horizons returns it (BOM, header, $$SOE..$$EOE).

    Honours the reference frame and plane stated in the header (ICRF/J2000 equatorial or
    ecliptic of J2000), the centre (must be the Sun) and the output units (KM or AU).
    """
    text = text.lstrip("\ufeff")
    if "$$SOE" not in text or "$$EOE" not in text:
        raise ValueError(f"{name}: no $$SOE/$$EOE data block (not a Horizons table?)")
    header, rest = text.split("$$SOE", 1)
    body_text = rest.split("$$EOE", 1)[0]
    target = re.search(r"Target body name:\s*(.+?)\s{2,}|Target body name:\s*(.+)", header)
    target_name = (target.group(1) or target.group(2)).strip() if target else "unknown"
    naif_match = re.search(r"\((-?\d+)\)", target_name)
    center = re.search(r"Center body name:\s*(.+?)(\s{2,}|\n)", header)
    center_name = center.group(1).strip() if center else ""
    if center_name and not center_name.lower().startswith("sun"):
        raise ValueError(f"{name}: centre is {center_name!r}; only Sun-centred tables are used")
    plane = re.search(r"Reference plane\s*:\s*(.+)", header)
    ref = re.search(r"Reference frame\s*:\s*(.+)", header)
    plane_text = (plane.group(1) if plane else "").lower()
    ref_text = (ref.group(1) if ref else "").lower()
    if "b1950" in ref_text or "fk4" in ref_text:
        raise ValueError(f"{name}: frame {ref_text.strip()!r} (B1950) is not supported; ask "
                         "Horizons for ICRF")
    frame = "ECLIPJ2000" if "ecliptic" in plane_text else "ICRS"
    units = re.search(r"Output units\s*:\s*(\S+)", header)
    scale = AU_KM if units and units.group(1).upper().startswith("AU") else 1.0
    rows = []
    for line in body_text.splitlines():
        if not _HORIZONS_ROW.match(line):
            continue
        parts = [p.strip() for p in line.split(",")]
        rows.append((float(parts[0]), float(parts[2]), float(parts[3]), float(parts[4])))
    if len(rows) < 2:
        raise ValueError(f"{name}: fewer than two CSV vector rows between $$SOE and $$EOE "
                         "(the table must be CSV, 'VEC_TABLE=1' or '2')")
    table = np.array(rows)
    return HorizonsTable(target_name, int(naif_match.group(1)) if naif_match else None,
                         center_name, frame, table[:, 0], table[:, 1:] * scale)


@lru_cache(maxsize=4)
def _horizons_tables(folder: str) -> tuple[HorizonsTable, ...]:
    tables = []
    for path in sorted(Path(folder).glob("*.txt")):
        try:
            tables.append(parse_horizons_vectors(path.read_text(encoding="utf-8"), path.name))
        except (ValueError, UnicodeDecodeError):
            continue
    return tuple(tables)


def _horizons_heliocentric(
    body: Body, t_unix_s: np.ndarray, folder: Path
) -> tuple[np.ndarray, str]:
    jd1, jd2 = tdb_jd(t_unix_s)
    jd = jd1 + jd2
    for table in _horizons_tables(str(folder)):
        names = {k.lower() for k in body.keys}
        match = (body.naif is not None and table.naif == body.naif) or any(
            n in table.target.lower() for n in names)
        if not match or jd.min() < table.jd_tdb[0] or jd.max() > table.jd_tdb[-1]:
            continue
        if len(table.jd_tdb) >= 4:
            from scipy.interpolate import CubicSpline

            xyz = CubicSpline(table.jd_tdb, table.xyz_km, axis=0)(jd)
        else:
            xyz = np.column_stack([np.interp(jd, table.jd_tdb, table.xyz_km[:, i])
                                   for i in range(3)])
        if table.frame == "ECLIPJ2000":
            xyz = xyz @ transforms._ecliptic_matrix(transforms.J2000_JD, 0.0)
        return xyz, f"horizons:{table.target}"
    raise EphemerisUnavailable("no Horizons table covers it")


# --- public API ---------------------------------------------------------------------------


def _earth_icrs(t_unix_s: np.ndarray) -> np.ndarray:
    jd1, jd2 = tdb_jd(t_unix_s)
    return _de421_heliocentric(resolve_body("Earth"), jd1, jd2)


def _lagrange(point: str, earth: np.ndarray, t_unix_s: np.ndarray) -> np.ndarray:
    hill = (MU_EARTH_MOON / 3.0) ** (1.0 / 3.0)
    if point == "L1":
        return earth * (1.0 - hill)
    if point == "L2":
        return earth * (1.0 + hill)
    # L4/L5: Earth's position rotated by +/-60 deg about the pole of its orbit (J2000 ecliptic)
    ecl = transforms._ecliptic_matrix(transforms.J2000_JD, 0.0)
    e = earth @ ecl.T
    angle = np.radians(60.0 if point == "L4" else -60.0)
    c, s = np.cos(angle), np.sin(angle)
    rotated = np.column_stack([c * e[:, 0] - s * e[:, 1], s * e[:, 0] + c * e[:, 1], e[:, 2]])
    return rotated @ ecl


def heliocentric_icrs(
    body: Body, t_unix_s: np.ndarray, earth: np.ndarray
) -> tuple[np.ndarray, str]:
    """One body's Sun-centred ICRS position (n, 3) km and the source that produced it."""
    tried = []
    folder = ephemeris_dir()
    if folder is not None and folder.is_dir():
        for finder in (_spice_heliocentric, _horizons_heliocentric):
            try:
                return finder(body, t_unix_s, folder)
            except EphemerisUnavailable as exc:
                tried.append(f"{finder.__name__.strip('_').split('_')[0]}: {exc}")
    if body.de421:
        jd1, jd2 = tdb_jd(t_unix_s)
        return _de421_heliocentric(body, jd1, jd2), "de421"
    if body.derived:
        return _lagrange(body.derived, earth, t_unix_s), "derived:earth"
    if body.approx == "L1":
        return _lagrange("L1", earth, t_unix_s), "approx:L1"
    when = (f"{np.datetime64(int(np.min(t_unix_s) * 1e6), 'us')}Z"
            if len(t_unix_s) else "no time")
    where = f" in {folder}" if folder else " (STORMS_EPHEMERIS_DIR is not set)"
    raise EphemerisUnavailable(
        f"no ephemeris for {body.name} at {when}: put a SPICE kernel or a Horizons vector "
        f"table covering that time{where}" + (f"; tried {'; '.join(tried)}" if tried else ""))


def positions(bodies, t_unix_s, frame: str = "HEEQ") -> Positions:
    """Positions of ``bodies`` at ``t_unix_s`` (Unix seconds UTC) in ``frame``.

    Returns :class:`Positions` with ``xyz_km`` (n_bodies, n_times, 3) and, per body, the
    ephemeris source that produced it.
    """
    frame = transforms.normalise_frame(frame)
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=float))
    resolved = [resolve_body(b) for b in ([bodies] if isinstance(bodies, str) else bodies)]
    earth = _earth_icrs(t)
    xyz = np.empty((len(resolved), len(t), 3))
    sources = {}
    for i, body in enumerate(resolved):
        xyz[i], sources[body.name] = heliocentric_icrs(body, t, earth)
    out = transforms.icrs_to_frame(xyz, frame, t, earth)
    return Positions([b.name for b in resolved], t, frame, out, sources,
                     constants={"planets": "JPL DE421", "solar_pole": "IAU 2009 (286.13, 63.87)",
                                "precession": "IAU 2006 (erfa)"})
