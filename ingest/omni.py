"""NASA OMNI: OMNI2 hourly (55 or extended 57 words) and HRO 1-min / 5-min ASCII.

Records are Fortran fixed-width; times are year, day of year, hour (and minute). Each
field's fill is the all-nines value of its format (``F6.1`` -> 999.9) and becomes NaN.
Kp is kept x10 as published (3+ = 33). Format descriptions: SPDF ``omni2.text``,
``HRO_format.txt``. Records are read by digit arithmetic on the bytes (numpy, no Python
loop per line): a year of HRO 1-minute records (157 MB) parses in about 2 s. NaN is served
as -1e31 (HAPI); the source's own fills are per field and would not fit one HAPI fill.
"""

from __future__ import annotations

import numpy as np

from ingest.base import (
    DatasetSpec,
    IngestError,
    ParameterSpec,
    ParseResult,
    RecordError,
    TimeSeries,
)
from ingest.fixedwidth import fortran_fill, widths_of, year_doy_to_datetime64
from ingest.http import fetch
from storms.config import Settings

FILL = -1.0e31

# word: (name, format, units, description); words 1-3 are year, day, hour
OMNI2_WORDS: list[tuple[str, str, str | None, str]] = [
    ("year", "I4", None, ""), ("doy", "I4", None, ""), ("hour", "I3", None, ""),
    ("bartels_rotation", "I5", None, "Bartels rotation number"),
    ("imf_sc_id", "I3", None, "ID of the IMF spacecraft"),
    ("plasma_sc_id", "I3", None, "ID of the solar-wind plasma spacecraft"),
    ("imf_points", "I4", None, "Number of points in the IMF averages"),
    ("plasma_points", "I4", None, "Number of points in the plasma averages"),
    ("b_avg", "F6.1", "nT", "Field magnitude average |B|"),
    ("b_vec_mag", "F6.1", "nT", "Magnitude of the average field vector"),
    ("b_lat_gse", "F6.1", "deg", "Latitude of the average field vector, GSE"),
    ("b_lon_gse", "F6.1", "deg", "Longitude of the average field vector, GSE"),
    ("bx_gse", "F6.1", "nT", "Bx GSE (= GSM)"), ("by_gse", "F6.1", "nT", "By GSE"),
    ("bz_gse", "F6.1", "nT", "Bz GSE"), ("by_gsm", "F6.1", "nT", "By GSM"),
    ("bz_gsm", "F6.1", "nT", "Bz GSM"),
    ("sigma_b_mag", "F6.1", "nT", "RMS standard deviation of |B|"),
    ("sigma_b", "F6.1", "nT", "RMS standard deviation of the field vector"),
    ("sigma_bx", "F6.1", "nT", "RMS standard deviation of Bx GSE"),
    ("sigma_by", "F6.1", "nT", "RMS standard deviation of By GSE"),
    ("sigma_bz", "F6.1", "nT", "RMS standard deviation of Bz GSE"),
    ("temperature", "F9.0", "K", "Proton temperature"),
    ("density", "F6.1", "cm^-3", "Proton density"),
    ("speed", "F6.0", "km/s", "Plasma flow speed"),
    ("flow_lon", "F6.1", "deg", "Plasma flow longitude angle, quasi-GSE"),
    ("flow_lat", "F6.1", "deg", "Plasma flow latitude angle, GSE"),
    ("alpha_ratio", "F6.3", None, "Na/Np alpha to proton ratio"),
    ("pressure", "F6.2", "nPa", "Flow pressure"),
    ("sigma_t", "F9.0", "K", "Standard deviation of T"),
    ("sigma_n", "F6.1", "cm^-3", "Standard deviation of N"),
    ("sigma_v", "F6.0", "km/s", "Standard deviation of V"),
    ("sigma_flow_lon", "F6.1", "deg", "Standard deviation of the flow longitude"),
    ("sigma_flow_lat", "F6.1", "deg", "Standard deviation of the flow latitude"),
    ("sigma_alpha_ratio", "F6.3", None, "Standard deviation of Na/Np"),
    ("e_field", "F7.2", "mV/m", "Electric field -V Bz(GSM) 1e-3"),
    ("plasma_beta", "F7.2", None, "Plasma beta"),
    ("alfven_mach", "F6.1", None, "Alfven Mach number"),
    ("kp", "I3", "Kp x10", "Kp index x10 as published (3+ = 33, 6- = 57)"),
    ("sunspot_number", "I4", None, "Sunspot number R (version 2)"),
    ("dst", "I6", "nT", "Dst index (Kyoto)"),
    ("ae", "I5", "nT", "AE index (Kyoto)"),
    ("proton_flux_1mev", "F10.2", "cm^-2 s^-1 sr^-1", "Proton flux > 1 MeV"),
    ("proton_flux_2mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 2 MeV"),
    ("proton_flux_4mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 4 MeV"),
    ("proton_flux_10mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 10 MeV"),
    ("proton_flux_30mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 30 MeV"),
    ("proton_flux_60mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 60 MeV"),
    ("flux_flag", "I3", None, "Magnetospheric contamination flag (-1..6); not a fill"),
    ("ap", "I4", "nT", "ap index"),
    ("f107", "F6.1", "sfu", "F10.7 index"),
    ("pc_n", "F6.1", None, "PC(N) index"),
    ("al", "I6", "nT", "AL index (Kyoto)"), ("au", "I6", "nT", "AU index (Kyoto)"),
    ("magnetosonic_mach", "F5.1", None, "Magnetosonic Mach number"),
]
OMNI2_EXTENDED = [
    ("lyman_alpha", "F9.6", "W/m^2", "Solar Lyman-alpha irradiance"),
    ("proton_qi", "F7.4", None, "Proton QI (magnetic / kinetic energy density)"),
]
# fields whose fill is not the all-nines rule, or that have none
# fields whose fills are not (only) the all-nines value of their format: Lyman alpha's
# documented fill is 0.999999; the FORMAT statement of the extended file says F7.3 for
# the proton QI where the table says F7.4, so both 9.9999 and 99.999 are taken as fill.
# Word 49 (flux flag, -1..6) has no fill.
FILL_OVERRIDES: dict[str, tuple[float, ...]] = {
    "lyman_alpha": (0.999999, 9.999999), "proton_qi": (9.9999, 99.999), "flux_flag": ()}

