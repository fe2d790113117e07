"""ISTP CDF files (ACE, Wind, Parker Solar Probe, Solar Orbiter) via cdflib.

Every ``VAR_TYPE=data`` variable becomes a parameter of the dataset of its ``DEPEND_0``
time variable: one dataset per time variable. The time variable with the most data
variables gives the dataset named after ``Logical_source`` (lowercase); any other one
gives ``<logical_source>_<time variable>``. A time variable on which only
record-varying ``support_data`` depends (the PSP FIELDS quality flags on
``epoch_quality_flags``) still gets a dataset of its own, since ISTP files label such
flag series ``support_data``.

Times: CDF_EPOCH (ms since 0000-01-01), CDF_EPOCH16 (s + ps since 0000-01-01) and
CDF_TIME_TT2000 (ns since J2000 TT, leap-second aware) all become UTC
``datetime64[ns]``. A record whose time is the FILLVAL or pad value, outside the
``datetime64[ns]`` range, inside a leap second (``23:59:60.x`` has no UTC
``datetime64``) or a repeat of an earlier time is rejected and counted.

Values: ``FILLVAL`` and values outside ``VALIDMIN``/``VALIDMAX`` (per component for
vectors) become NaN; NaN already in the file stays NaN. The time variable's own
VALIDMIN/VALIDMAX are ignored: ACE K2 states a VALIDMAX of 2020-01-01 on ``Epoch`` in
a 2022 file. A file with zero records (Solar Orbiter) is valid and yields empty
datasets. Row- and column-major and file-compressed CDFs are read alike.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.base import (
    DatasetSpec,
    IngestError,
    ParameterSpec,
    ParseResult,
    RecordError,
    TimeSeries,
)
from ingest.http import fetch
from storms.config import Settings

log = logging.getLogger(__name__)

#: First magic word: CDF 3.x, CDF 2.6, CDF 2.5 and earlier.
CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
#: Second magic word: uncompressed, file-compressed.
CDF_MAGIC2 = (b"\x00\x00\xff\xff", b"\xcc\xcc\x00\x01")
TIME_TYPES = ("CDF_EPOCH", "CDF_EPOCH16", "CDF_TIME_TT2000")
SKIPPED_TYPES = ("CDF_CHAR", "CDF_UCHAR", *TIME_TYPES)
DEFAULT_FILL = -1.0e31
#: CDF_EPOCH / CDF_EPOCH16 count from 0000-01-01; this is 1970-01-01 in their seconds.
EPOCH0_TO_UNIX_S = 62167219200.0
#: J2000 (2000-01-01T12:00 TT) as POSIX seconds of UTC, approximately (range checks only).
TT2000_TO_UNIX_S = 946727935.816
#: TT2000 fill (-2**63) and pad values (-2**63 + 1 ...) written by the CDF library.
TT2000_LOWEST_VALID = -(2**63) + 3
#: datetime64[ns] spans 1677-09-21 to 2262-04-11; keep a margin.
UNIX_S_RANGE = (-9.2e9, 9.2e9)


def sniff_cdf(head: bytes, name: str) -> bool:
    """True for a CDF file: both magic words (uncompressed or compressed) match.

    Parameters
    ----------
    head : bytes
        The first bytes of the file (at least 8).
    name : str
        The file name (not used: the magic numbers are decisive).
    """
    return head[:4] in CDF_MAGIC and head[4:8] in CDF_MAGIC2


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.reshape(()).item()
    return value


def _text(value: Any) -> str:
    value = _scalar(value)
    return "" if value is None else str(value).strip()


def _units(value: Any) -> str | None:
    """UNITS, with ISTP's blank and literal "None" (dimensionless flags) as None."""
    text = _text(value)
    return None if text.lower() in ("", "none") else text


def _number(value: Any) -> float | None:
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return None
    return float(value)


@dataclass
class _Var:
    name: str
    atts: dict[str, Any]
    inq: Any
    size: int


