"""Geomagnetic and solar indices: GFZ Potsdam Kp/ap files and CelesTrak SW-Last5Years.

GFZ ``Kp_ap_Ap_SN_F107_*.txt``: 40 ``#`` header lines, one line per UT day with eight
3-hourly Kp (in thirds: 0.333, 0.667) and ap, then Ap, SN, F10.7 observed and adjusted,
and the definitive flag D (0, 1, 2). Missing: -1.000 (Kp), -1 (ap, SN), -1.0 (F10.7).
CelesTrak ``SW-Last5Years.txt`` (CSSI v1.2): CRLF, sections OBSERVED, DAILY_PREDICTED and
MONTHLY_PREDICTED between BEGIN/END lines; Kp x10 (0, 3, 7, 10 = 0, 0+, 1-, 1).
Dst comes from OMNI2 (``ingest.omni``, dataset ``dst_omni``).
"""

from __future__ import annotations

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
from ingest.fixedwidth import read_fixed_width
from ingest.http import fetch
from storms.config import Settings

FILL = -1.0e31
THREE_HOURS = np.timedelta64(3, "h")

GFZ_KP = DatasetSpec(
    "gfz_kp", "Kp and ap, 3-hourly (GFZ Potsdam)", "GFZ Potsdam", 10800.0,
    (ParameterSpec("kp", "1", "Kp index in decimal thirds (3+ = 3.333)", fill=FILL),
     ParameterSpec("ap", "1", "ap index, unitless (x 2 nT: mean disturbance at 50 deg "
                   "geomagnetic latitude)", fill=FILL),
     ParameterSpec("definitive", None, "D flag: 0 Kp/SN preliminary, 1 Kp definitive, "
                   "2 both definitive", fill=FILL)),
    description="Time tags are the start of each 3-hour interval. CC BY 4.0, GFZ Potsdam.",
)
GFZ_DAILY = DatasetSpec(
    "gfz_daily", "Ap, sunspot number and F10.7, daily (GFZ Potsdam)", "GFZ Potsdam", 86400.0,
    (ParameterSpec("ap_daily", "1", "Daily Ap index (mean of the eight ap), unitless", fill=FILL),
     ParameterSpec("sn", "1", "International sunspot number (WDC-SILSO)", fill=FILL),
     ParameterSpec("f107_obs", "sfu", "Observed F10.7", fill=FILL),
     ParameterSpec("f107_adj", "sfu", "F10.7 adjusted to 1 AU", fill=FILL),
     ParameterSpec("definitive", None, "D flag (0, 1, 2)", fill=FILL)),
)
GFZ_TOKENS = 28


def sniff_gfz_kp(head: bytes, name: str) -> bool:
    return head.startswith(b"#") and b"Kp1" in head and b"F10.7obs" in head