HRO_WORDS: list[tuple[str, str, str | None, str]] = [
    ("year", "I4", None, ""), ("doy", "I4", None, ""), ("hour", "I3", None, ""),
    ("minute", "I3", None, ""),
    ("imf_sc_id", "I3", None, "ID of the IMF spacecraft"),
    ("plasma_sc_id", "I3", None, "ID of the plasma spacecraft"),
    ("imf_points", "I4", None, "Number of points in the IMF averages"),
    ("plasma_points", "I4", None, "Number of points in the plasma averages"),
    ("percent_interp", "I4", "%", "Percent interpolated"),
    ("timeshift", "I7", "s", "Timeshift to the bow-shock nose"),
    ("rms_timeshift", "I7", "s", "RMS timeshift"),
    ("rms_phase_front_normal", "F6.2", None, "RMS of the phase-front normal"),
    ("time_between_obs", "I7", "s", "Time between observations"),
    ("b_avg", "F8.2", "nT", "Field magnitude average |B|"),
    ("bx_gse", "F8.2", "nT", "Bx GSE (= GSM)"), ("by_gse", "F8.2", "nT", "By GSE"),
    ("bz_gse", "F8.2", "nT", "Bz GSE"), ("by_gsm", "F8.2", "nT", "By GSM"),
    ("bz_gsm", "F8.2", "nT", "Bz GSM"),
    ("rms_sd_b", "F8.2", "nT", "RMS SD of B scalar"),
    ("rms_sd_b_vec", "F8.2", "nT", "RMS SD of the field vector"),
    ("speed", "F8.1", "km/s", "Flow speed"),
    ("vx_gse", "F8.1", "km/s", "Vx GSE"), ("vy_gse", "F8.1", "km/s", "Vy GSE"),
    ("vz_gse", "F8.1", "km/s", "Vz GSE"),
    ("density", "F7.2", "cm^-3", "Proton density"),
    ("temperature", "F9.0", "K", "Proton temperature"),
    ("pressure", "F6.2", "nPa", "Flow pressure"),
    ("e_field", "F7.2", "mV/m", "Electric field"),
    ("plasma_beta", "F7.2", None, "Plasma beta"),
    ("alfven_mach", "F6.1", None, "Alfven Mach number"),
    ("x_gse", "F8.2", "Re", "Spacecraft X GSE"), ("y_gse", "F8.2", "Re", "Spacecraft Y GSE"),
    ("z_gse", "F8.2", "Re", "Spacecraft Z GSE"),
    ("bsn_x_gse", "F8.2", "Re", "Bow-shock nose X GSE"),
    ("bsn_y_gse", "F8.2", "Re", "Bow-shock nose Y GSE"),
    ("bsn_z_gse", "F8.2", "Re", "Bow-shock nose Z GSE"),
    ("ae", "I6", "nT", "AE index"), ("al", "I6", "nT", "AL index"),
    ("au", "I6", "nT", "AU index"), ("sym_d", "I6", "nT", "SYM/D index"),
    ("sym_h", "I6", "nT", "SYM/H index"), ("asy_d", "I6", "nT", "ASY/D index"),
    ("asy_h", "I6", "nT", "ASY/H index"),
    ("pc_n", "F7.2", None, "PC(N) index"),
    ("magnetosonic_mach", "F5.1", None, "Magnetosonic Mach number"),
]
HRO_5MIN_EXTRA = [
    ("proton_flux_10mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 10 MeV"),
    ("proton_flux_30mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 30 MeV"),
    ("proton_flux_60mev", "F9.2", "cm^-2 s^-1 sr^-1", "Proton flux > 60 MeV"),
]
HRO_TIME_WORDS = 4
OMNI2_TIME_WORDS = 3


