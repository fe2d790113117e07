"""CDF (ISTP): the series is one float variable with three components per record and a
``DEPEND_0`` epoch (read by :func:`ingest.cdf.parse_cdf`, so FILLVAL, VALIDMIN/VALIDMAX and
the three epoch types are handled as for ingest); written with cdflib as CDF_TIME_TT2000
and a CDF_DOUBLE (n, 3) variable with ISTP attributes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

import numpy as np

from ingest.base import IngestError
from ingest.cdf import parse_cdf

from .model import (
    SeriesFileError,
    VectorSeries,
    check_times,
    common_unit,
    frame_from_names,
    kind_from,
)

_TT2000_UNIX_S = 946727935.816  # Unix time of TT2000 0 (2000-01-01T11:58:55.816 UTC)


def read_cdf(data: bytes, source: str, time_column: str | None,
             columns: Sequence[str] | None, unit: str | None) -> VectorSeries:
    try:
        parsed = parse_cdf(data, source)
    except IngestError as exc:
        raise SeriesFileError(source, exc.reason) from None
    candidates = [(s, p, k) for s in parsed.series for k, p in enumerate(s.dataset.parameters)
                  if p.size == 3]
    if columns:
        if len(columns) != 1:
            raise SeriesFileError(source, "a CDF series is one variable of three components: "
                                  "give its name (columns=BGSEc)")
        chosen = [c for c in candidates if c[1].name == columns[0]]
        if not chosen:
            raise SeriesFileError(source, f"unknown variable {columns[0]!r}; three-component "
                                  f"variables: {', '.join(c[1].name for c in candidates)}",
                                  column=columns[0])
    else:
        chosen = candidates
    if not chosen:
        raise SeriesFileError(source, "no variable with three components per record")
    if len(chosen) > 1:
        raise SeriesFileError(source, "several three-component variables ("
                              f"{', '.join(c[1].name for c in chosen)}): name one (columns)")
    series, param, k = chosen[0]
    time_var = series.dataset.description.rsplit("time variable ", 1)[-1].rstrip(")")
    if time_column and time_column != time_var:
        raise SeriesFileError(source, f"{param.name} depends on {time_var}, not "
                              f"{time_column!r}", column=time_column)
    problems = [r for r in parsed.rejected if str(r.record).startswith(f"{time_var} record ")]
    if problems:
        raise SeriesFileError(source, f"{problems[0].record}: {problems[0].reason}")
    n = len(series.times)
    if n == 0:
        raise SeriesFileError(source, f"no records ({param.name} and {time_var} are empty)")
    offset = sum(p.size for p in series.dataset.parameters[:k])
    xyz = series.values[:, offset:offset + 3]
    t = series.times.astype("datetime64[ns]").astype("int64") / 1e9
    rows = np.arange(n)
    check_times(t, rows, source, time_var, "record")
    names = (f"{param.name}[0]", f"{param.name}[1]", f"{param.name}[2]")
    file_unit = common_unit([param.units] * 3, names, unit, source)
    frame = frame_from_names(param.name, param.description)
    return VectorSeries(t, xyz, names, file_unit, frame,
                        kind_from(file_unit, (param.name,)), time_var, rows, source, "record")


def write_cdf(series: VectorSeries, frame: str, kind: str, name: str) -> bytes:
    from cdflib import cdfwrite

    tt2000 = np.round((series.t_unix_s - _TT2000_UNIX_S) * 1e9).astype(np.int64)
    tt2000 = _leap_seconds(series.t_unix_s, tt2000)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.cdf")
        cdf = cdfwrite.CDF(path, cdf_spec={"Majority": "row_major"})
        cdf.write_globalattrs({
            "Project": {0: "Storms"}, "Data_type": {0: f"{frame} {kind}"},
            "Logical_source": {0: f"storms_transform_{frame.lower()}"},
            "Source_name": {0: series.source}})
        cdf.write_var(
            {"Variable": "Epoch", "Data_Type": 33, "Num_Elements": 1, "Rec_Vary": True,
             "Dim_Sizes": []},
            {"FIELDNAM": "Time", "UNITS": "ns", "VAR_TYPE": "support_data",
             "FILLVAL": [np.int64(-9223372036854775808), "CDF_TIME_TT2000"],
             "CATDESC": "Time (UTC, CDF_TIME_TT2000)"}, tt2000)
        cdf.write_var(
            {"Variable": name, "Data_Type": 45, "Num_Elements": 1, "Rec_Vary": True,
             "Dim_Sizes": [3]},
            {"FIELDNAM": name, "UNITS": series.unit or " ", "VAR_TYPE": "data",
             "DEPEND_0": "Epoch", "FILLVAL": -1.0e31, "COORDINATE_SYSTEM": frame,
             "CATDESC": f"{kind} in {frame}", "DISPLAY_TYPE": "time_series"},
            np.where(np.isnan(series.xyz), -1.0e31, series.xyz))
        cdf.close()
        with open(path, "rb") as handle:
            return handle.read()


def _leap_seconds(t_unix_s: np.ndarray, tt2000: np.ndarray) -> np.ndarray:
    """Add the leap seconds since 2000 (TT2000 counts SI seconds, Unix time does not)."""
    import erfa

    day = np.floor(t_unix_s / 86400.0).astype("int64").astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    dat = erfa.dat(day.astype("datetime64[Y]").astype(int) + 1970, month.astype(int) % 12 + 1,
                   (day - month).astype(int) + 1, 0.0)
    return tt2000 + np.round((np.asarray(dat) - 32.0) * 1e9).astype(np.int64)
