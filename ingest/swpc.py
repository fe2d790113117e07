"""NOAA SWPC real-time solar wind: ``products/solar-wind`` and ``json/rtsw`` JSON.

``products/solar-wind/plasma-*.json`` / ``mag-*.json``: an array of arrays, row 0 the
header, every value a string or null, time tags ``YYYY-MM-DD HH:MM:SS.fff`` in UTC with
no Z. ``json/rtsw/rtsw_mag_1m.json`` / ``rtsw_wind_1m.json``: objects, newest first, one
row per spacecraft (ACE, DSCOVR) per minute; ``active`` marks the operational one.
"""

from __future__ import annotations

import json
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

FILL = -1.0e31

PRODUCT_PLASMA = DatasetSpec(
    id="swpc_rt_plasma",
    title="NOAA SWPC real-time solar wind plasma at L1 (1-min)",
    source="NOAA SWPC products/solar-wind plasma",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("density", "cm^-3", "Proton density", fill=FILL),
        ParameterSpec("speed", "km/s", "Bulk speed", fill=FILL),
        ParameterSpec("temperature", "K", "Proton temperature", fill=FILL),
    ),
    description="Real-time solar wind from the operational L1 spacecraft (DSCOVR or ACE).",
)
PRODUCT_MAG = DatasetSpec(
    id="swpc_rt_mag",
    title="NOAA SWPC real-time interplanetary magnetic field at L1, GSM (1-min)",
    source="NOAA SWPC products/solar-wind mag",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("b_gsm", "nT", "IMF Bx, By, Bz in GSM", size=3, fill=FILL),
        ParameterSpec("lon_gsm", "deg", "IMF longitude in GSM", fill=FILL),
        ParameterSpec("lat_gsm", "deg", "IMF latitude in GSM", fill=FILL),
        ParameterSpec("bt", "nT", "IMF magnitude", fill=FILL),
    ),
    description="Real-time IMF from the operational L1 spacecraft (DSCOVR or ACE).",
)
_PRODUCT_COLUMNS = {
    "swpc_rt_plasma": ["density", "speed", "temperature"],
    "swpc_rt_mag": ["bx_gsm", "by_gsm", "bz_gsm", "lon_gsm", "lat_gsm", "bt"],
}

RTSW_MAG = DatasetSpec(
    id="swpc_rtsw_mag",
    title="NOAA SWPC RTSW magnetic field at L1, active spacecraft (1-min)",
    source="NOAA SWPC json/rtsw/rtsw_mag_1m",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("bt", "nT", "IMF magnitude", fill=FILL),
        ParameterSpec("b_gse", "nT", "IMF Bx, By, Bz in GSE", size=3, fill=FILL),
        ParameterSpec("b_gsm", "nT", "IMF Bx, By, Bz in GSM", size=3, fill=FILL),
        ParameterSpec("theta_gsm", "deg", "IMF latitude in GSM", fill=FILL),
        ParameterSpec("phi_gsm", "deg", "IMF longitude in GSM", fill=FILL),
        ParameterSpec("quality", None, "overall_quality flag (0 good)", fill=FILL),
        ParameterSpec("spacecraft", None, "Active spacecraft: 0 ACE, 1 DSCOVR", fill=FILL),
    ),
    description="Only the row marked active (the spacecraft in operational use) is kept.",
)
RTSW_WIND = DatasetSpec(
    id="swpc_rtsw_wind",
    title="NOAA SWPC RTSW solar wind plasma at L1, active spacecraft (1-min)",
    source="NOAA SWPC json/rtsw/rtsw_wind_1m",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("proton_speed", "km/s", "Proton bulk speed", fill=FILL),
        ParameterSpec("proton_density", "cm^-3", "Proton density", fill=FILL),
        ParameterSpec("proton_temperature", "K", "Proton temperature", fill=FILL),
        ParameterSpec("v_gse", "km/s", "Proton velocity Vx, Vy, Vz in GSE", size=3, fill=FILL),
        ParameterSpec("quality", None, "overall_quality flag (0 good)", fill=FILL),
        ParameterSpec("spacecraft", None, "Active spacecraft: 0 ACE, 1 DSCOVR", fill=FILL),
    ),
    description="Only the row marked active (the spacecraft in operational use) is kept.",
)
_RTSW_COLUMNS = {
    "swpc_rtsw_mag": ["bt", "bx_gse", "by_gse", "bz_gse", "bx_gsm", "by_gsm", "bz_gsm",
                      "theta_gsm", "phi_gsm", "overall_quality"],
    "swpc_rtsw_wind": ["proton_speed", "proton_density", "proton_temperature",
                       "proton_vx_gse", "proton_vy_gse", "proton_vz_gse", "overall_quality"],
}
_SPACECRAFT_CODE = {"ACE": 0.0, "DSCOVR": 1.0}


def _load_json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(name, f"not valid JSON ({exc})") from exc


def sniff_products(head: bytes, name: str) -> bool:
    text = head.lstrip()[:200].replace(b" ", b"").replace(b"\n", b"")
    return text.startswith(b'[["time_tag",') and (b'"density"' in text or b'"bx_gsm"' in text)


