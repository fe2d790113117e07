"""Solar FITS images: CLIMSO (Pic du Midi) first, other coronagraph/disk FITS alike.

CLIMSO files are published as ``imoa_<wavelength>_<channel>_<YYYYMMDD>_<HHMMSSss>_<type>.fts.bz2``
(the pipeline undoes the bzip2 first). Channels: L1 H-alpha 656.3 nm disk, L2 Ca II K
393.4 nm disk, C1 H-alpha 656.3 nm prominences (coronagraph), C2 He I 1083 nm or
Fe XIII 1074.7 nm corona. The header gives the metadata; a PNG preview is made; the FITS
itself is kept for download.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import numpy as np

from ingest.base import ImageRecord, IngestError, ParseResult
from ingest.http import fetch
from storms.config import Settings

CLIMSO_NAME = re.compile(
    r"^imoa_(?P<wl>\d{5})_(?P<channel>l1|l2|c1|c2)_(?P<date>\d{8})_(?P<time>\d{8})_"
    r"(?P<kind>emi1|bri1)\.fts$", re.IGNORECASE)
CLIMSO_CHANNELS = {
    "L1": ("H-alpha disk", 656.3),
    "L2": ("Ca II K disk", 393.4),
    "C1": ("H-alpha prominences", 656.3),
    "C2": ("He I / Fe XIII corona", 1083.0),
}
PREVIEW_MAX_PX = 512
_WAVE_UNITS = {"nm": 1.0, "nanometer": 1.0, "nanometers": 1.0, "angstrom": 0.1, "a": 0.1,
               "um": 1000.0, "micron": 1000.0, "m": 1e9}


def sniff_fits(head: bytes, name: str) -> bool:
    return head.startswith(b"SIMPLE  =")


def climso_name(name: str) -> dict[str, Any] | None:
    """Metadata in a CLIMSO file name, or None if it is not one."""
    m = CLIMSO_NAME.match(name)
    if not m:
        return None
    d, t = m.group("date"), m.group("time")
    when = np.datetime64(f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:6]}.{t[6:8]}", "ms")
    channel = m.group("channel").upper()
    wl_nm = int(m.group("wl")) / 10.0
    if channel == "C2":
        wl_nm = wl_nm if wl_nm > 1000 else CLIMSO_CHANNELS["C2"][1]
    return {"channel": channel, "wavelength_nm": wl_nm, "time": when,
            "product": m.group("kind").lower()}


def _header_time(header) -> np.datetime64 | None:
    for key in ("DATE-OBS", "DATE_OBS", "DATE-BEG"):
        value = str(header.get(key) or "").strip()
        if not value:
            continue
        if "T" not in value and len(value) <= 10:
            extra = str(header.get("TIME-OBS") or "").strip()
            value = f"{value}T{extra}" if extra else value
        value = value.replace("/", "-").rstrip("Z")
        try:
            return np.datetime64(value, "ms")
        except ValueError:
            continue
    return None


def _wavelength_nm(header) -> float | None:
    value = header.get("WAVELNTH")
    if not isinstance(value, (int, float)) or value <= 0:
        return None
    unit = str(header.get("WAVEUNIT") or "").strip().lower()
    if unit in _WAVE_UNITS:
        return float(value) * _WAVE_UNITS[unit]
    return float(value) / 10.0 if value > 2000 else float(value)  # Angstrom by convention


def _jsonable_header(header) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for card in header.cards:
        key = card.keyword
        if not key or key in ("COMMENT", "HISTORY") or key in out:
            continue
        value = card.value
        if isinstance(value, (bool, int, float, str)):
            if isinstance(value, float) and not np.isfinite(value):
                value = str(value)
            out[key] = value
    return out


def preview_png(image: np.ndarray, max_px: int = PREVIEW_MAX_PX) -> bytes:
    """A PNG of ``image`` (FITS orientation, row 0 at the bottom), asinh-stretched."""
    from PIL import Image

    data = np.asarray(image, dtype=np.float64)
    finite = np.isfinite(data)
    if not finite.any():
        scaled = np.zeros(data.shape, dtype=np.uint8)
    else:
        lo, hi = np.percentile(data[finite], [1.0, 99.7])
        span = hi - lo if hi > lo else 1.0
        norm = np.clip((np.where(finite, data, lo) - lo) / span, 0.0, 1.0)
        stretched = np.arcsinh(10.0 * norm) / np.arcsinh(10.0)
        scaled = (stretched * 255.0).astype(np.uint8)
    img = Image.fromarray(scaled[::-1])
    img.thumbnail((max_px, max_px))
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def parse_fits(data: bytes, name: str) -> ParseResult:
    """One FITS image (the first HDU holding a 2-D array)."""
    from astropy.io import fits

    if not data.startswith(b"SIMPLE  ="):
        raise IngestError(name, "not a FITS file (no SIMPLE card)")
    if len(data) % 2880 and b"\nSIMPLE" not in data[:200] and data.count(b"\n") > 10:
        raise IngestError(name, "a FITS header as text with no data unit; nothing to store")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hdul = fits.open(io.BytesIO(data), memmap=False, lazy_load_hdus=False)
            hdu = next((h for h in hdul if h.data is not None and np.ndim(h.data) == 2), None)
            if hdu is None:
                raise IngestError(name, "no 2-D image in any HDU")
            image = np.asarray(hdu.data, dtype=np.float64)
            header = hdu.header if hdu is not hdul[0] else hdul[0].header
    except IngestError:
        raise
    except Exception as exc:  # astropy raises OSError, ValueError, TypeError on bad files
        raise IngestError(name, f"unreadable FITS ({type(exc).__name__}: {exc})") from exc
    from_name = climso_name(name)
    when = _header_time(header) or (from_name or {}).get("time")
    if when is None:
        raise IngestError(name, "no observation time (DATE-OBS, DATE_OBS or a CLIMSO name)")
    telescope = str(header.get("TELESCOP") or "").strip()
    instrument = str(header.get("INSTRUME") or "").strip()
    is_climso = from_name is not None or "CLIMSO" in (telescope + instrument).upper()
    if is_climso:
        channel = (from_name or {}).get("channel") or str(header.get("CHANNEL") or "?").upper()
        wavelength = (from_name or {}).get("wavelength_nm") or _wavelength_nm(header)
        instrument_name, observatory = "CLIMSO", "Pic du Midi"
    else:
        channel = str(header.get("DETECTOR") or header.get("FILTER") or "").strip() or "image"
        wavelength = _wavelength_nm(header)
        instrument_name = instrument or telescope or "unknown"
        observatory = str(header.get("OBSRVTRY") or telescope or "").strip() or None
    exposure = header.get("EXPTIME")
    record = ImageRecord(
        instrument=instrument_name,
        channel=channel,
        observation_time=np.datetime64(when, "ms"),
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        fits_bytes=data,
        file_name=name if name.lower().endswith((".fts", ".fits", ".fit")) else f"{name}.fits",
        preview_png=preview_png(image),
        observatory=observatory,
        wavelength_nm=wavelength,
        exposure_s=float(exposure) if isinstance(exposure, (int, float)) else None,
        units=str(header.get("BUNIT") or "").strip() or None,
        header=_jsonable_header(header),
    )
    return ParseResult("fits", images=[record])


def fetch_climso(url: str, settings: Settings) -> bytes:
    """A CLIMSO file (``.fts.bz2``) by URL."""
    return fetch(url, settings.http_timeout_s, settings.http_retries)
