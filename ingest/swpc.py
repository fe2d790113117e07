"""NOAA SWPC real-time JSON: ``products/solar-wind``, ``json/rtsw`` and ``json/goes``.

``products/solar-wind/plasma-*.json`` / ``mag-*.json``: an array of arrays, row 0 the
header, every value a string or null (rows may be partly null), time tags
``YYYY-MM-DD HH:MM:SS.fff`` in UTC with no Z, ascending.

``json/rtsw/rtsw_mag_1m.json`` / ``rtsw_wind_1m.json``: an array of objects with numeric
values, **newest first**, one row per spacecraft (ACE, DSCOVR; since 2026 also SOLAR1 =
SWFO-L1 and IMAP) per minute; ``active: true`` marks the spacecraft in operational use,
and only that row is kept. ``-9999`` is SWPC's "not reported" value (seen on
``max_data_flag``) and becomes NaN like ``null``.

``json/goes/primary/xrays-*.json`` and ``differential-protons-*.json``: objects, one per
time and band/channel, ascending, time tags with a Z.

Every parameter is served with the fill -1e31 for NaN (HAPI convention; SWPC itself
uses null, so no source fill needs preserving).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

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
NOT_REPORTED = -9999.0
SPACECRAFT_CODE = {"ACE": 0.0, "DSCOVR": 1.0, "SOLAR1": 2.0, "IMAP": 3.0}
_SPACECRAFT_TEXT = "0 ACE, 1 DSCOVR, 2 SOLAR1 (SWFO-L1), 3 IMAP"


def _p(name: str, units: str | None, description: str, size: int = 1) -> ParameterSpec:
    return ParameterSpec(name, units, description, size=size, fill=FILL)


PRODUCT_PLASMA = DatasetSpec(
    id="swpc_rt_plasma",
    title="NOAA SWPC real-time solar wind plasma at L1 (1-min)",
    source="NOAA SWPC products/solar-wind plasma",
    cadence_s=60.0,
    parameters=(
        _p("density", "cm^-3", "Proton density"),
        _p("speed", "km/s", "Proton bulk speed"),
        _p("temperature", "K", "Proton temperature"),
    ),
    description="Real-time solar wind from the operational L1 spacecraft (DSCOVR or ACE), "
                "as published in products/solar-wind/plasma-*.json.",
)
PRODUCT_MAG = DatasetSpec(
    id="swpc_rt_mag",
    title="NOAA SWPC real-time interplanetary magnetic field at L1, GSM (1-min)",
    source="NOAA SWPC products/solar-wind mag",
    cadence_s=60.0,
    parameters=(
        _p("b_gsm", "nT", "IMF Bx, By, Bz in GSM", size=3),
        _p("lon_gsm", "deg", "IMF longitude in GSM (0-360)"),
        _p("lat_gsm", "deg", "IMF latitude in GSM"),
        _p("bt", "nT", "IMF magnitude"),
    ),
    description="Real-time IMF from the operational L1 spacecraft (DSCOVR or ACE), "
                "as published in products/solar-wind/mag-*.json.",
)
_PRODUCT_COLUMNS = {
    "swpc_rt_plasma": ["density", "speed", "temperature"],
    "swpc_rt_mag": ["bx_gsm", "by_gsm", "bz_gsm", "lon_gsm", "lat_gsm", "bt"],
}

_ACTIVE_NOTE = (" Only the row marked active (the spacecraft in operational use) is kept; "
                "minutes with no active row are absent.")
RTSW_MAG = DatasetSpec(
    id="swpc_rtsw_mag",
    title="NOAA SWPC RTSW magnetic field at L1, active spacecraft (1-min)",
    source="NOAA SWPC json/rtsw/rtsw_mag_1m",
    cadence_s=60.0,
    parameters=(
        _p("bt", "nT", "IMF magnitude"),
        _p("b_gse", "nT", "IMF Bx, By, Bz in GSE", size=3),
        _p("theta_gse", "deg", "IMF latitude in GSE"),
        _p("phi_gse", "deg", "IMF longitude in GSE (0-360)"),
        _p("b_gsm", "nT", "IMF Bx, By, Bz in GSM", size=3),
        _p("theta_gsm", "deg", "IMF latitude in GSM"),
        _p("phi_gsm", "deg", "IMF longitude in GSM (0-360)"),
        _p("sample_size", None, "Number of samples in the minute"),
        _p("max_telemetry_flag", None, "Worst telemetry flag in the minute (0 good)"),
        _p("max_data_flag", None, "Worst data flag in the minute (0 good; -9999 'not "
                                  "reported' served as fill)"),
        _p("overall_quality", None, "Overall quality flag (0 good); gate on this one"),
        _p("spacecraft", None, f"Active spacecraft: {_SPACECRAFT_TEXT}"),
    ),
    description="Real-time IMF from json/rtsw/rtsw_mag_1m." + _ACTIVE_NOTE,
)
RTSW_WIND = DatasetSpec(
    id="swpc_rtsw_wind",
    title="NOAA SWPC RTSW solar wind plasma at L1, active spacecraft (1-min)",
    source="NOAA SWPC json/rtsw/rtsw_wind_1m",
    cadence_s=60.0,
    parameters=(
        _p("proton_speed", "km/s", "Proton bulk speed"),
        _p("proton_density", "cm^-3", "Proton density"),
        _p("proton_temperature", "K", "Proton temperature"),
        _p("proton_v_gse", "km/s", "Proton velocity Vx, Vy, Vz in GSE", size=3),
        _p("proton_v_gsm", "km/s", "Proton velocity Vx, Vy, Vz in GSM", size=3),
        _p("proton_sample_size", None, "Number of proton samples in the minute"),
        _p("alpha_speed", "km/s", "Alpha bulk speed"),
        _p("alpha_density", "cm^-3", "Alpha density"),
        _p("alpha_temperature", "K", "Alpha temperature"),
        _p("max_data_flag", None, "Worst data flag in the minute (0 good)"),
        _p("max_telemetry_flag", None, "Worst telemetry flag in the minute (0 good)"),
        _p("overall_quality", None, "Overall quality flag (0 good); gate on this one"),
        _p("spacecraft", None, f"Active spacecraft: {_SPACECRAFT_TEXT}"),
    ),
    description="Real-time solar wind from json/rtsw/rtsw_wind_1m." + _ACTIVE_NOTE,
)
_RTSW_COLUMNS = {
    "swpc_rtsw_mag": ["bt", "bx_gse", "by_gse", "bz_gse", "theta_gse", "phi_gse",
                      "bx_gsm", "by_gsm", "bz_gsm", "theta_gsm", "phi_gsm", "sample_size",
                      "max_telemetry_flag", "max_data_flag", "overall_quality"],
    "swpc_rtsw_wind": ["proton_speed", "proton_density", "proton_temperature",
                       "proton_vx_gse", "proton_vy_gse", "proton_vz_gse",
                       "proton_vx_gsm", "proton_vy_gsm", "proton_vz_gsm", "proton_sample_size",
                       "alpha_speed", "alpha_density", "alpha_temperature",
                       "max_data_flag", "max_telemetry_flag", "overall_quality"],
}

GOES_XRAYS = DatasetSpec(
    id="goes_xrs_primary",
    title="GOES primary X-ray flux, XRS 0.05-0.4 nm and 0.1-0.8 nm (1-min)",
    source="NOAA SWPC json/goes/primary/xrays",
    cadence_s=60.0,
    parameters=(
        _p("xrs_short", "W/m^2", "X-ray flux 0.05-0.4 nm"),
        _p("xrs_long", "W/m^2", "X-ray flux 0.1-0.8 nm (flare class)"),
        _p("satellite", None, "GOES satellite number of the primary"),
    ),
    description="SWPC real-time primary GOES XRS irradiance. The satellite may change when "
                "SWPC switches the primary.",
)
GOES_PROTON_CHANNELS = ("P1", "P2A", "P2B", "P3", "P4", "P5", "P6", "P7", "P8A", "P8B",
                        "P8C", "P9", "P10")
GOES_PROTONS = DatasetSpec(
    id="goes_diff_protons_primary",
    title="GOES primary SGPS differential proton flux, 13 channels (5-min)",
    source="NOAA SWPC json/goes/primary/differential-protons",
    cadence_s=300.0,
    parameters=tuple(
        _p(ch.lower(), "cm^-2 s^-1 sr^-1 keV^-1", f"Differential proton flux, channel {ch}")
        for ch in GOES_PROTON_CHANNELS
    ) + (_p("satellite", None, "GOES satellite number of the primary"),
         _p("yaw_flip", None, "Yaw flip state (0 or 1)")),
    description="SWPC real-time primary GOES SGPS differential proton flux; the energy band "
                "of each channel is given by SWPC in keV (e.g. P1 1020-1860 keV).",
)


# --- helpers ------------------------------------------------------------------------------


def _load_json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(name, f"not valid JSON ({exc})") from exc


def _parse_times(values: pd.Series) -> np.ndarray:
    """ISO time tags (space or T, with or without Z) to datetime64[ns]; NaT when bad."""
    text = values.astype("string").str.strip().str.rstrip("Z").str.replace(" ", "T",
                                                                           regex=False)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return parsed.to_numpy(dtype="datetime64[ns]")


def _numeric(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Columns to float64 (absent column, null, "" -> NaN); ``bad`` marks rows holding
    a value that is present but not a number."""
    out = np.full((len(frame), len(columns)), np.nan)
    bad = np.zeros(len(frame), dtype=bool)
    for j, col in enumerate(columns):
        if col not in frame:
            continue
        raw = frame[col]
        if raw.dtype == object:  # strings (products) or mixed
            raw = raw.where(raw != "", None)
        values = pd.to_numeric(raw, errors="coerce")
        if values.dtype == bool:
            values = values.astype(np.float64)
        bad |= (values.isna() & raw.notna()).to_numpy()
        out[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    out[out == NOT_REPORTED] = np.nan
    return out, bad


def _reject_rows(rejected: list[RecordError], rows: np.ndarray, label: str, reason: str,
                 what: pd.Series | None = None) -> None:
    for i in rows[:1000]:
        detail = f" {what.iloc[i]!r}" if what is not None else ""
        rejected.append(RecordError(f"{label} {i}", f"{reason}{detail}"))


# --- products/solar-wind ----------------------------------------------------------------


def sniff_products(head: bytes, name: str) -> bool:
    """An array of arrays whose header row starts with time_tag (plasma or mag)."""
    text = head.lstrip()[:300].replace(b" ", b"").replace(b"\n", b"").replace(b"\r", b"")
    return text.startswith(b'[["time_tag",') and (b'"density"' in text or b'"bx_gsm"' in text)


def parse_products(data: bytes, name: str) -> ParseResult:
    """Parse ``plasma-*.json`` or ``mag-*.json`` (array of arrays, strings, nulls).

    Rows of the wrong length, with an unreadable time tag or a non-numeric value are
    rejected by row number (row 0 being the header); null values give NaN.
    """
    table = _load_json(data, name)
    if not isinstance(table, list) or not table or not isinstance(table[0], list):
        raise IngestError(name, "expected an array of arrays with a header row", "row 0")
    header = table[0]
    if not header or header[0] != "time_tag":
        raise IngestError(name, f"first header column is {header[:1]!r}, not 'time_tag'", "row 0")
    spec = next((s for s in (PRODUCT_PLASMA, PRODUCT_MAG)
                 if all(c in header for c in _PRODUCT_COLUMNS[s.id])), None)
    if spec is None:
        raise IngestError(name, f"unknown columns {header!r} (expected plasma or mag)", "row 0")
    rejected: list[RecordError] = []
    width = len(header)
    shaped = np.array([isinstance(r, list) and len(r) == width for r in table[1:]], dtype=bool)
    _reject_rows(rejected, np.flatnonzero(~shaped) + 1, "row", f"expected {width} values")
    rows = [r for r, ok in zip(table[1:], shaped, strict=True) if ok]
    number = np.flatnonzero(shaped) + 1
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    times = _parse_times(frame["time_tag"]) if len(frame) else np.empty(0, "datetime64[ns]")
    bad_time = np.isnat(times)
    _reject_rows(rejected, number[bad_time], "row", "bad time_tag")
    values, bad_value = _numeric(frame, _PRODUCT_COLUMNS[spec.id])
    bad_value &= ~bad_time
    _reject_rows(rejected, number[bad_value], "row", "non-numeric value")
    keep = ~(bad_time | bad_value)
    rejected.sort(key=lambda r: int(str(r.record).split()[-1]))
    return ParseResult("swpc-products", series=[TimeSeries(spec, times[keep], values[keep])],
                       rejected=rejected)


# --- json/rtsw --------------------------------------------------------------------------


def sniff_rtsw(head: bytes, name: str) -> bool:
    """An array of objects with time_tag, active and bt or proton_speed."""
    text = head.lstrip()[:2000]
    return text.startswith(b"[") and b'"time_tag"' in text and b'"active"' in text and (
        b'"bt"' in text or b'"proton_speed"' in text)


def _records(data: bytes, name: str) -> tuple[list[Any], dict[str, Any]]:
    """The array and its first object (which tells the product)."""
    rows = _load_json(data, name)
    first = next((r for r in rows if isinstance(r, dict)), None) if isinstance(
        rows, list) else None
    if first is None:
        raise IngestError(name, "expected a non-empty array of objects", "record 0")
    return rows, first


def parse_rtsw(data: bytes, name: str) -> ParseResult:
    """Parse ``rtsw_mag_1m.json`` / ``rtsw_wind_1m.json``, keeping the active rows.

    Output is in ascending time. Records that are not objects with a time tag, or hold a
    non-numeric value, are rejected by index in the file; a second active row for the same
    minute is rejected too (the first in the file, i.e. the newest listing, is kept).
    """
    rows, first = _records(data, name)
    if "bt" in first:
        spec = RTSW_MAG
    elif "proton_speed" in first:
        spec = RTSW_WIND
    else:
        raise IngestError(name, "neither an RTSW mag (bt) nor wind (proton_speed) record",
                          "record 0")
    rejected: list[RecordError] = []
    shaped = np.array([isinstance(r, dict) and "time_tag" in r for r in rows], dtype=bool)
    _reject_rows(rejected, np.flatnonzero(~shaped), "record", "not an object with a time_tag")
    index = np.flatnonzero(shaped)
    active = np.array([rows[i].get("active") is True for i in index], dtype=bool)
    index = index[active]
    frame = pd.DataFrame([rows[i] for i in index])
    times = _parse_times(frame["time_tag"]) if len(frame) else np.empty(0, "datetime64[ns]")
    bad_time = np.isnat(times)
    _reject_rows(rejected, index[bad_time], "record", "bad time_tag")
    values, bad_value = _numeric(frame, _RTSW_COLUMNS[spec.id])
    bad_value &= ~bad_time
    _reject_rows(rejected, index[bad_value], "record", "non-numeric value")
    source = frame["source"] if "source" in frame else pd.Series([None] * len(frame))
    code = source.map(SPACECRAFT_CODE).to_numpy(dtype=np.float64, na_value=np.nan)
    keep = ~(bad_time | bad_value)
    times, values, code, index = times[keep], values[keep], code[keep], index[keep]
    duplicate = pd.Series(times).duplicated(keep="first").to_numpy()
    _reject_rows(rejected, index[duplicate], "record", "second active row for its minute")
    order = np.argsort(times[~duplicate], kind="stable")  # the file is newest first
    values = np.column_stack([values, code])[~duplicate][order]
    rejected.sort(key=lambda r: int(str(r.record).split()[-1]))
    return ParseResult("swpc-rtsw", series=[TimeSeries(spec, times[~duplicate][order], values)],
                       rejected=rejected)


# --- json/goes (not in the registry yet: see sniff_goes) ----------------------------------


def sniff_goes(head: bytes, name: str) -> bool:
    """GOES ``xrays-*.json`` or ``differential-protons-*.json`` (objects with satellite,
    flux and energy, and no ``active``, so RTSW never matches)."""
    text = head.lstrip()[:1000]
    return (text.startswith(b"[") and b'"time_tag"' in text and b'"satellite"' in text
            and b'"flux"' in text and b'"energy"' in text and b'"active"' not in text)


def parse_goes(data: bytes, name: str) -> ParseResult:
    """Parse SWPC GOES X-ray (two bands) or differential proton (13 channels) JSON.

    One record per time: bands/channels become parameters. A record with an unknown band
    or channel, a bad time tag or a non-numeric flux is rejected by index.
    """
    rows, first = _records(data, name)
    if "channel" in first:
        spec, key, labels = GOES_PROTONS, "channel", list(GOES_PROTON_CHANNELS)
        extra = ["satellite", "yaw_flip"]
    elif str(first.get("energy", "")).endswith("nm"):
        spec, key, labels = GOES_XRAYS, "energy", ["0.05-0.4nm", "0.1-0.8nm"]
        extra = ["satellite"]
    else:
        raise IngestError(name, "neither GOES X-ray nor differential proton records",
                          "record 0")
    rejected: list[RecordError] = []
    shaped = np.array([isinstance(r, dict) and "time_tag" in r and key in r for r in rows])
    _reject_rows(rejected, np.flatnonzero(~shaped), "record", f"no time_tag or {key}")
    index = np.flatnonzero(shaped)
    frame = pd.DataFrame([rows[i] for i in index])
    times = _parse_times(frame["time_tag"])
    column = frame[key].map({lab: j for j, lab in enumerate(labels)}).to_numpy(
        dtype=np.float64, na_value=np.nan)
    flux, bad_flux = _numeric(frame, ["flux"])
    side, bad_side = _numeric(frame, extra)
    bad_time, unknown = np.isnat(times), np.isnan(column)
    _reject_rows(rejected, index[bad_time], "record", "bad time_tag")
    _reject_rows(rejected, index[unknown & ~bad_time], "record", f"unknown {key}")
    bad = bad_time | unknown | bad_flux | bad_side
    _reject_rows(rejected, index[(bad_flux | bad_side) & ~(bad_time | unknown)], "record",
                 "non-numeric value")
    keep = ~bad
    stamps, slot = times[keep], column[keep].astype(np.intp)
    unique, row = np.unique(stamps, return_inverse=True)
    values = np.full((len(unique), spec.width), np.nan)
    values[row, slot] = flux[keep, 0]  # a repeated (time, channel) keeps its last value
    values[row, len(labels):] = side[keep]
    rejected.sort(key=lambda r: int(str(r.record).split()[-1]))
    return ParseResult("swpc-goes", series=[TimeSeries(spec, unique, values)],
                       rejected=rejected)


# --- fetchers ---------------------------------------------------------------------------


def fetch_products(kind: str, settings: Settings) -> bytes:
    """Fetch the ``plasma`` or ``mag`` product; URL ``swpc_<kind>`` of the settings
    (default the 7-day files under services.swpc.noaa.gov/products/solar-wind)."""
    return _fetch(f"swpc_{kind}", ("plasma", "mag"), kind, settings)


def fetch_rtsw(kind: str, settings: Settings) -> bytes:
    """Fetch the ``mag`` or ``wind`` RTSW 1-minute JSON; URL ``swpc_rtsw_<kind>``."""
    return _fetch(f"swpc_rtsw_{kind}", ("mag", "wind"), kind, settings)


def _fetch(key: str, allowed: tuple[str, ...], kind: str, settings: Settings) -> bytes:
    if kind not in allowed:
        raise ValueError(f"kind must be one of {allowed}, not {kind!r}")
    return fetch(settings.source_urls[key], settings.http_timeout_s, settings.http_retries)