def _spec(id_: str, title: str, cadence: float, words, time_words: int) -> DatasetSpec:
    params = tuple(
        ParameterSpec(name, units, desc, fill=FILL) for name, _f, units, desc in words[time_words:]
    )
    return DatasetSpec(id_, title, "NASA/GSFC SPDF OMNIWeb", cadence, params,
                       description=f"{title}. Fills of the source turned into {FILL:g}.")


OMNI2_SPEC = _spec("omni2_h0", "OMNI2 hourly solar wind, IMF and indices at 1 AU", 3600.0,
                   OMNI2_WORDS + OMNI2_EXTENDED, OMNI2_TIME_WORDS)
HRO_1MIN_SPEC = _spec("omni_hro_1min", "OMNI HRO 1-min solar wind and IMF at the bow-shock nose",
                      60.0, HRO_WORDS, HRO_TIME_WORDS)
HRO_5MIN_SPEC = _spec("omni_hro_5min", "OMNI HRO 5-min solar wind and IMF at the bow-shock nose",
                      300.0, HRO_WORDS + HRO_5MIN_EXTRA, HRO_TIME_WORDS)
DST_SPEC = DatasetSpec("dst_omni", "Dst index, hourly (from OMNI2)", "Kyoto WDC via OMNI2",
                       3600.0, (ParameterSpec("dst", "nT", "Dst index", fill=FILL),))
KP_SPEC = DatasetSpec("kp_omni", "Kp index x10, 3-hourly values repeated hourly (from OMNI2)",
                      "GFZ via OMNI2", 3600.0,
                      (ParameterSpec("kp", "Kp x10", "Kp x10 (3+ = 33)", fill=FILL),))


def _line_length(words) -> int:
    return sum(widths_of([f for _n, f, _u, _d in words]))


OMNI2_LEN = _line_length(OMNI2_WORDS)
OMNI2_EXT_LEN = _line_length(OMNI2_WORDS + OMNI2_EXTENDED)
HRO_1MIN_LEN = _line_length(HRO_WORDS)
HRO_5MIN_LEN = _line_length(HRO_WORDS + HRO_5MIN_EXTRA)


def _first_line_length(head: bytes) -> int:
    return len(head.split(b"\n", 1)[0].rstrip(b"\r"))


