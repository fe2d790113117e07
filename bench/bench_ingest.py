"""Ingest benchmarks: a year of OMNI2 hourly (extended 57 words, leap year 2024, 8784
records) and a year of HRO 1-minute records (2023, 525,600) into SQLite and PostgreSQL,
and a year of one parameter read back; the baseline of each is ``pandas.read_fwf`` alone
on the same file (ratio = value / baseline).

The year files are built in the real formats from the excerpts in ../shared/data/omni:
the real records are repeated in turn (keeping their exact column widths and fill
patterns), their time words rewritten for every hour/minute of the year, and the flow
speed (where it is not a fill) and SYM-H/Dst perturbed so that records differ. The
OMNI2 excerpt has 55 words; words 56-57 (Lyman alpha F9.6, proton QI F7.4) are appended
as in the real extended files (e.g. `` 0.007890 0.0203``), with fills on some records.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import SHARED_DATA, database, row
from ingest import omni
from ingest.fixedwidth import widths_of
from ingest.pipeline import ingest_bytes, parse
from storms import store

OMNI2_YEAR, OMNI2_RECORDS = 2024, 8784  # leap year
HRO_YEAR, HRO_RECORDS = 2023, 525_600  # 365 days of minutes


def _field(values: np.ndarray, width: int) -> np.ndarray:
    """Integers right-justified in ``width`` characters, as an (n, width) uint8 matrix."""
    values = np.asarray(values, dtype=np.int64)
    out = np.full((len(values), width), 32, dtype=np.uint8)
    neg = values < 0
    rest = np.abs(values)
    digits = np.maximum(1, np.floor(np.log10(np.maximum(rest, 1))).astype(int) + 1)
    for k in range(width - 1, -1, -1):
        place = width - 1 - k
        show = place < digits
        out[show, k] = 48 + (rest[show] // 10**place) % 10
        out[neg & (place == digits), k] = 45
    return out


def _year(excerpt: bytes, words, n: int, step_s: int, year: int, tail: bytes = b"",
          perturb: dict[str, int] | None = None) -> bytes:
    """``n`` records from the excerpt lines, timed every ``step_s`` s from 1 January."""
    lines = [ln for ln in excerpt.replace(b"\r\n", b"\n").split(b"\n") if ln.strip()]
    width = len(lines[0]) + len(tail)
    base = np.frombuffer(b"".join(ln + tail for ln in lines), dtype=np.uint8).reshape(
        len(lines), width)
    rows = np.empty((n, width + 1), dtype=np.uint8)
    rows[:, :width] = base[np.arange(n) % len(lines)]
    rows[:, width] = 10
    widths = widths_of([f for _n, f, *_ in words])
    starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
    t = np.datetime64(f"{year}-01-01", "s") + np.arange(n) * np.timedelta64(step_s, "s")
    day = t.astype("datetime64[D]")
    stamp = {"year": np.full(n, year), "doy": (day - t.astype("datetime64[Y]")).astype(int) + 1,
             "hour": (t - day).astype(int) // 3600, "minute": (t - day).astype(int) % 3600 // 60}
    names = [w[0] for w in words]
    for key, values in stamp.items():
        if key in names:
            j = names.index(key)
            rows[:, starts[j]:starts[j] + widths[j]] = _field(values, widths[j])
    rng = np.random.default_rng(0)
    which = np.arange(n) % len(lines)
    for name, scale in (perturb or {}).items():
        j = names.index(name)
        kind, w, d = omni._parse_format(words[j][1])
        cells = rows[:, starts[j]:starts[j] + w]
        old = np.array([float(ln[starts[j]:starts[j] + w]) for ln in lines])
        is_fill = (old == omni.fortran_fill(words[j][1]))[which]
        new = old[which] + rng.integers(-scale, scale + 1, n) / 10**d
        if kind == "I":
            text = [f"{int(round(v)):{w}d}" for v in new]
        elif d:
            text = [f"{v:{w}.{d}f}" for v in new]
        else:
            text = [f"{v:{w - 1}.0f}." for v in new]
        made = np.frombuffer("".join(text).encode(), dtype=np.uint8).reshape(n, w)
        cells[~is_fill] = made[~is_fill]
    return rows.tobytes()


def omni2_year() -> bytes:
    excerpt = (SHARED_DATA / "omni" / "omni2_2020_excerpt.dat").read_bytes()
    data = _year(excerpt, omni.OMNI2_WORDS, OMNI2_RECORDS, 3600, OMNI2_YEAR,
                 tail=b" 0.007890 0.0203", perturb={"speed": 40, "dst": 30})
    # every 7th record gets the fills of words 56-57 (0.999999 and 9.9999)
    rows = np.frombuffer(data, dtype=np.uint8).reshape(OMNI2_RECORDS, -1).copy()
    rows[::7, 327:343] = np.frombuffer(b" 0.999999 9.9999", dtype=np.uint8)
    return rows.tobytes()


def hro_year() -> bytes:
    excerpt = (SHARED_DATA / "omni" / "omni_min2020_excerpt.asc").read_bytes()
    return _year(excerpt, omni.HRO_WORDS, HRO_RECORDS, 60, HRO_YEAR,
                 perturb={"speed": 300, "sym_h": 20})


def _fwf_seconds(data: bytes, words) -> float:
    t0 = time.perf_counter()
    pd.read_fwf(io.BytesIO(data), widths=widths_of([f for _n, f, *_ in words]), header=None)
    return time.perf_counter() - t0


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run() -> list[dict]:
    if not (SHARED_DATA / "omni").exists():
        print("bench_ingest: ../shared/data/omni absent, skipped")
        return []
    hourly, minute = omni2_year(), hro_year()
    with tempfile.TemporaryDirectory() as tmp:  # the files as they would arrive on disk
        (Path(tmp) / "omni2_2024.dat").write_bytes(hourly)
        (Path(tmp) / "omni_min2023.asc").write_bytes(minute)
        hourly = (Path(tmp) / "omni2_2024.dat").read_bytes()
        minute = (Path(tmp) / "omni_min2023.asc").read_bytes()
    fwf_hourly = _fwf_seconds(hourly, omni.OMNI2_WORDS + omni.OMNI2_EXTENDED)
    fwf_minute = _fwf_seconds(minute, omni.HRO_WORDS)
    t_parse_h, res_h = _timed(lambda: parse(hourly, "omni2_2024.dat"))
    t_parse_m, res_m = _timed(lambda: parse(minute, "omni_min2023.asc"))
    assert not res_h.rejected and not res_m.rejected
    assert len(res_m.series[0].times) == HRO_RECORDS
    rows = [
        row("parse OMNI2 hourly year (8784 x 57 words)", t_parse_h, baseline=fwf_hourly),
        row("parse HRO 1-min year (525,600 x 46 words, 157 MB)", t_parse_m,
            baseline=fwf_minute),
    ]
    for backend in ("sqlite", "postgres"):
        with database(backend) as ctx:
            t_h, rep = _timed(lambda c=ctx: ingest_bytes(c.factory, c.settings, hourly,
                                                         "omni2_2024.dat"))
            assert rep.status == "ok" and rep.added == 3 * OMNI2_RECORDS, rep
            rows.append(row(f"ingest OMNI2 hourly year (3 datasets) [{backend}]", t_h,
                            baseline=fwf_hourly))
            t_m, rep = _timed(lambda c=ctx: ingest_bytes(c.factory, c.settings, minute,
                                                         "omni_min2023.asc"))
            assert rep.status == "ok" and rep.added == HRO_RECORDS, rep
            rows.append(row(f"ingest HRO 1-min year [{backend}]", t_m, baseline=fwf_minute))
            rows.append(row(f"  of which sha256 + store write (ingest - parse) [{backend}]",
                            t_m - t_parse_m))

            def read_back(c=ctx):
                with c.factory() as s:
                    return store.read_parameter(s, "omni_hro_1min", "speed", 0, 2**62)

            t_r, (times, speed) = _timed(read_back)
            assert len(times) == HRO_RECORDS and np.isfinite(speed).sum() > 0
            rows.append(row(f"read back a year of one 1-min parameter [{backend}]", t_r,
                            baseline=fwf_minute))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
