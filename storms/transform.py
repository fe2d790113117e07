"""Transform a file of positions or vectors to another frame (the TREPS-like service).

One data layer for ``storms transform``, ``POST /api/v1/transform`` and the ``/transform``
page: read (:mod:`ingest.vector_files`), check, find what the frames need (Earth from DE421, the
spacecraft of RTN from the ephemerides, IERS Earth orientation from astropy's bundled
tables), transform (:func:`propagation.geo_frames.transform_series`) and write.

Every refusal is a :class:`TransformError` naming the file, the row and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ingest.vector_files import (
    FORMATS,
    SeriesFileError,
    VectorSeries,
    frame_from_names,
    output_names,
    read_series,
    write_series,
)
from propagation import geo_frames, igrf
from propagation.ephemerides import EphemerisUnavailable, earth_icrs_km, heliocentric_icrs

MAX_ROWS = 5_000_000
FRAME_CHOICES = geo_frames.FRAMES + ("HGS", "J2000", "HCRS")


class TransformError(ValueError):
    """A request or file that cannot be transformed; the text names file, row and reason."""


@dataclass
class TransformResult:
    """The series as read and as transformed, and what was assumed on the way."""

    source: VectorSeries
    result: VectorSeries
    from_frame: str
    to_frame: str
    kind: str
    notes: list[str] = field(default_factory=list)


def _row_error(series: VectorSeries, mask: np.ndarray, reason: str,
               count: bool = True) -> TransformError:
    i = int(np.flatnonzero(mask)[0])
    more = int(mask.sum()) - 1
    extra = f" ({more} later {series.row_word}(s) too)" if more and count else ""
    when = _iso(series.t_unix_s[i])
    return TransformError(f"{series.source}, {series.row_word} {int(series.rows[i])} "
                          f"({when}): {reason}{extra}")


def _frame(value: str | None, found: str | None, name: str, source: str) -> str:
    if value:
        try:
            return geo_frames.normalise_frame(value)
        except ValueError as exc:
            raise TransformError(f"{name}: {exc}") from None
    if found:
        return geo_frames.normalise_frame(found)
    raise TransformError(f"{source}: the file does not say its frame; give the source frame")


def _scale(unit: str, to: str) -> tuple[float, str]:
    """Factor from ``unit`` to ``to`` (astropy names) and the canonical name of ``to``;
    ValueError if there is none (a logarithmic unit such as dex(nT) is no scale)."""
    import astropy.units as u

    src, dst = u.Unit(unit), u.Unit(to)
    if not (isinstance(src, u.UnitBase) and isinstance(dst, u.UnitBase)):
        raise ValueError("a logarithmic unit is not a scale of the components")
    return float(src.to(dst)), dst.to_string()


def _to_km(series: VectorSeries) -> tuple[np.ndarray, str]:
    if series.unit is None:
        return series.xyz, "positions taken as km (the file gives no unit)"
    try:
        factor, _ = _scale(series.unit, "km")
    except ValueError:  # UnitConversionError and unknown names are ValueErrors
        raise TransformError(f"{series.source}: unit {series.unit!r} of columns "
                             f"{', '.join(series.columns)} is not a length, so these are not "
                             "positions (give kind=vector)") from None
    return series.xyz * factor, ""


def _convert(xyz: np.ndarray, unit: str | None, out_unit: str, source: str
             ) -> tuple[np.ndarray, str]:
    """Components from ``unit`` to ``out_unit`` (astropy names: AU, earthRad, solRad, G...)."""
    if unit is None:
        raise TransformError(f"{source}: the components have no unit to convert to "
                             f"{out_unit!r}; give the unit")
    try:
        factor, name = _scale(unit, out_unit)
    except ValueError as exc:
        raise TransformError(f"out_unit: {out_unit!r} cannot be reached from {unit!r}: "
                             f"{exc}") from None
    return xyz * factor, name


def _orientation(t: np.ndarray) -> tuple[geo_frames.EarthOrientation, str]:
    """IERS UT1-UTC and polar motion from astropy's bundled tables (no download)."""
    import astropy.units as u
    from astropy.time import Time
    from astropy.utils import iers

    obst = Time(t, format="unix")
    table = iers.earth_orientation_table.get()
    dut1, status = table.ut1_utc(obst, return_status=True)
    xp, yp, pm_status = table.pm_xy(obst, return_status=True)
    known = (np.asarray(status) >= 0) & (np.asarray(pm_status) >= 0)
    eo = geo_frames.EarthOrientation(np.where(known, dut1.to_value(u.s), 0.0),
                                     np.where(known, xp.to_value(u.rad), 0.0),
                                     np.where(known, yp.to_value(u.rad), 0.0))
    note = "" if known.all() else (f"{int((~known).sum())} time(s) outside the IERS tables: "
                                   "UT1 - UTC and polar motion taken as 0 there (< 1e-4 rad)")
    return eo, note