def _looks_like(head: bytes, lengths: tuple[int, ...], time_words: int) -> bool:
    """First line of one of ``lengths`` characters starting with plausible time words."""
    if _first_line_length(head) not in lengths:
        return False
    first = head.split(b"\n", 1)[0].split()
    if len(first) < time_words or not all(w.lstrip(b"-").isdigit() for w in first[:time_words]):
        return False
    year, doy = int(first[0]), int(first[1])
    return 1960 <= year <= 2100 and 1 <= doy <= 366


def sniff_omni2(head: bytes, name: str) -> bool:
    """OMNI2 hourly: a first record of 327 (55 words) or 343 characters (57 words)."""
    return _looks_like(head, (OMNI2_LEN, OMNI2_EXT_LEN), OMNI2_TIME_WORDS)


def sniff_hro(head: bytes, name: str) -> bool:
    """HRO: a first record of 299 (1-min, 46 words) or 326 characters (5-min, 49 words)."""
    return _looks_like(head, (HRO_1MIN_LEN, HRO_5MIN_LEN), HRO_TIME_WORDS)


def _formats(words) -> list[str]:
    return [f for _n, f, _u, _d in words]


def _record_matrix(data: bytes, total: int, name: str):
    """Records of ``total`` characters as a (n, total) uint8 matrix, without a Python loop.

    Returns ``(matrix, line_numbers, rejected)``: lines of another length are rejected
    (blank lines skipped); CRLF and a missing final newline are accepted.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if len(buf) and buf[-1] != 10:  # no trailing newline (the real 2020 excerpt)
        ends = np.append(ends, len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1])
    stops = ends.copy()
    crlf = (stops > starts) & (buf[np.maximum(stops - 1, 0)] == 13)
    stops[crlf] -= 1
    lengths = stops - starts
    good = lengths == total
    numbers = np.arange(1, len(starts) + 1)
    filled = np.flatnonzero(lengths > 0)
    last = filled[-1] if len(filled) else 0
    if len(filled) and lengths[last] < total and data[starts[last]:stops[last]].strip():
        raise IngestError(name, f"truncated file: the last record has {lengths[last]} of "
                                f"{total} characters", f"line {last + 1}")
    rejected: list[RecordError] = []
    if not good.all():
        odd = np.flatnonzero(~good)
        blank = np.array([not data[starts[i]:stops[i]].strip() for i in odd], dtype=bool)
        rejected = [RecordError(f"line {numbers[i]}",
                                f"{lengths[i]} characters, expected {total}")
                    for i in odd[~blank][:1000]]
    if not good.any():
        raise IngestError(name, f"no record of {total} characters (is this the right format?)")
    if good.all() and not crlf.any() and np.all(np.diff(starts) == total + 1):
        whole = buf if buf[-1] == 10 else np.append(buf, np.uint8(10))
        matrix = whole.reshape(-1, total + 1)[:, :total]  # a view: no copy
    else:
        matrix = buf[starts[good][:, None] + np.arange(total)]
    return matrix, numbers[good], rejected


def _parse_format(fmt: str) -> tuple[str, int, int]:
    kind = fmt[0]
    width, _, decimals = fmt[1:].partition(".")
    return kind, int(width), int(decimals or 0)


class _Layout:
    """Where each field of a record starts, where its point must be, and digit weights."""

    def __init__(self, formats: list[str]):
        self.formats = formats
        self.widths = widths_of(formats)
        self.total = total = sum(self.widths)
        self.starts = np.concatenate([[0], np.cumsum(self.widths)[:-1]]).astype(np.intp)
        self.want_point = np.zeros((total, 1), dtype=bool)
        self.inner = np.ones((total - 1, 1), dtype=bool)  # place k+1 is inside a field
        self.inner[self.starts[1:] - 1] = False
        self.weights = np.zeros((len(formats), total))
        self.scale = np.ones((len(formats), 1))
        for j, (start, fmt) in enumerate(zip(self.starts, formats, strict=True)):
            kind, w, d = _parse_format(fmt)
            k = np.arange(w)
            if kind == "F":
                p = w - 1 - d  # the fixed place of the point
                self.want_point[start + p] = True
                weights = np.where(k == p, 0.0, 10.0 ** np.where(k < p, p - 1 - k + d,
                                                                   d - (k - p)))
            else:
                weights = 10.0 ** (w - 1 - k)
            self.weights[j, start:start + w] = weights
            self.scale[j] = 10.0 ** d


def _parse_chunk(chunk: np.ndarray, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Records (n, total) uint8 to ``(values (n, fields), bad (n,))`` by digit arithmetic.

    A field is read when it is leading blanks, an optional minus and digits, with the
    point at its fixed ``Fw.d`` place. Its value is the exact integer of its digits
    divided by 10**d, so it equals ``float(text)`` bit for bit (fills compare exactly).
    The chunk is transposed so that every step runs on long contiguous rows.
    """
    t = np.ascontiguousarray(chunk.T)  # (total, n): one character place per row
    digit = t - np.uint8(48)
    is_digit = digit < 10
    blank = t == 32
    minus = t == 45
    point = t == 46
    bad = ~(is_digit | blank | minus | point).all(axis=0)
    bad |= (point != layout.want_point).any(axis=0)
    # inside a field, a blank or a minus may only follow blanks
    bad |= (layout.inner & (blank[1:] | minus[1:]) & ~blank[:-1]).any(axis=0)
    bad |= ~np.logical_or.reduceat(is_digit, layout.starts, axis=0).all(axis=0)
    negative = np.logical_or.reduceat(minus, layout.starts, axis=0)
    digit *= is_digit
    out = np.empty((len(layout.widths), t.shape[1]))
    for j, (start, w) in enumerate(zip(layout.starts, layout.widths, strict=True)):
        out[j] = layout.weights[j, start:start + w] @ digit[start:start + w]
    out /= layout.scale
    np.negative(out, out=out, where=negative)
    return out.T, bad


