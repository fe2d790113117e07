"""VOTable: the first table; the time FIELD by xtype ``timestamp``, UCD ``time.epoch`` or
name (ISO strings, or MJD/JD numbers by name or unit ``d``); units from FIELD ``unit``;
frame and kind from PARAMs named ``frame`` and ``kind`` (as written here) or the names."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import numpy as np

from .model import (
    TIME_NAMES,
    SeriesFileError,
    VectorSeries,
    check_times,
    common_unit,
    frame_from_names,
    iso_to_unix,
    kind_from,
)

_MJD0_UNIX_S = -3506716800.0  # MJD 0 = 1858-11-17T00:00 UTC


def _time_field(fields, source: str) -> str:
    for f in fields:
        if (f.xtype or "") == "timestamp" or (f.ucd or "").lower().startswith("time.epoch"):
            return f.name
    for f in fields:
        if f.name.lower() in TIME_NAMES + ("mjd", "jd"):
            return f.name
    raise SeriesFileError(source, "no time FIELD found (xtype timestamp, ucd time.epoch, or "
                          f"a name like time); fields: {', '.join(f.name for f in fields)}")


def _times(table, field, rows: np.ndarray, source: str) -> np.ndarray:
    col = table.array[field.name]
    if col.dtype.kind in "OUS":
        t = iso_to_unix(np.asarray(col.filled("") if hasattr(col, "filled") else col, str))
        bad = np.isnan(t)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SeriesFileError(source, f"{col[i]!r} is not an ISO 8601 UTC time",
                                  int(rows[i]), field.name, "record")
        return t
    values = np.ma.filled(np.asarray(col, dtype=float), np.nan)
    name, unit = field.name.lower(), str(field.unit or "").lower()
    if "mjd" in name:
        return _MJD0_UNIX_S + values * 86400.0
    if name.endswith("jd") or "jd" in name.split("_"):
        return (values - 2400000.5) * 86400.0 + _MJD0_UNIX_S
    if unit == "s":
        return values
    raise SeriesFileError(source, f"numeric time column with unit {field.unit!r}: name it "
                          "mjd or jd, or give seconds since 1970 (unit s)", column=field.name)


def read_votable(data: bytes, source: str, time_column: str | None,
                 columns: Sequence[str] | None, unit: str | None) -> VectorSeries:
    from astropy.io.votable import parse

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vot = parse(io.BytesIO(data), verify="ignore")
        table = vot.get_first_table()
    except Exception as exc:  # astropy raises many kinds on a broken VOTable
        raise SeriesFileError(source, f"unreadable VOTable ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    fields = {f.name: f for f in table.fields}
    time_column = time_column or _time_field(table.fields, source)
    for wanted in [time_column, *(columns or [])]:
        if wanted not in fields:
            raise SeriesFileError(source, f"unknown column {wanted!r}; columns: "
                                  f"{', '.join(fields)}", column=wanted)
    numeric = [n for n, f in fields.items() if n != time_column
               and table.array[n].dtype.kind in "fiu" and table.array[n].ndim == 1]
    if columns is not None:
        if len(columns) != 3:
            raise SeriesFileError(source, f"give three component columns, not {len(columns)}")
        triple = tuple(columns)
    elif len(numeric) == 3:
        triple = tuple(numeric)
    else:
        from .csv_format import _pick_triple

        triple = _pick_triple([time_column, *numeric], time_column, source)
    n = len(table.array)
    if n == 0:
        raise SeriesFileError(source, "no records")
    rows = np.arange(n)
    t = _times(table, fields[time_column], rows, source)
    check_times(t, rows, source, time_column, "record")
    try:
        xyz = np.stack([np.ma.filled(np.asarray(table.array[c], dtype=float), np.nan)
                        for c in triple], axis=-1)
    except (TypeError, ValueError):
        raise SeriesFileError(source, f"columns {', '.join(triple)} are not all numbers") \
            from None
    params = {p.name.lower(): str(p.value) for p in table.params}
    file_unit = common_unit([str(fields[c].unit) if fields[c].unit else None for c in triple],
                            triple, unit, source)
    frame = (params.get("frame") or "").upper() or frame_from_names(
        *triple, table.name, table.description and str(table.description))
    kind = (params.get("kind") or "").lower() or kind_from(file_unit, triple)
    return VectorSeries(t, xyz, (triple[0], triple[1], triple[2]), file_unit, frame, kind,
                        time_column, rows, source, "record")


def write_votable(series: VectorSeries, frame: str, kind: str, names: list[str]) -> bytes:
    from astropy.io.votable.tree import Field, Param, Resource, TableElement, VOTableFile

    vot = VOTableFile()
    resource = Resource()
    vot.resources.append(resource)
    table = TableElement(vot, name=f"series_{frame.lower()}")
    resource.tables.append(table)
    table.params.extend([
        Param(vot, name="frame", datatype="char", arraysize="*", value=frame),
        Param(vot, name="kind", datatype="char", arraysize="*", value=kind)])
    table.fields.append(Field(vot, name="time", datatype="char", arraysize="*",
                              xtype="timestamp", ucd="time.epoch"))
    for name, axis in zip(names, "xyz", strict=True):
        table.fields.append(Field(vot, name=name, datatype="double", unit=series.unit,
                                  ucd=f"pos.cartesian.{axis}" if kind == "position" else None))
    n = len(series.t_unix_s)
    table.create_arrays(n)
    t = np.round(series.t_unix_s * 1e3).astype("int64").astype("datetime64[ms]")
    table.array["time"] = np.char.add(t.astype(str), "Z")
    for i, name in enumerate(names):
        table.array[name] = series.xyz[:, i]
    out = io.BytesIO()
    vot.to_xml(out, tabledata_format="binary2")
    return out.getvalue()
