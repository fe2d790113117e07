"""Solar FITS images: CLIMSO (Pic du Midi) first, other disk and coronagraph FITS alike.

CLIMSO files are published as
``imoa_<wavelength, 5 digits, 0.1 nm>_<channel>_<YYYYMMDD>_<HHMMSSss>_<emi1|bri1>.fts.bz2``
(the pipeline undoes the bzip2 first and passes the name without ``.bz2``). Channels:
L1 H-alpha 656.3 nm disk, L2 Ca II K 393.4 nm disk, C1 H-alpha 656.3 nm prominences
(coronagraph), C2 He I 1083.0 nm prominences or Fe XIII 1074.7 nm corona (coronagraph).

The header gives the metadata (the CLIMSO name fills what the header lacks); the pixels
give a PNG preview; the FITS itself is kept, byte for byte, for download.

Notes
-----
* Integer pixels are read raw and scaled here: BLANK (which refers to the raw stored
  value, before BSCALE/BZERO) becomes NaN, then ``physical = raw * BSCALE + BZERO`` in
  float64. So BITPIX=16 with BZERO=32768 (unsigned 16-bit, e.g. STEREO COR1) comes out
  as 0..65535, and the header kept in the record still has its BZERO/BSCALE cards.
* Real CLIMSO headers use ``DATE_OBS`` (underscore) and ``RSUN_OBS`` and the published
  images have solar north up with the first FITS row at the *top*, which is why users
  flip them before handing them to sunpy. The preview therefore does not flip CLIMSO
  images, and flips every other FITS (standard convention: first row at the bottom).
* A FITS header saved as text (one card per line, no data unit, such as sunpy's
  ``gong_halpha.header``) is refused: :func:`header_from_text` reads it into a header
  for :func:`image_metadata`, but there is no image to keep.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from ingest.base import ImageRecord, IngestError, ParseResult
from ingest.http import fetch
from storms.config import Settings

log = logging.getLogger(__name__)

FITS_MAGIC = b"SIMPLE  ="
CLIMSO_NAME = re.compile(
    r"^imoa_(?P<wl>\d{5})_(?P<channel>l1|l2|c1|c2)_(?P<date>\d{8})_(?P<time>\d{8})_"
    r"(?P<product>emi1|bri1)\.(?:fts|fits|fit)(?:\.bz2|\.gz)?$",
    re.IGNORECASE,
)
#: channel -> (description, default wavelength in nm)
CLIMSO_CHANNELS = {
    "L1": ("H-alpha chromosphere, full disk", 656.3),
    "L2": ("Ca II K chromosphere, full disk", 393.4),
    "C1": ("H-alpha prominences, coronagraph", 656.3),
    "C2": ("He I prominences or Fe XIII corona, coronagraph", 1083.0),
}
CLIMSO_OBSERVATORY = "Pic du Midi"
PREVIEW_MAX_PX = 512
MAX_PIXELS = 100_000_000  # refuse images whose float64 copy would need more than 800 MB
_CORONAGRAPH = re.compile(
    r"coronagraph|\bLASCO\b|\bCOR[12]\b|\bK-?COR\b|\bMK[34]\b|\bU?COMP\b|\bMETIS\b",
    re.IGNORECASE,
)
_WAVE_UNITS_NM = {
    "nm": 1.0, "nanometer": 1.0, "nanometers": 1.0, "nanometre": 1.0,
    "a": 0.1, "angstrom": 0.1, "angstroms": 0.1, "0.1 nm": 0.1,
    "um": 1000.0, "micron": 1000.0, "microns": 1000.0, "micrometer": 1000.0,
    "m": 1e9, "cm": 1e7, "mm": 1e6,
}
_ISO_TIME = re.compile(
    r"^(?P<y>\d{4})[-/](?P<mo>\d{2})[-/](?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?)?Z?$"
)
_OLD_DATE = re.compile(r"^(?P<d>\d{2})/(?P<mo>\d{2})/(?P<y>\d{2})$")  # FITS before 1997
_TIME_OF_DAY = re.compile(r"^(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?Z?$")
_YEARS = (1900, 2100)


# --- sniffing and names -------------------------------------------------------------------


def sniff_fits(head: bytes, name: str) -> bool:
    """True for a FITS file (its first card is ``SIMPLE  =``)."""
    return head.startswith(FITS_MAGIC)


def climso_name(name: str) -> dict[str, Any] | None:
    """What a CLIMSO file name says, or None if ``name`` is not in the CLIMSO scheme.

    Parameters
    ----------
    name : str
        A file name (any directory part is ignored), e.g.
        ``imoa_06563_c1_20240313_09472619_bri1.fts``.

    Returns
    -------
    dict or None
        ``channel`` ("L1", "L2", "C1", "C2"), ``wavelength_nm`` (the 5 digits are in
        0.1 nm: 06563 -> 656.3), ``product`` ("emi1" or "bri1") and ``time``
        (datetime64[ns], hundredths of seconds from the name), or None for ``time`` when
        the date or time in the name is impossible (e.g. month 13).
    """
    base = re.split(r"[\\/]", name)[-1]
    m = CLIMSO_NAME.match(base)
    if not m:
        return None
    d, t = m.group("date"), m.group("time")
    text = f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:6]}.{t[6:8]}"
    return {
        "channel": m.group("channel").upper(),
        "wavelength_nm": int(m.group("wl")) / 10.0,
        "time": _parse_time(text),
        "time_text": f"{d}_{t}",
        "product": m.group("product").lower(),
    }


# --- header values ------------------------------------------------------------------------


def _parse_time(text: str, time_of_day: str | None = None) -> np.datetime64 | None:
    """An ISO-like FITS date/time (or old dd/mm/yy date plus ``time_of_day``), or None."""
    text = text.strip()
    m = _ISO_TIME.match(text)
    if m:
        y, mo, d = m.group("y"), m.group("mo"), m.group("d")
        h, mi, s, f = m.group("h"), m.group("mi"), m.group("s"), m.group("f")
    else:
        m = _OLD_DATE.match(text)
        if not m:
            return None
        y, mo, d = f"19{m.group('y')}", m.group("mo"), m.group("d")  # FITS: dd/mm/yy = 19yy
        h = mi = s = f = None
    if h is None and time_of_day:
        t = _TIME_OF_DAY.match(time_of_day.strip())
        if t is None:
            return None
        h, mi, s, f = t.group("h"), t.group("mi"), t.group("s"), t.group("f")
    h, mi, s = h or "00", mi or "00", s or "00"
    leap = s == "60"  # a leap second: numpy has none, so it becomes the next second
    try:
        when = np.datetime64(f"{y}-{mo}-{d}T{h}:{mi}:{'59' if leap else s}", "ns")
    except ValueError:
        return None
    if leap:
        when += np.timedelta64(1, "s")
    if f:
        when += np.timedelta64(int(f[:9].ljust(9, "0")), "ns")
    if not _YEARS[0] <= int(y) <= _YEARS[1]:
        return None
    return when


def header_time(header) -> tuple[np.datetime64 | None, str | None]:
    """Observation start from the header, and the keyword(s) it came from.

    ``DATE-OBS``, then ``DATE_OBS``, then ``DATE-BEG``; a date-only value takes the time
    of day from ``TIME-OBS`` (or ``TIME_OBS``). Values that cannot be read are skipped.
    """
    time_of_day = next(
        (str(header[k]).strip() for k in ("TIME-OBS", "TIME_OBS")
         if isinstance(header.get(k), str) and str(header[k]).strip()),
        None,
    )
    for key in ("DATE-OBS", "DATE_OBS", "DATE-BEG"):
        value = header.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        when = _parse_time(value)
        if when is not None and len(value.strip()) <= 10 and time_of_day:
            with_time = _parse_time(value, time_of_day)
            if with_time is not None:
                return with_time, f"{key}+TIME-OBS"
        if when is not None:
            return when, key
    return None, None


def header_wavelength_nm(header) -> float | None:
    """``WAVELNTH`` in nm: unit from ``WAVEUNIT``, else from a ``[A]``/``[nm]`` comment,
    else Angstrom above 2000 and nm below (the SolarSoft habit). None for 0 or absent."""
    value = header.get("WAVELNTH")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        return None
    unit = str(header.get("WAVEUNIT") or "").strip().lower()
    if not unit:
        bracket = re.search(r"\[([^\]]+)\]", header.comments["WAVELNTH"] or "")
        unit = bracket.group(1).strip().lower() if bracket else ""
    if unit in _WAVE_UNITS_NM:
        return round(float(value) * _WAVE_UNITS_NM[unit], 6)
    return round(float(value) / 10.0, 6) if value > 2000 else float(value)


def _exposure_s(header) -> float | None:
    for key in ("EXPTIME", "XPOSURE", "EXPOSURE"):
        value = header.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        comment = (header.comments[key] or "").lower()
        scale = 1e-3 if re.search(r"\bms\b|millisec|\[ms\]", comment) else 1.0
        return float(value) * scale
    return None


def _text(header, *keys: str) -> str:
    for key in keys:
        value = header.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _jsonable_header(header) -> dict[str, Any]:
    """Cards as a JSON-able dict (first value of a repeated key; no COMMENT/HISTORY)."""
    out: dict[str, Any] = {}
    for card in header.cards:
        key = card.keyword
        if not key or key in ("COMMENT", "HISTORY", "CONTINUE") or key in out:
            continue
        value = card.value
        if isinstance(value, (bool, int, str)):
            out[key] = value.replace("\x00", "") if isinstance(value, str) else value
        elif isinstance(value, float):
            out[key] = value if math.isfinite(value) else str(value)
        elif isinstance(value, complex):
            out[key] = str(value)
        else:  # astropy's Undefined: a card with no value
            out[key] = None
    return out


def is_coronagraph(instrument: str, channel: str, header=None) -> bool:
    """Coronagraph images get an asinh stretch in their preview."""
    if instrument == "CLIMSO":
        return channel in ("C1", "C2")
    extra = " ".join(_text(header, k) for k in ("TELESCOP", "INSTRUME", "DETECTOR")) \
        if header is not None else ""
    return bool(_CORONAGRAPH.search(f"{instrument} {channel} {extra}"))


def image_metadata(header, name: str) -> dict[str, Any]:
    """Instrument, channel, time and the other metadata of one image header.

    Parameters
    ----------
    header : astropy.io.fits.Header
        The header of the image HDU.
    name : str
        The file name, used when it is a CLIMSO name (channel, wavelength, and the time
        when the header has none).

    Returns
    -------
    dict
        ``instrument``, ``channel``, ``observation_time`` (datetime64[ns] or None),
        ``time_source``, ``observatory``, ``wavelength_nm``, ``exposure_s``, ``units``,
        ``width``, ``height``, ``climso`` (bool), ``coronagraph`` (bool), ``product``.

    Notes
    -----
    Non-CLIMSO images are keyed by ``INSTRUME`` (else ``TELESCOP``) and a channel from
    ``DETECTOR``/``FILTER``/``IMTYPE``/``WAVELNTH``, followed by the platform or site in
    brackets (``OBSRVTRY``, else ``SITE``) so that STEREO-A and -B, or two GONG sites,
    observing at the same second do not overwrite each other.
    """
    from_name = climso_name(name)
    when, source = header_time(header)
    if when is None and from_name is not None and from_name["time"] is not None:
        when, source = from_name["time"], "file name"
    telescope, instrume = _text(header, "TELESCOP"), _text(header, "INSTRUME")
    origin = _text(header, "ORIGIN", "OBSERVAT", "OBS-SITE")
    is_climso = from_name is not None or "CLIMSO" in f"{telescope} {instrume} {origin}".upper()
    product = None
    observatory: str | None
    if is_climso:
        instrument, observatory = "CLIMSO", CLIMSO_OBSERVATORY
        if from_name is not None:
            channel, product = from_name["channel"], from_name["product"]
        else:
            found = re.search(r"\b([LC][12])\b", f"{instrume} {_text(header, 'CHANNEL')}",
                              re.IGNORECASE)
            channel = found.group(1).upper() if found else "unknown"
        wavelength = header_wavelength_nm(header) or (from_name or {}).get("wavelength_nm")
        if wavelength is None and channel in CLIMSO_CHANNELS:
            wavelength = CLIMSO_CHANNELS[channel][1]
    else:
        instrument = instrume or telescope or "unknown"
        observatory = _text(header, "OBSRVTRY", "OBSERVAT", "OBSERVATORY", "LOCATION",
                            "OBS-SITE", "TELESCOP") or None
        wavelength = header_wavelength_nm(header)
        channel = _text(header, "DETECTOR", "FILTER", "IMTYPE", "CHANNEL")
        if not channel:
            channel = f"{wavelength:g} nm" if wavelength else "image"
        site = _text(header, "OBSRVTRY", "SITE")
        if site and site.upper() not in instrument.upper():
            channel = f"{channel} ({site})"
    return {
        "instrument": instrument[:60],
        "channel": channel[:40],
        "observation_time": when,
        "time_source": source,
        "observatory": observatory[:60] if observatory else None,
        "wavelength_nm": wavelength,
        "exposure_s": _exposure_s(header),
        "units": _text(header, "BUNIT")[:40] or None,
        "width": header.get("NAXIS1"),
        "height": header.get("NAXIS2"),
        "climso": is_climso,
        "coronagraph": is_coronagraph(instrument, channel, header),
        "product": product,
    }


def header_from_text(text: str):
    """A FITS header written as text, one card per line (e.g. a ``.header`` file)."""
    from astropy.io import fits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fits.Header.fromstring(text, sep="\n")


# --- pixels -------------------------------------------------------------------------------


def _image_hdu(hdul, name: str):
    """The first HDU holding an image of 2 or more axes (primary, image or compressed)."""
    from astropy.io import fits

    for index, hdu in enumerate(hdul):
        if not isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
            continue
        if hdu.header.get("NAXIS", 0) >= 2:
            return index, hdu
    shapes = ", ".join(f"{type(h).__name__} NAXIS={h.header.get('NAXIS', 0)}" for h in hdul)
    raise IngestError(name, f"no image: no HDU holds a 2-D array ({shapes})")


def read_image(data: bytes, name: str):
    """The header and the pixels (float64, NaN for BLANK/NaN) of the first image in a FITS.

    Parameters
    ----------
    data : bytes
        The whole (decompressed) FITS file.
    name : str
        File name, for error messages.

    Returns
    -------
    header : astropy.io.fits.Header
        The image HDU's header as written (BZERO/BSCALE/BLANK kept).
    image : ndarray, float64 (NAXIS2, NAXIS1)
        Physical values; the first plane of a cube.

    Raises
    ------
    IngestError
        Not a FITS file, a header saved as text, truncated data, no 2-D image, too big.
    """
    from astropy.io import fits

    if not data.startswith(FITS_MAGIC):
        raise IngestError(name, "not a FITS file (it does not start with a SIMPLE card)")
    if b"\n" in data[:2880]:  # FITS headers are printable ASCII only: no line breaks
        raise IngestError(name, _text_header_reason(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # astropy warns, then fails or we check below
            hdul = fits.open(io.BytesIO(data), memmap=False, lazy_load_hdus=False,
                             do_not_scale_image_data=True)
        with warnings.catch_warnings(), hdul:
            warnings.simplefilter("ignore")
            index, hdu = _image_hdu(hdul, name)
            header = hdu.header.copy()
            shape = tuple(int(header.get(f"NAXIS{i}", 0)) for i in range(1, header["NAXIS"] + 1))
            if min(shape) <= 0:
                raise IngestError(name, f"empty image: axes {shape}")
            if shape[0] * shape[1] > MAX_PIXELS:
                raise IngestError(name, f"image of {shape[0]}x{shape[1]} pixels is too big")
            if not isinstance(hdu, fits.CompImageHDU):
                need = abs(int(header["BITPIX"])) // 8 * math.prod(shape)
                start = hdul.fileinfo(index)["datLoc"]
                if start + need > len(data):
                    raise IngestError(
                        name, f"truncated FITS: the data unit needs {need} bytes from byte "
                        f"{start}, the file has {len(data)} bytes")
            raw = None if hdu.data is None else np.array(hdu.data)
    except IngestError:
        raise
    except Exception as exc:  # astropy raises OSError, ValueError, TypeError, KeyError...
        raise IngestError(name, f"unreadable FITS ({type(exc).__name__}: {exc})") from exc
    if raw is None:
        raise IngestError(name, "no image data in the image HDU")
    while raw.ndim > 2:  # a cube: keep the first plane
        raw = raw[0]
    if raw.dtype.kind in "iu":
        blank = header.get("BLANK")
        image = raw.astype(np.float64)
        scale, zero = float(header.get("BSCALE", 1.0)), float(header.get("BZERO", 0.0))
        if scale != 1.0:
            image *= scale
        if zero != 0.0:
            image += zero
        if isinstance(blank, int) and not isinstance(blank, bool):
            image[raw == blank] = np.nan
    else:
        image = raw.astype(np.float64)  # byte order and float32 handled; NaN stays NaN
        image[~np.isfinite(image)] = np.nan
    return header, image


def _text_header_reason(data: bytes) -> str:
    """Why a FITS header as text is refused, with what the header says."""
    reason = "a FITS header as text (one card per line) with no data unit: no image to keep"
    try:
        header = header_from_text(data[:200_000].decode("ascii", "replace"))
        meta = image_metadata(header, "")
        when = meta["observation_time"]
        reason += (f" (header of a {meta['width']}x{meta['height']} {meta['instrument']} "
                   f"image{' at ' + str(when)[:23] if when is not None else ''})")
    except Exception:  # the refusal must not depend on the header being readable
        pass
    return reason


def _block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Mean over factor x factor blocks, ignoring NaN (NaN where a block has no value)."""
    h, w = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    trimmed = image[:h, :w]
    finite = np.isfinite(trimmed)
    shape = (h // factor, factor, w // factor, factor)
    sums = np.where(finite, trimmed, 0.0).reshape(shape).sum(axis=(1, 3))
    counts = finite.reshape(shape).sum(axis=(1, 3))
    out = np.full(sums.shape, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def preview_size(width: int, height: int, max_px: int = PREVIEW_MAX_PX) -> tuple[int, int]:
    """Size of the preview of a ``width`` x ``height`` image (integer block reduction)."""
    factor = max(1, math.ceil(max(width, height) / max_px))
    return max(1, width // factor), max(1, height // factor)


def preview_png(image: np.ndarray, max_px: int = PREVIEW_MAX_PX, stretch: str = "linear",
                top_row_first: bool = False) -> bytes:
    """An 8-bit grey PNG of ``image``, at most ``max_px`` on its longer side.

    Parameters
    ----------
    image : ndarray (ny, nx)
        Pixels; NaN is drawn black.
    max_px : int
        Longest side; the image is reduced by an integer block mean (see
        :func:`preview_size`).
    stretch : {"linear", "asinh"}
        Between the 0.5 and 99.5 percentiles ("linear", disk images) or the 1 and 99.8
        percentiles with ``asinh(20 x) / asinh(20)`` (coronagraphs, whose brightness
        falls by orders of magnitude with height).
    top_row_first : bool
        True when the first array row is the top of the picture (CLIMSO); FITS convention
        (False) puts it at the bottom.

    Returns
    -------
    bytes
        The PNG file.
    """
    from PIL import Image

    data = np.asarray(image, dtype=np.float64)
    factor = max(1, math.ceil(max(data.shape) / max_px))
    if factor > 1:
        data = _block_mean(data, factor)
    finite = np.isfinite(data)
    scaled = np.zeros(data.shape, dtype=np.uint8)
    if finite.any():
        q = (1.0, 99.8) if stretch == "asinh" else (0.5, 99.5)
        lo, hi = np.percentile(data[finite], q)
        if not hi > lo:
            lo, hi = float(data[finite].min()), float(data[finite].max())
        if hi > lo:
            norm = np.clip((np.where(finite, data, lo) - lo) / (hi - lo), 0.0, 1.0)
            if stretch == "asinh":
                norm = np.arcsinh(20.0 * norm) / np.arcsinh(20.0)
            scaled = np.round(norm * 255.0).astype(np.uint8)
            scaled[~finite] = 0
    img = Image.fromarray(scaled if top_row_first else scaled[::-1], mode="L")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --- the parser ---------------------------------------------------------------------------


def parse_fits(data: bytes, name: str) -> ParseResult:
    """One solar FITS image: metadata, the FITS bytes to keep, and a PNG preview.

    Parameters
    ----------
    data : bytes
        The decompressed FITS file.
    name : str
        Its name (without ``.bz2``/``.gz``); a CLIMSO name supplies the channel, the
        wavelength and, when the header has none, the observation time.

    Returns
    -------
    ParseResult
        ``images`` holds one :class:`ingest.base.ImageRecord`.

    Raises
    ------
    IngestError
        For anything that is not a readable FITS image with an observation time.
    """
    header, image = read_image(data, name)
    meta = image_metadata(header, name)
    when = meta["observation_time"]
    if when is None:
        raise IngestError(name, "no observation time: no readable DATE-OBS, DATE_OBS or "
                          "DATE-BEG in the header, and no date in a CLIMSO file name")
    from_name = climso_name(name)
    if from_name is not None and from_name["time"] is not None and meta["time_source"] \
            != "file name":
        gap = abs((when - from_name["time"]) / np.timedelta64(1, "s"))
        if gap > 60:
            log.warning("%s: header time %s and file-name time %s differ by %.0f s; "
                        "keeping the header's", name, when, from_name["time"], gap)
    record_header = _jsonable_header(header)
    record_header["_time_source"] = meta["time_source"]
    if meta["product"]:
        record_header["_climso_product"] = meta["product"]
    base = re.split(r"[\\/]", name)[-1] or "image"
    record = ImageRecord(
        instrument=meta["instrument"],
        channel=meta["channel"],
        observation_time=np.datetime64(when, "ns"),
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        fits_bytes=data,
        file_name=base if base.lower().endswith((".fts", ".fits", ".fit")) else f"{base}.fits",
        preview_png=preview_png(
            image, stretch="asinh" if meta["coronagraph"] else "linear",
            top_row_first=meta["climso"]),
        observatory=meta["observatory"],
        wavelength_nm=meta["wavelength_nm"],
        exposure_s=meta["exposure_s"],
        units=meta["units"],
        header=record_header,
    )
    return ParseResult("fits", images=[record])


# --- fetching -----------------------------------------------------------------------------


def fetch_climso(url: str, settings: Settings, *, backoff_s: float = 1.0,
                 factory: sessionmaker[Session] | None = None) -> bytes:
    """One published CLIMSO file (``imoa_*.fts.bz2``) by its URL.

    Parameters
    ----------
    url : str
        http(s) URL of the file in a CLIMSO directory listing.
    settings : Settings
        Time-out and retries (``http_timeout_s``, ``http_retries``).
    backoff_s : float
        First delay between retries (doubling).
    factory : sessionmaker, optional
        Records the source status when given.

    Returns
    -------
    bytes
        The body as served (still bzip2-compressed: the pipeline undoes it).

    Raises
    ------
    ingest.http.FetchError
        Dead server, HTTP error after the retries, truncated body.
    """
    name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    if not CLIMSO_NAME.match(name):
        log.info("%s: not a CLIMSO file name; fetching it anyway", url)
    return fetch(url, settings.http_timeout_s, settings.http_retries, backoff_s, factory)