def parse_gfz_kp(data: bytes, name: str) -> ParseResult:
    """GFZ Kp/ap/Ap/SN/F10.7 file (since-YYYY, nowcast or definitive)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise IngestError(name, f"not ASCII text ({exc})") from exc
    rejected: list[RecordError] = []
    rows, numbers = [], []
    lines = text.splitlines()
    data_lines = [n for n, line in enumerate(lines, start=1)
                  if line.strip() and not line.startswith("#")]
    if data_lines and len(lines[data_lines[-1] - 1].split()) < GFZ_TOKENS:
        n = data_lines[-1]
        raise IngestError(name, f"truncated file: the last line has "
                                f"{len(lines[n - 1].split())} of {GFZ_TOKENS} fields",
                          f"line {n}")
    for n in data_lines:
        line = lines[n - 1]
        parts = line.split()
        if len(parts) != GFZ_TOKENS:
            rejected.append(RecordError(f"line {n}", f"{len(parts)} fields, expected {GFZ_TOKENS}"))
            continue
        try:
            rows.append([float(p) for p in parts])
            numbers.append(n)
        except ValueError as exc:
            rejected.append(RecordError(f"line {n}", f"non-numeric field ({exc})"))
    if not rows:
        raise IngestError(name, "no data line of 28 fields after the # header")
    table = np.array(rows)
    stamps = pd.to_datetime(pd.DataFrame({"year": table[:, 0], "month": table[:, 1],
                                          "day": table[:, 2]}), errors="coerce")
    bad = stamps.isna().to_numpy()
    rejected.extend(RecordError(f"line {numbers[i]}", "impossible date")
                    for i in np.flatnonzero(bad))
    rejected.sort(key=lambda r: int(str(r.record).split()[-1]))
    if bad.all():
        raise IngestError(name, "no data line with a valid date")
    table = table[~bad]
    days = stamps.to_numpy(dtype="datetime64[ns]")[~bad]
    kp, ap = table[:, 7:15].copy(), table[:, 15:23].copy()
    kp[kp < 0] = np.nan
    ap[ap < 0] = np.nan
    flag = table[:, 27]
    times3h = (days[:, None] + np.arange(8) * THREE_HOURS).ravel()
    three_hourly = np.column_stack([kp.ravel(), ap.ravel(), np.repeat(flag, 8)])
    daily = table[:, [23, 24, 25, 26, 27]].copy()
    daily[:, :4][daily[:, :4] < 0] = np.nan
    return ParseResult("gfz-kp", series=[
        TimeSeries(GFZ_KP, times3h, three_hourly),
        TimeSeries(GFZ_DAILY, days, daily),
    ], rejected=rejected)


# --- CelesTrak ---------------------------------------------------------------------------

CSSI_FORMATS = (["I4", "I3", "I3", "I5", "I3"] + ["I3"] * 8 + ["I4"] + ["I4"] * 8
                + ["I4", "F4.1", "I2", "I4", "F6.1", "I2"] + ["F6.1"] * 5)
_CT_PARAMS = (
    ParameterSpec("kp_sum", "Kp x10", "Sum of the eight Kp x10", fill=FILL),
    ParameterSpec("ap_avg", "2 nT", "Daily Ap (mean of the eight ap)", fill=FILL),
    ParameterSpec("cp", "1", "Cp planetary daily character figure", fill=FILL),
    ParameterSpec("c9", "1", "C9 (0-9)", fill=FILL),
    ParameterSpec("isn", "1", "International sunspot number", fill=FILL),
    ParameterSpec("f107_adj", "sfu", "F10.7 adjusted to 1 AU", fill=FILL),
    ParameterSpec("f107_flux_qualifier", None, "Flux qualifier Q", fill=FILL),
    ParameterSpec("f107_adj_ctr81", "sfu", "Centred 81-day mean, adjusted", fill=FILL),
    ParameterSpec("f107_adj_lst81", "sfu", "Last 81-day mean, adjusted", fill=FILL),
    ParameterSpec("f107_obs", "sfu", "Observed F10.7", fill=FILL),
    ParameterSpec("f107_obs_ctr81", "sfu", "Centred 81-day mean, observed", fill=FILL),
    ParameterSpec("f107_obs_lst81", "sfu", "Last 81-day mean, observed", fill=FILL),
)
CT_KP = DatasetSpec(
    "celestrak_kp", "Kp x10 and ap, 3-hourly (CelesTrak SW-Last5Years, observed)",
    "CelesTrak", 10800.0,
    (ParameterSpec("kp", "Kp x10", "Kp x10 (3 = 0+, 7 = 1-)", fill=FILL),
     ParameterSpec("ap", "2 nT", "ap index", fill=FILL)),
)
CT_DAILY = DatasetSpec("celestrak_daily", "Daily indices (CelesTrak, observed)", "CelesTrak",
                       86400.0, _CT_PARAMS)
CT_DAILY_PRED = DatasetSpec("celestrak_daily_predicted",
                            "Daily indices, 45-day prediction (CelesTrak)", "CelesTrak",
                            86400.0, _CT_PARAMS, kind="predicted")
CT_KP_PRED = DatasetSpec("celestrak_kp_predicted", "Kp x10 and ap, 3-hourly prediction "
                         "(CelesTrak)", "CelesTrak", 10800.0, CT_KP.parameters, kind="predicted")
CT_MONTHLY_PRED = DatasetSpec("celestrak_monthly_predicted", "Monthly solar indices prediction "
                              "(CelesTrak)", "CelesTrak", None, _CT_PARAMS, kind="predicted")


def sniff_celestrak(head: bytes, name: str) -> bool:
    return head.startswith(b"DATATYPE CssiSpaceWeather")


def _sections(text: str, name: str) -> dict[str, tuple[int, list[bytes]]]:
    """Lines of each BEGIN/END section, with the line number of its first line; the
    count is checked against the NUM_<SECTION>_POINTS line when there is one."""
    out: dict[str, tuple[int, list[bytes]]] = {}
    announced: dict[str, int] = {}
    current: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("NUM_") and "_POINTS" in line and current is None:
            key, _, count = line.partition(" ")
            if count.strip().isdigit():
                announced[key[4:-7]] = int(count)
        elif line.startswith("BEGIN "):
            current = line.split()[1]
            out[current] = (n + 1, [])
        elif line.startswith("END "):
            if current is None or line.split()[1] != current:
                raise IngestError(name, f"unexpected {line.strip()!r}", f"line {n}")
            current = None
        elif current is not None:
            out[current][1].append(line.encode("ascii"))
    if current is not None:
        raise IngestError(name, f"section {current} has no END line (truncated file?)")
    for section, count in announced.items():
        got = len(out.get(section, (0, []))[1])
        if section in out and got != count:
            raise IngestError(name, f"section {section} has {got} lines, "
                                    f"NUM_{section}_POINTS says {count}")
    return out


def parse_celestrak(data: bytes, name: str) -> ParseResult:
    """CelesTrak CSSI space-weather file: observed and predicted sections."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise IngestError(name, f"not ASCII text ({exc})") from exc
    sections = _sections(text, name)
    if "OBSERVED" not in sections:
        raise IngestError(name, "no BEGIN OBSERVED section")
    result = ParseResult("celestrak-sw")
    targets = {
        "OBSERVED": (CT_KP, CT_DAILY),
        "DAILY_PREDICTED": (CT_KP_PRED, CT_DAILY_PRED),
        "MONTHLY_PREDICTED": (None, CT_MONTHLY_PRED),
    }
    for section, (kp_spec, daily_spec) in targets.items():
        if section not in sections:
            continue
        first_line, lines = sections[section]
        if not lines:
            continue
        values, numbers, rejected = read_fixed_width(
            b"", CSSI_FORMATS, name, blank_is_missing=True,
            lines=[ln.ljust(130) if len(ln) < 130 else ln for ln in lines])
        for r in rejected:  # line numbers inside the section -> in the file
            r.record = f"{section} line {int(str(r.record).split()[-1]) + first_line - 1}"
        result.rejected.extend(rejected)
        stamps = pd.to_datetime(pd.DataFrame({"year": values[:, 0], "month": values[:, 1],
                                              "day": values[:, 2]}), errors="coerce")
        bad = stamps.isna().to_numpy()
        result.rejected.extend(
            RecordError(f"{section} line {int(n) + first_line - 1}", "impossible date")
            for n in numbers[bad])
        values, days = values[~bad], stamps.to_numpy(dtype="datetime64[ns]")[~bad]
        daily = values[:, [13, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]]
        result.series.append(TimeSeries(daily_spec, days, daily))
        if kp_spec is not None:
            times = (days[:, None] + np.arange(8) * THREE_HOURS).ravel()
            kp3 = np.column_stack([values[:, 5:13].ravel(), values[:, 14:22].ravel()])
            result.series.append(TimeSeries(kp_spec, times, kp3))
    return result


def fetch_gfz_kp(settings: Settings) -> bytes:
    return fetch(settings.source_urls["gfz_kp"], settings.http_timeout_s, settings.http_retries)


def fetch_celestrak(settings: Settings) -> bytes:
    return fetch(settings.source_urls["celestrak_sw"], settings.http_timeout_s,
                 settings.http_retries)