def sniff_rtsw(head: bytes, name: str) -> bool:
    text = head.lstrip()[:1500]
    return text.startswith(b"[") and b'"time_tag"' in text and b'"active"' in text and (
        b'"bt"' in text or b'"proton_speed"' in text
    )


def _times(values: list[Any], name: str, rejected: list[RecordError], offset: int):
    """Parse time strings; a bad one is rejected with its row number."""
    out = np.empty(len(values), dtype="datetime64[ns]")
    ok = np.ones(len(values), dtype=bool)
    for i, v in enumerate(values):
        try:
            out[i] = np.datetime64(str(v).rstrip("Z").replace(" ", "T"), "ns")
        except (ValueError, TypeError):
            ok[i] = False
            rejected.append(RecordError(f"row {i + offset}", f"bad time_tag {v!r}"))
    return out, ok


def _floats(rows: list[list[Any]], name: str, rejected: list[RecordError], offset: int):
    """Strings/numbers/nulls to float64 with NaN; unreadable rows are rejected."""
    width = len(rows[0]) if rows else 0
    out = np.full((len(rows), width), np.nan)
    ok = np.ones(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        try:
            out[i] = [np.nan if v is None or v == "" else float(v) for v in row]
        except (ValueError, TypeError) as exc:
            ok[i] = False
            rejected.append(RecordError(f"row {i + offset}", f"non-numeric value ({exc})"))
    return out, ok


def parse_products(data: bytes, name: str) -> ParseResult:
    """Parse ``plasma-*.json`` or ``mag-*.json`` (array of arrays, strings, nulls)."""
    table = _load_json(data, name)
    if not isinstance(table, list) or not table or not isinstance(table[0], list):
        raise IngestError(name, "expected an array of arrays with a header row", "row 0")
    header = table[0]
    if not header or header[0] != "time_tag":
        raise IngestError(name, f"first header column is {header[:1]!r}, not 'time_tag'", "row 0")
    spec = None
    for candidate in (PRODUCT_PLASMA, PRODUCT_MAG):
        if all(c in header for c in _PRODUCT_COLUMNS[candidate.id]):
            spec = candidate
    if spec is None:
        raise IngestError(name, f"unknown columns {header!r} (expected plasma or mag)", "row 0")
    rows = table[1:]
    rejected: list[RecordError] = []
    good_rows = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(header):
            rejected.append(RecordError(f"row {i}", f"expected {len(header)} values"))
        else:
            good_rows.append(row)
    cols = [header.index(c) for c in _PRODUCT_COLUMNS[spec.id]]
    times, t_ok = _times([r[0] for r in good_rows], name, rejected, 1)
    values, v_ok = _floats([[r[c] for c in cols] for r in good_rows], name, rejected, 1)
    keep = t_ok & v_ok
    ts = TimeSeries(spec, times[keep], values[keep].reshape(int(keep.sum()), spec.width))
    return ParseResult("swpc-products", series=[ts], rejected=rejected)


def parse_rtsw(data: bytes, name: str) -> ParseResult:
    """Parse ``rtsw_mag_1m.json`` / ``rtsw_wind_1m.json``, keeping the active rows."""
    rows = _load_json(data, name)
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        raise IngestError(name, "expected a non-empty array of objects", "record 0")
    first = rows[0]
    if "bt" in first:
        spec = RTSW_MAG
    elif "proton_speed" in first:
        spec = RTSW_WIND
    else:
        raise IngestError(name, "neither an RTSW mag nor wind record", "record 0")
    columns = _RTSW_COLUMNS[spec.id]
    rejected: list[RecordError] = []
    kept = []
    for i, rec in enumerate(rows):
        if not isinstance(rec, dict) or "time_tag" not in rec:
            rejected.append(RecordError(f"record {i}", "not an object with a time_tag"))
        elif rec.get("active") is True:
            kept.append((i, rec))
    times, t_ok = _times([r["time_tag"] for _, r in kept], name, rejected, 0)
    matrix = [
        [r.get(c) for c in columns] + [_SPACECRAFT_CODE.get(str(r.get("source")), None)]
        for _, r in kept
    ]
    values, v_ok = _floats(matrix, name, rejected, 0) if matrix else (
        np.empty((0, spec.width)), np.ones(0, bool))
    keep = t_ok & v_ok
    times, values = times[keep], values[keep]
    order = np.argsort(times, kind="stable")  # the file is newest first
    ts = TimeSeries(spec, times[order], values[order].reshape(len(order), spec.width))
    return ParseResult("swpc-rtsw", series=[ts], rejected=rejected)


def fetch_products(which: str, settings: Settings) -> bytes:
    """Fetch ``plasma`` or ``mag`` 7-day product (URL from the settings)."""
    return fetch(settings.source_urls[f"swpc_{which}"], settings.http_timeout_s,
                 settings.http_retries)


def fetch_rtsw(which: str, settings: Settings) -> bytes:
    """Fetch ``mag`` or ``wind`` RTSW 1-minute JSON."""
    return fetch(settings.source_urls[f"swpc_rtsw_{which}"], settings.http_timeout_s,
                 settings.http_retries)