def parse_cdf(data: bytes, name: str) -> ParseResult:
    """Read an ISTP CDF into one dataset per ``DEPEND_0`` time variable.

    Parameters
    ----------
    data : bytes
        The whole CDF file (cdflib reads it from a temporary file).
    name : str
        The file name, used in errors and as dataset id when ``Logical_source`` is absent.

    Returns
    -------
    ParseResult
        ``series``: one :class:`TimeSeries` per time variable, times UTC
        ``datetime64[ns]``, values float64 in the variables' own ``UNITS`` with NaN for
        fill, out-of-range and missing values. ``rejected``: records with unusable times.

    Raises
    ------
    IngestError
        Not a CDF, a CDF cdflib cannot read (truncated, corrupt), no data variable with a
        CDF epoch ``DEPEND_0``, or data variables whose record counts contradict their
        time variable.
    """
    import cdflib

    if not data:
        raise IngestError(name, "empty file")
    if not sniff_cdf(data[:8], name):
        raise IngestError(name, f"not a CDF file (magic number {data[:8].hex()})")
    _check_complete(data, name)
    fd, path = tempfile.mkstemp(suffix=".cdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            cdf = cdflib.CDF(path)
            return _parse_open(cdf, name)
        except IngestError:
            raise
        except Exception as exc:  # cdflib raises many kinds on corrupt files
            raise IngestError(name, f"unreadable CDF ({type(exc).__name__}: {exc})") from exc
    finally:
        os.unlink(path)


def _check_complete(data: bytes, name: str) -> None:
    """Refuse a truncated or structurally corrupt file before cdflib walks it.

    cdflib reads what is there, so a file cut after its last variable data would pass
    silently; and it follows entry counts blindly, so one corrupt count (2**31 attribute
    entries) keeps it seeking for hours. Checked here: the GDR end-of-file offset against
    the length, and every count of the GDR and of each attribute descriptor (ADR)
    against what the file size could hold. CDF 3 offsets are 8-byte big-endian, CDF 2.x
    4-byte. A compressed file holds one CCR whose record size must fit in the file; its
    inner structure is cdflib's to check.
    """
    wide = data[:4] == CDF_MAGIC[0]
    off = 8 if wide else 4
    size = len(data)

    def word(at: int, width: int = off) -> int:
        if at < 0 or size < at + width:
            raise IngestError(name, f"truncated CDF: {size} bytes, a header at byte {at} "
                                    "is incomplete")
        return int.from_bytes(data[at:at + width], "big", signed=True)

    if data[4:8] == CDF_MAGIC2[1]:
        end = 8 + word(8)
        if size < end:
            raise IngestError(name, f"truncated CDF: {size} of {end} bytes "
                                    "(compressed CCR record)")
        return
    gdr = word(8 + off + 4)
    end = word(gdr + 4 * off + 4)
    if size < end:
        raise IngestError(name, f"truncated CDF: {size} of {end} bytes (GDR end-of-file offset)")
    # GDR: rVDRhead, zVDRhead, ADRhead, eof (offsets), NrVars, NumAttr, rMaxRec, rNumDims,
    # NzVars (4-byte counts)
    counts_at = gdr + off + 4 + 4 * off
    n_rvars, n_attrs, n_zvars = word(counts_at, 4), word(counts_at + 4, 4), word(counts_at + 16, 4)
    limit = size // 16  # no descriptor record is smaller than 16 bytes
    for what, n in (("rVariables", n_rvars), ("attributes", n_attrs), ("zVariables", n_zvars)):
        if not 0 <= n <= limit:
            raise IngestError(name, f"corrupt CDF: {n} {what} cannot fit in {size} bytes")
    n_rdims = word(counts_at + 12, 4)
    if not 0 <= n_rdims <= 10:  # CDF allows at most 10 dimensions
        raise IngestError(name, f"corrupt CDF: {n_rdims} rVariable dimensions")
    # VDR chains (rVDRhead, zVDRhead): each zVariable's number of dimensions
    dims_at = 340 if wide else 128  # zNumDims, after the 256- (64-) byte name
    for head, n, z in ((gdr + off + 4, n_rvars, False), (gdr + 2 * off + 4, n_zvars, True)):
        vdr = word(head)
        for i in range(n):
            if not 0 < vdr < size:
                raise IngestError(name, f"corrupt CDF: variable descriptor {i} at {vdr} "
                                        "outside the file")
            if z and not 0 <= word(vdr + dims_at, 4) <= 10:
                raise IngestError(name, f"corrupt CDF: zVariable {i} has "
                                        f"{word(vdr + dims_at, 4)} dimensions")
            if wide:
                _check_vdr3(data, name, vdr, limit, word)
            vdr = word(vdr + off + 4)
    adr = word(gdr + off + 4 + 2 * off)
    for i in range(n_attrs):
        # ADR: next ADR, AgrEDRhead (offsets), Scope, Num, NgrEntries, MAXgrEntry, rfuA
        # (4 bytes each), AzEDRhead (offset), NzEntries
        base = adr + off + 4
        n_gr = word(base + 2 * off + 8, 4)
        n_z = word(base + 2 * off + 20 + off, 4)
        if not (0 <= n_gr <= limit and 0 <= n_z <= limit):
            raise IngestError(name, f"corrupt CDF: attribute {i} claims {n_gr}+{n_z} entries "
                                    f"in {size} bytes")
        adr = word(base)
        if i < n_attrs - 1 and not 0 < adr < size:
            raise IngestError(name, f"corrupt CDF: attribute {i + 1} offset {adr} outside "
                                    "the file")


def _check_vdr3(data: bytes, name: str, vdr: int, limit: int, word: Any) -> None:
    """A CDF 3 variable descriptor: element count, and its VXR tree (entry counts, offsets
    inside the file, no cycles), which cdflib follows without limits."""
    size = len(data)
    n_elems = word(vdr + 64, 4)
    if not 0 <= n_elems <= size:
        raise IngestError(name, f"corrupt CDF: variable at {vdr} claims {n_elems} elements")
    pending, seen = [word(vdr + 28)], set[int]()
    while pending:
        vxr = pending.pop()
        while vxr != 0:
            if vxr in seen or not 0 < vxr < size or len(seen) > limit:
                raise IngestError(name, f"corrupt CDF: index record (VXR) at {vxr} is "
                                        "outside the file or loops")
            seen.add(vxr)
            n_entries, n_used = word(vxr + 20, 4), word(vxr + 24, 4)
            if not (0 <= n_used <= n_entries <= limit):
                raise IngestError(name, f"corrupt CDF: index record at {vxr} claims "
                                        f"{n_used} of {n_entries} entries")
            for k in range(n_used):
                target = word(vxr + 28 + 8 * n_entries + 8 * k)
                if not 0 < target < size:
                    raise IngestError(name, f"corrupt CDF: index record at {vxr} points "
                                            f"outside the file ({target})")
                if word(target + 8, 4) == 6:  # a nested VXR
                    pending.append(target)
            vxr = word(vxr + 12)


def _parse_open(cdf: Any, name: str) -> ParseResult:
    info = cdf.cdf_info()
    globals_ = cdf.globalattsget()
    source = _text(globals_.get("Logical_source")) or os.path.splitext(name)[0]
    title = _text(globals_.get("Logical_source_description")) or source
    variables = list(info.zVariables) + list(info.rVariables)
    data_vars: dict[str, list[_Var]] = {}
    support_vars: dict[str, list[_Var]] = {}
    for var in variables:
        atts = cdf.varattsget(var)
        var_type = _text(atts.get("VAR_TYPE")).lower()
        depend = _text(atts.get("DEPEND_0"))
        if var_type not in ("data", "support_data") or depend not in variables:
            continue
        inq = cdf.varinq(var)
        if inq.Data_Type_Description in SKIPPED_TYPES or not inq.Rec_Vary:
            continue
        if len(inq.Dim_Sizes) > 1:
            log.info("%s: %s has %d dimensions; not ingested", name, var, len(inq.Dim_Sizes))
            continue
        size = int(np.prod(inq.Dim_Sizes)) if inq.Dim_Sizes else 1
        target = data_vars if var_type == "data" else support_vars
        target.setdefault(depend, []).append(_Var(var, atts, inq, size))
    if not data_vars:
        raise IngestError(name, "no data variable (VAR_TYPE=data) with a DEPEND_0 time variable")
    # primary axis: most data variables, ties to the first in the file; then the others,
    # then time variables with only support data (quality flags)
    axes = sorted(data_vars, key=lambda t: (-len(data_vars[t]), variables.index(t)))
    axes += [t for t in variables if t in support_vars and t not in data_vars]
    result = ParseResult("cdf")
    for k, time_var in enumerate(axes):
        members = data_vars.get(time_var) or support_vars[time_var]
        dataset_id = source.lower() if k == 0 else f"{source.lower()}_{time_var.lower()}"
        result.series.append(_series(cdf, name, dataset_id, source, title, time_var, members,
                                     result.rejected))
    return result


def _series(cdf: Any, name: str, dataset_id: str, source: str, title: str, time_var: str,
            members: list[_Var], rejected: list) -> TimeSeries:
    tinq = cdf.varinq(time_var)
    ttype = tinq.Data_Type_Description
    if ttype not in TIME_TYPES:
        raise IngestError(name, f"time variable {time_var} is {ttype}, not a CDF epoch type")
    n = tinq.Last_Rec + 1
    raw_t = np.asarray(cdf.varget(time_var)).reshape(n) if n > 0 else np.empty(0)
    times, bad = _to_utc(raw_t, ttype, _scalar(cdf.varattsget(time_var).get("FILLVAL")))
    params, columns = [], []
    for v in members:
        fill = _number(v.atts.get("FILLVAL"))
        params.append(ParameterSpec(
            name=v.name, units=_units(v.atts.get("UNITS")),
            description=_text(v.atts.get("CATDESC")) or _text(v.atts.get("FIELDNAM")),
            size=v.size, fill=DEFAULT_FILL if fill is None else fill))
        columns.append(_values(cdf, v, n, name, time_var))
    spec = DatasetSpec(dataset_id, title, source, None, tuple(params),
                       description=f"{title} (time variable {time_var})")
    values = np.hstack(columns) if columns else np.empty((n, 0))
    for i, reason in bad.items():
        rejected.append(RecordError(f"{time_var} record {i}", reason))
    keep = np.ones(n, dtype=bool)
    keep[list(bad)] = False
    # a repeated time (after removing unusable ones) is rejected; the first one is kept
    order = np.flatnonzero(keep)
    _, first = np.unique(times[order], return_index=True)
    dup = np.setdiff1d(order, order[first])
    for i in dup.tolist():
        rejected.append(RecordError(f"{time_var} record {i}",
                                    f"repeats the time {times[i]} of an earlier record"))
    keep[dup] = False
    times, values = times[keep], values[keep]
    spec = DatasetSpec(spec.id, spec.title, spec.source, _cadence(times), spec.parameters,
                       description=spec.description)
    return TimeSeries(spec, times, values)


def _to_utc(raw: np.ndarray, ttype: str, fill: Any) -> tuple[np.ndarray, dict[int, str]]:
    """CDF epoch values to UTC ``datetime64[ns]``, and the unusable records with why.

    Parameters
    ----------
    raw : ndarray
        CDF_EPOCH float64 ms, CDF_EPOCH16 complex128 (s, ps) or CDF_TIME_TT2000 int64 ns.
    ttype : str
        The CDF data type name.
    fill : scalar
        The time variable's FILLVAL.

    Returns
    -------
    times : ndarray of datetime64[ns]
        UTC; NaT where unusable.
    bad : dict
        Record index -> reason.
    """
    import cdflib

    n = raw.shape[0]
    bad: dict[int, str] = {}
    if n == 0:
        return np.empty(0, dtype="datetime64[ns]"), bad
    if ttype == "CDF_TIME_TT2000":
        raw = raw.astype(np.int64)
        unix_s = raw / 1e9 + TT2000_TO_UNIX_S
        is_fill = raw < TT2000_LOWEST_VALID
    elif ttype == "CDF_EPOCH16":
        raw = raw.astype(np.complex128)
        unix_s = raw.real - EPOCH0_TO_UNIX_S
        is_fill = (raw.real <= 0) | (raw.real == DEFAULT_FILL)
    else:
        raw = raw.astype(np.float64)
        unix_s = raw / 1e3 - EPOCH0_TO_UNIX_S
        is_fill = (raw <= 0) | (raw == DEFAULT_FILL)
    fill_value = _number(fill) if ttype != "CDF_EPOCH16" else None
    if fill_value is not None:
        is_fill |= raw == (np.int64(fill) if ttype == "CDF_TIME_TT2000" else fill_value)
    out_of_range = ~is_fill & ((unix_s < UNIX_S_RANGE[0]) | (unix_s > UNIX_S_RANGE[1]))
    usable = ~(is_fill | out_of_range)
    times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if usable.any():
        times[usable] = np.asarray(cdflib.cdfepoch.to_datetime(raw[usable]),
                                   dtype="datetime64[ns]")
    if ttype == "CDF_TIME_TT2000" and usable.any():
        # cdflib maps 23:59:60.x onto the next day's 00:00:00.x; such a record is the one
        # whose time does not move when one SI second is added
        idx = np.flatnonzero(usable)
        later = np.asarray(cdflib.cdfepoch.to_datetime(raw[idx] + 1_000_000_000),
                           dtype="datetime64[ns]")
        for i in idx[later - times[idx] < np.timedelta64(1, "s")].tolist():
            day = (times[i] - np.timedelta64(1, "s")).astype("datetime64[D]")
            bad[i] = (f"time inside the leap second {day}T23:59:60 (TT2000 {raw[i]}): "
                      "not representable as UTC datetime64")
    for i in np.flatnonzero(is_fill).tolist():
        bad[i] = f"time is the fill/pad value ({raw[i]})"
    for i in np.flatnonzero(out_of_range).tolist():
        bad[i] = f"time {raw[i]} outside 1678-2261 (datetime64[ns] range)"
    return times, dict(sorted(bad.items()))


def _values(cdf: Any, v: _Var, n: int, name: str, time_var: str) -> np.ndarray:
    """One variable as float64 (n, size): FILLVAL and out-of-range values -> NaN."""
    have = v.inq.Last_Rec + 1
    if have > n:
        raise IngestError(name, f"variable {v.name} has {have} records but its DEPEND_0 "
                                f"{time_var} has {n}")
    out = np.full((n, v.size), np.nan)
    if have <= 0:
        return out  # no records written (ACE Time_PB5, Solar Orbiter): missing
    raw = np.asarray(cdf.varget(v.name), dtype=np.float64).reshape(have, v.size)
    fill = _number(v.atts.get("FILLVAL"))
    bad = np.isnan(raw)
    if fill is not None:
        bad |= np.isclose(raw, fill, rtol=1e-6, atol=0)
    with np.errstate(invalid="ignore"):
        for key, outside in (("VALIDMIN", np.less), ("VALIDMAX", np.greater)):
            limit = _limit(v.atts.get(key), v.size)
            if limit is not None:
                bad |= outside(raw, limit)
    if v.inq.Data_Type_Description in ("CDF_REAL4", "CDF_FLOAT"):
        # float32 to the decimal it was written as (8.349, not 8.348999977)
        raw = raw.astype(np.float32).astype(str).astype(np.float64)
    raw[bad] = np.nan
    out[:have] = raw
    return out


def _limit(value: Any, size: int) -> np.ndarray | None:
    """VALIDMIN/VALIDMAX as an array broadcastable to a (n, size) record block."""
    if value is None or isinstance(_scalar(value), (str, bytes)):
        return None
    try:
        limit = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if limit.size not in (1, size):
        return None
    return limit


def _cadence(times: np.ndarray) -> float | None:
    """Median spacing of the records in seconds, None with fewer than two."""
    if len(times) < 2:
        return None
    step = np.median(np.diff(np.sort(times)).astype(np.int64)) / 1e9
    return float(step)


def fetch_cdf(url: str, settings: Settings) -> bytes:
    """Fetch a CDF file (e.g. from CDAWeb or SPDF) by URL.

    Parameters
    ----------
    url : str
        http(s) URL of the ``.cdf`` file.
    settings : Settings
        ``http_timeout_s`` (s) and ``http_retries``.

    Returns
    -------
    bytes
        The whole file, for :func:`parse_cdf`.

    Raises
    ------
    ingest.http.FetchError
        The server failed, refused or could not be reached.
    """
    return fetch(url, settings.http_timeout_s, settings.http_retries)