CHUNK_RECORDS = 4096


def read_records(data: bytes, formats: list[str], name: str):
    """Read fixed-width records: ``(values (n, fields) float64, line_numbers, rejected)``.

    Vectorised (numpy on the bytes, 4096 records at a time); a year of HRO 1-minute
    records (157 MB) reads in one to two seconds. A record with a cell that is not a
    plain Fortran number is re-read with ``float()`` per field; a line with an unreadable
    field, or of the wrong length, is rejected with its line number.
    """
    layout = _Layout(formats)
    matrix, numbers, rejected = _record_matrix(data, layout.total, name)
    out = np.empty((len(matrix), len(formats)), dtype=np.float64)
    bad = np.zeros(len(matrix), dtype=bool)
    for i in range(0, len(matrix), CHUNK_RECORDS):
        out[i:i + CHUNK_RECORDS], bad[i:i + CHUNK_RECORDS] = _parse_chunk(
            matrix[i:i + CHUNK_RECORDS], layout)
    unreadable = np.zeros(len(matrix), dtype=bool)
    for i in np.flatnonzero(bad):  # rare: slow path, field by field
        line = matrix[i].tobytes()
        for j, (start, w) in enumerate(zip(layout.starts, layout.widths, strict=True)):
            text = line[start:start + w]
            try:
                out[i, j] = float(text)
            except ValueError:
                unreadable[i] = True
                rejected.append(RecordError(
                    f"line {numbers[i]}", f"field {j + 1} ({formats[j]}) unreadable: "
                                          f"{text.decode(errors='replace')!r}"))
                break
    rejected.sort(key=lambda r: int(str(r.record).split()[-1]))
    return out[~unreadable], numbers[~unreadable], rejected


def _apply_fills(values: np.ndarray, words, time_words: int) -> np.ndarray:
    out = values[:, time_words:].copy()
    for j, (name, fmt, _u, _d) in enumerate(words[time_words:]):
        fills = FILL_OVERRIDES.get(name, (fortran_fill(fmt),))
        for fill in fills:  # values parse exactly, so the fill compares exactly
            out[out[:, j] == fill, j] = np.nan
    return out


def _valid_times(year, doy, hour, minute=None) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    bad = (doy < 1) | (doy > 365 + leap) | (hour < 0) | (hour > 23) | (year < 1900) | (
        year > 2200)
    if minute is not None:
        bad |= (minute < 0) | (minute > 59)
    return ~bad