def _ephemeris(series: VectorSeries, what, *args):
    try:
        return what(*args)
    except EphemerisUnavailable as exc:
        if exc.missing is not None and exc.missing.any():
            raise _row_error(series, exc.missing, str(exc), count=False) from None
        raise TransformError(f"{series.source}: {exc}") from None


def trajectory_icrs(trajectory: VectorSeries, series: VectorSeries) -> np.ndarray:
    """A spacecraft's heliocentric ICRS positions (km) at the series' times, from a
    trajectory file (positions in any frame), by cubic spline inside its span only."""
    from scipy.interpolate import CubicSpline

    if trajectory.frame is None or trajectory.frame.upper() == "RTN":
        where = "in RTN, which they are to define" if trajectory.frame else \
            "in no frame the file names"
        raise TransformError(f"{trajectory.source}: the trajectory positions "
                             f"({', '.join(trajectory.columns)}) are {where}: name their "
                             "frame (trajectory_frame, a '# frame: HEE' line, or x_hee... "
                             "columns)")
    if len(trajectory.t_unix_s) < 2:
        raise TransformError(f"{trajectory.source}: a trajectory needs two times or more")
    km, _ = _to_km(trajectory)
    if np.isnan(km).any():
        bad = np.isnan(km).any(axis=1)
        raise _row_error(trajectory, bad, "a trajectory position is missing")
    tt = trajectory.t_unix_s
    earth = _ephemeris(trajectory, earth_icrs_km, tt)
    icrs = geo_frames.transform_series(tt, km, geo_frames.normalise_frame(trajectory.frame),
                                       "ICRS", "position", earth)
    outside = (series.t_unix_s < tt[0]) | (series.t_unix_s > tt[-1])
    if outside.any():
        raise _row_error(series, outside, f"outside the span of {trajectory.source} "
                         f"({_iso(tt[0])} to {_iso(tt[-1])})")
    return CubicSpline(tt - tt[0], icrs, axis=0)(series.t_unix_s - tt[0])


def _iso(t: float) -> str:
    return str(np.datetime64(int(round(t * 1e3)), "ms")) + "Z"


