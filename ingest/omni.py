"""NASA OMNI: OMNI2 hourly (55 or extended 57 words) and HRO 1-min / 5-min ASCII.

Records are Fortran fixed-width; times are year, day of year, hour (and minute). Each
field's fill is the all-nines value of its format (``F6.1`` -> 999.9) and becomes NaN.
Kp is kept x10 as published (3+ = 33). Format descriptions: SPDF ``omni2.text``,
``HRO_format.txt``.
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
from ingest.fixedwidth import fortran_fill, read_fixed_width, year_doy_to_datetime64
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
FILL_OVERRIDES = {"lyman_alpha": 0.999999, "flux_flag": None}

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
    from ingest.fixedwidth import widths_of

    return sum(widths_of([f for _n, f, _u, _d in words]))


OMNI2_LEN = _line_length(OMNI2_WORDS)
OMNI2_EXT_LEN = _line_length(OMNI2_WORDS + OMNI2_EXTENDED)
HRO_1MIN_LEN = _line_length(HRO_WORDS)
HRO_5MIN_LEN = _line_length(HRO_WORDS + HRO_5MIN_EXTRA)


def _first_line_length(head: bytes) -> int:
    return len(head.split(b"\n", 1)[0].rstrip(b"\r"))


def sniff_omni2(head: bytes, name: str) -> bool:
    return _first_line_length(head) in (OMNI2_LEN, OMNI2_EXT_LEN) and head[:4].isdigit()


def sniff_hro(head: bytes, name: str) -> bool:
    return _first_line_length(head) in (HRO_1MIN_LEN, HRO_5MIN_LEN) and head[:4].isdigit()


def _apply_fills(values: np.ndarray, words, time_words: int) -> np.ndarray:
    out = values[:, time_words:].copy()
    for j, (name, fmt, _u, _d) in enumerate(words[time_words:]):
        fill = FILL_OVERRIDES.get(name, fortran_fill(fmt))
        if fill is not None:
            out[np.isclose(out[:, j], fill, rtol=0, atol=1e-6 * max(1.0, fill)), j] = np.nan
    return out


def _valid_times(year, doy, hour, minute=None) -> np.ndarray:
    bad = (doy < 1) | (doy > 366) | (hour < 0) | (hour > 23)
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
    raw, lines, rejected = read_fixed_width(data, [f for _n, f, _u, _d in words], name)
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
    raw, lines, rejected = read_fixed_width(data, [f for _n, f, _u, _d in words], name)
    ok = _valid_times(raw[:, 0], raw[:, 1], raw[:, 2], raw[:, 3])
    rejected.extend(RecordError(f"line {n}", "day of year, hour or minute out of range")
                    for n in lines[~ok])
    raw = raw[ok]
    times = year_doy_to_datetime64(raw[:, 0], raw[:, 1], raw[:, 2], raw[:, 3])
    return ParseResult("omni-hro", series=[TimeSeries(spec, times,
                                                     _apply_fills(raw, words, HRO_TIME_WORDS))],
                       rejected=rejected)


def fetch_omni2(year: int, settings: Settings) -> bytes:
    """OMNI2 hourly file of one year (extended format from the low_res_omni directory)."""
    return fetch(settings.source_urls["omni2"].format(year=year), settings.http_timeout_s,
                 settings.http_retries)


def fetch_hro(year: int, settings: Settings) -> bytes:
    """OMNI HRO 1-min file of one year."""
    return fetch(settings.source_urls["omni_hro_1min"].format(year=year),
                 settings.http_timeout_s, settings.http_retries)