def parse_omni2(data: bytes, name: str) -> ParseResult:
    """OMNI2 hourly, 55 words (327 characters) or extended 57 words (343)."""
    first = _first_line_length(data[:4096])
    if first == OMNI2_EXT_LEN:
        words = OMNI2_WORDS + OMNI2_EXTENDED
    elif first == OMNI2_LEN:
        words = OMNI2_WORDS
    else:
        raise IngestError(name, f"first record has {first} characters; OMNI2 has "
                                f"{OMNI2_LEN} (55 words) or {OMNI2_EXT_LEN} (57)", "line 1")
    raw, lines, rejected = read_records(data, _formats(words), name)
    year, doy, hour = raw[:, 0], raw[:, 1], raw[:, 2]
    ok = _valid_times(year, doy, hour)
    rejected.extend(RecordError(f"line {n}", "day of year or hour out of range")
                    for n in lines[~ok])
    raw = raw[ok]
    times = year_doy_to_datetime64(raw[:, 0], raw[:, 1], raw[:, 2])
    values = _apply_fills(raw, words, OMNI2_TIME_WORDS)
    if len(words) == len(OMNI2_WORDS):  # standard file: the extended words are missing
        values = np.hstack([values, np.full((len(values), len(OMNI2_EXTENDED)), np.nan)])
    names = [w[0] for w in (OMNI2_WORDS + OMNI2_EXTENDED)[OMNI2_TIME_WORDS:]]
    dst = values[:, [names.index("dst")]]
    kp = values[:, [names.index("kp")]]
    series = [
        TimeSeries(OMNI2_SPEC, times, values),
        TimeSeries(DST_SPEC, times, dst),
        TimeSeries(KP_SPEC, times, kp),
    ]
    return ParseResult("omni2", series=series, rejected=rejected)


def parse_hro(data: bytes, name: str) -> ParseResult:
    """OMNI HRO 1-min (46 words, 299 characters) or 5-min (49 words, 326)."""
    first = _first_line_length(data[:4096])
    if first == HRO_1MIN_LEN:
        words, spec = HRO_WORDS, HRO_1MIN_SPEC
    elif first == HRO_5MIN_LEN:
        words, spec = HRO_WORDS + HRO_5MIN_EXTRA, HRO_5MIN_SPEC
    else:
        raise IngestError(name, f"first record has {first} characters; HRO has "
                                f"{HRO_1MIN_LEN} (1-min) or {HRO_5MIN_LEN} (5-min)", "line 1")
    raw, lines, rejected = read_records(data, _formats(words), name)
    ok = _valid_times(raw[:, 0], raw[:, 1], raw[:, 2], raw[:, 3])
    rejected.extend(RecordError(f"line {n}", "day of year, hour or minute out of range")
                    for n in lines[~ok])
    raw = raw[ok]
    times = year_doy_to_datetime64(raw[:, 0], raw[:, 1], raw[:, 2], raw[:, 3])
    return ParseResult("omni-hro", series=[TimeSeries(spec, times,
                                                     _apply_fills(raw, words, HRO_TIME_WORDS))],
                       rejected=rejected)


def fetch_omni2(year: int, settings: Settings) -> bytes:
    """OMNI2 hourly file of one year, from the URL template ``omni2`` of the settings.

    The default points at ``low_res_omni/omni2_{year}.dat`` (55 words); the extended
    57-word files live in ``low_res_omni/extended/`` and parse the same way.
    """
    return fetch(settings.source_urls["omni2"].format(year=year), settings.http_timeout_s,
                 settings.http_retries)


def fetch_hro(year: int, settings: Settings, cadence: str = "1min") -> bytes:
    """OMNI HRO ASCII file of one year: ``cadence`` "1min" (``omni_min{year}.asc``, URL
    template ``omni_hro_1min``) or "5min" (``omni_5min{year}.asc`` beside it)."""
    if cadence not in ("1min", "5min"):
        raise ValueError(f"cadence must be '1min' or '5min', not {cadence!r}")
    url = settings.source_urls["omni_hro_1min"].format(year=year)
    if cadence == "5min":
        url = url.replace(f"omni_min{year}", f"omni_5min{year}")
    return fetch(url, settings.http_timeout_s, settings.http_retries)