def transform_series_file(series: VectorSeries, to_frame: str, *, from_frame: str | None = None,
                          kind: str | None = None, body: str | None = None,
                          trajectory: VectorSeries | None = None,
                          magnetic_model: str = igrf.DEFAULT_MODEL,
                          out_unit: str | None = None) -> TransformResult:
    """Transform a series already read (see :func:`transform_file`); ``out_unit`` converts
    the result (positions come out in km otherwise, vectors in the file's unit)."""
    src = _frame(from_frame, series.frame, "from", series.source)
    dst = _frame(to_frame, None, "to", series.source)
    kind = kind or series.kind
    if kind not in geo_frames.KINDS:
        raise TransformError(f"{series.source}: say whether the columns are a position or a "
                             "vector (kind); the file does not")
    if magnetic_model not in igrf.MODELS:
        raise TransformError(f"magnetic model {magnetic_model!r}: known "
                             f"{', '.join(igrf.MODELS)}")
    t, notes = series.t_unix_s, []
    xyz = series.xyz
    if kind == "position":
        xyz, note = _to_km(series)
        notes += [note] if note else []
    observer = None
    if "RTN" in (src, dst):
        if trajectory is not None:
            observer = trajectory_icrs(trajectory, series)
            notes.append(f"RTN of the spacecraft of {trajectory.source} (cubic spline of its "
                         f"{len(trajectory.t_unix_s)} positions)")
        elif body:
            observer, origin = _ephemeris(series, heliocentric_icrs, body, t)
            notes.append(f"RTN of {body}: trajectory from {origin}")
        else:
            raise TransformError("RTN needs the spacecraft: a body whose ephemeris the "
                                 "service has, or a trajectory file")
    earth = _ephemeris(series, earth_icrs_km, t)
    orientation = None
    if {"GSM", "SM", "MAG"} & {src, dst} and (igrf.decimal_year(t) < 1900).any():
        raise _row_error(series, igrf.decimal_year(t) < 1900, "the IGRF starts in 1900")
    if {"GSM", "SM", "MAG", "GEO"} & {src, dst}:
        orientation, note = _orientation(t)
        notes += [note] if note else []
    if kind == "vector" and "HGC" in (src, dst):
        notes.append("HGC vectors in the Carrington axes seen from Earth (HEEQ turned by L0)")
    if {"GSM", "SM", "MAG"} & {src, dst}:
        notes.append(f"dipole from {magnetic_model.upper()} (g10, g11, h11)")
        notes += [n for n in (igrf.dipole_validity(t, magnetic_model),) if n]
    out = geo_frames.transform_series(t, xyz, src, dst, kind, earth, observer_icrs_km=observer,
                                      magnetic_model=magnetic_model, orientation=orientation)
    unit = "km" if kind == "position" else series.unit
    if out_unit:
        out, unit = _convert(out, unit, out_unit, series.source)
    names = output_names(series, dst, kind)
    result = replace(series, xyz=out, unit=unit, frame=dst, kind=kind,
                     columns=(names[0], names[1], names[2]))
    return TransformResult(series, result, src, dst, kind, notes)


def transform_file(data: bytes, name: str, to_frame: str, *, from_frame: str | None = None,
                   kind: str | None = None, body: str | None = None,
                   in_format: str | None = None, time_column: str | None = None,
                   columns: list[str] | None = None, unit: str | None = None,
                   magnetic_model: str = igrf.DEFAULT_MODEL,
                   trajectory: tuple[bytes, str] | None = None,
                   trajectory_columns: list[str] | None = None,
                   trajectory_frame: str | None = None,
                   out_unit: str | None = None) -> TransformResult:
    """Read a CSV, VOTable or CDF file and transform its series to ``to_frame``.

    For RTN, ``trajectory`` is (data, name) of a file of the spacecraft's positions, or
    ``trajectory_columns`` names three position columns of the same file (their frame from
    their names, e.g. x_hee, or ``trajectory_frame``)."""
    if in_format is not None and in_format not in FORMATS:
        raise TransformError(f"format {in_format!r}: known {', '.join(FORMATS)}")
    if trajectory and trajectory_columns:
        raise TransformError("trajectory_columns: give a trajectory file or position columns "
                             "of this file, not both")
    try:
        series = read_series(data, name, format=in_format, time_column=time_column,
                             columns=columns, unit=unit)
        track = read_series(*trajectory) if trajectory else None
        if trajectory_columns:
            track = read_series(data, name, format=in_format, time_column=time_column,
                                columns=trajectory_columns)
            track = replace(track, frame=frame_from_names(*trajectory_columns) or track.frame)
    except SeriesFileError as exc:
        raise TransformError(str(exc)) from None
    if track is not None and trajectory_frame:
        track = replace(track, frame=_frame(trajectory_frame, None, "trajectory_frame", name))
    if len(series.t_unix_s) > MAX_ROWS:
        raise TransformError(f"{name}: {len(series.t_unix_s)} rows, more than {MAX_ROWS}")
    return transform_series_file(series, to_frame, from_frame=from_frame, kind=kind, body=body,
                                 trajectory=track, magnetic_model=magnetic_model,
                                 out_unit=out_unit)


def write_result(result: TransformResult, out_format: str) -> bytes:
    """The transformed series as a file (``csv``, ``votable`` or ``cdf``)."""
    if out_format not in FORMATS:
        raise TransformError(f"output format {out_format!r}: known {', '.join(FORMATS)}")
    return write_series(result.result, out_format, frame=result.to_frame, kind=result.kind)
