"""ISTP CDF files (ACE, Wind, Parker Solar Probe, Solar Orbiter) via cdflib.

Every ``VAR_TYPE=data`` variable becomes a parameter of the dataset of its ``DEPEND_0``
time variable (one dataset per time variable). CDF_EPOCH, CDF_EPOCH16 and
CDF_TIME_TT2000 (leap-second aware) become UTC. ``FILLVAL`` and values outside
``VALIDMIN``/``VALIDMAX`` become NaN. A file with zero records is valid and yields
empty datasets.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from ingest.base import DatasetSpec, IngestError, ParameterSpec, ParseResult, TimeSeries
from ingest.http import fetch
from storms.config import Settings

CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
TIME_TYPES = {"CDF_EPOCH", "CDF_EPOCH16", "CDF_TIME_TT2000"}
DEFAULT_FILL = -1.0e31


def sniff_cdf(head: bytes, name: str) -> bool:
    return head[:4] in CDF_MAGIC


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.reshape(()).item()
    return value


def _text(value: Any) -> str:
    value = _scalar(value)
    return "" if value is None else str(value).strip()


def _to_utc(cdf, variable: str, raw: np.ndarray) -> np.ndarray:
    import cdflib

    if raw.size == 0:
        return np.empty(0, dtype="datetime64[ns]")
    return np.asarray(cdflib.cdfepoch.to_datetime(raw), dtype="datetime64[ns]")


def parse_cdf(data: bytes, name: str) -> ParseResult:
    """Read an ISTP CDF into one dataset per DEPEND_0 time variable."""
    import cdflib

    if data[:4] not in CDF_MAGIC:
        raise IngestError(name, "not a CDF file (bad magic number)")
    fd, path = tempfile.mkstemp(suffix=".cdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            cdf = cdflib.CDF(path)
            info = cdf.cdf_info()
            globals_ = cdf.globalattsget()
        except Exception as exc:  # cdflib raises many kinds on corrupt files
            raise IngestError(name, f"unreadable CDF ({type(exc).__name__}: {exc})") from exc
        return _parse_open(cdf, info, globals_, name)
    finally:
        os.unlink(path)


def _parse_open(cdf, info, globals_: dict, name: str) -> ParseResult:
    variables = list(info.zVariables) + list(info.rVariables)
    source = _text(globals_.get("Logical_source")) or os.path.splitext(name)[0]
    title = _text(globals_.get("Logical_source_description")) or source
    by_time: dict[str, list[tuple[str, dict, Any]]] = {}
    for var in variables:
        atts = cdf.varattsget(var)
        if _text(atts.get("VAR_TYPE")).lower() != "data":
            continue
        depend = _text(atts.get("DEPEND_0"))
        if depend not in variables:
            continue
        inq = cdf.varinq(var)
        if inq.Data_Type_Description in ("CDF_CHAR", "CDF_UCHAR") or len(inq.Dim_Sizes) > 1:
            continue
        by_time.setdefault(depend, []).append((var, atts, inq))
    if not by_time:
        raise IngestError(name, "no data variable with a DEPEND_0 time variable")
    result = ParseResult("cdf")
    for k, (time_var, members) in enumerate(sorted(by_time.items(), key=lambda kv: -len(kv[1]))):
        tinq = cdf.varinq(time_var)
        if tinq.Data_Type_Description not in TIME_TYPES:
            raise IngestError(name, f"time variable {time_var} is "
                                    f"{tinq.Data_Type_Description}, not a CDF epoch type")
        n = tinq.Last_Rec + 1
        raw_t = np.asarray(cdf.varget(time_var)) if n > 0 else np.empty(0)
        times = _to_utc(cdf, time_var, raw_t)
        params, columns = [], []
        for var, atts, inq in members:
            size = int(np.prod(inq.Dim_Sizes)) if inq.Dim_Sizes else 1
            fill = _scalar(atts.get("FILLVAL"))
            fill_value = float(fill) if isinstance(fill, (int, float, np.number)) else DEFAULT_FILL
            params.append(ParameterSpec(
                name=var, units=_text(atts.get("UNITS")) or None,
                description=_text(atts.get("CATDESC")) or _text(atts.get("FIELDNAM")),
                size=size, fill=fill_value))
            columns.append(_values(cdf, var, atts, inq, n, size, name))
        dataset_id = source.lower() if k == 0 else f"{source.lower()}_{time_var.lower()}"
        spec = DatasetSpec(dataset_id, title, source, _cadence(times), tuple(params),
                           description=f"{title} ({time_var})")
        values = np.hstack(columns) if columns else np.empty((len(times), 0))
        if len(times) and len(values) != len(times):
            raise IngestError(name, f"{time_var} has {len(times)} records, data {len(values)}")
        good = ~np.isnat(times)
        result.series.append(TimeSeries(spec, times[good], values[good]))
    return result


def _values(cdf, var: str, atts: dict, inq, n: int, size: int, name: str) -> np.ndarray:
    if n == 0 or inq.Last_Rec < 0:
        return np.empty((0, size))
    try:
        raw = np.asarray(cdf.varget(var), dtype=np.float64).reshape(n, size)
    except (ValueError, TypeError) as exc:
        raise IngestError(name, f"variable {var} unreadable ({exc})") from exc
    out = raw.copy()
    fill = _scalar(atts.get("FILLVAL"))
    if isinstance(fill, (int, float, np.number)):
        out[np.isclose(raw, float(fill), rtol=1e-6, atol=0)] = np.nan
    vmin, vmax = atts.get("VALIDMIN"), atts.get("VALIDMAX")
    with np.errstate(invalid="ignore"):
        if vmin is not None and not isinstance(_scalar(vmin), str):
            out[raw < _limit(vmin, raw)] = np.nan
        if vmax is not None and not isinstance(_scalar(vmax), str):
            out[raw > _limit(vmax, raw)] = np.nan
    if inq.Data_Type_Description in ("CDF_REAL4", "CDF_FLOAT"):
        # float32 to the decimal it was written as (8.349, not 8.34899998)
        out = out.astype(np.float32).astype(str).astype(np.float64)
    return out


def _limit(value: Any, raw: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float).ravel(), raw.shape[1:])


def _cadence(times: np.ndarray) -> float | None:
    if len(times) < 2:
        return None
    return float(np.median(np.diff(times)).astype("timedelta64[ms]").astype(np.int64) / 1000.0)


def fetch_cdf(url: str, settings: Settings) -> bytes:
    """Fetch a CDF file (e.g. from CDAWeb) by URL."""
    return fetch(url, settings.http_timeout_s, settings.http_retries)
