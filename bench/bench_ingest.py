"""Ingest benchmarks: a year of OMNI2 hourly and of HRO 1-minute records into SQLite and
PostgreSQL, and a year of one parameter read back; baseline pandas.read_fwf on the same file.

The year files are built in the real formats from the excerpts in ../shared/data/omni:
each real record is repeated with its time fields rewritten (and a little noise added to
the speed so that values differ from record to record).
"""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd

from bench.common import SHARED_DATA, database, row
from ingest.fixedwidth import widths_of
from ingest.omni import HRO_WORDS, OMNI2_EXTENDED, OMNI2_WORDS
from ingest.pipeline import ingest_bytes
from storms import store

YEAR = 2024  # leap year: 8784 hours, 527,040 minutes; the issue asks for 525,600 records
HRO_RECORDS = 525_600


def _year_file(excerpt: bytes, n: int, per_record_s: int, with_minute: bool,
               extend: int = 0) -> bytes:
    lines = [ln for ln in excerpt.replace(b"\r\n", b"\n").split(b"\n") if ln.strip()]
    base = np.array([ln + b" 0.009123 0.0310" if extend else ln for ln in lines])
    take = base[np.arange(n) % len(base)]
    t = np.datetime64(f"{YEAR}-01-01", "s") + np.arange(n) * np.timedelta64(per_record_s, "s")
    doy = (t.astype("datetime64[D]") - t.astype("datetime64[Y]")).astype(int) + 1
    hour = (t.astype("datetime64[h]") - t.astype("datetime64[D]")).astype(int)
    minute = (t.astype("datetime64[m]") - t.astype("datetime64[h]")).astype(int)
    stamp = [f"{YEAR:4d}{d:4d}{h:3d}" + (f"{m:3d}" if with_minute else "")
             for d, h, m in zip(doy, hour, minute, strict=True)]
    width = 14 if with_minute else 11
    out = [s.encode() + rec[width:] for s, rec in zip(stamp, take, strict=True)]
    return b"\n".join(out) + b"\n"


def _read_fwf_seconds(data: bytes, formats: list[str]) -> float:
    t0 = time.perf_counter()
    pd.read_fwf(io.BytesIO(data), widths=widths_of(formats), header=None)
    return time.perf_counter() - t0


def run() -> list[dict]:
    omni_dir = SHARED_DATA / "omni"
    if not omni_dir.exists():
        print("bench_ingest: ../shared/data/omni absent, skipped")
        return []
    hourly = _year_file((omni_dir / "omni2_2020_excerpt.dat").read_bytes(), 8784, 3600, False,
                        extend=1)
    minute = _year_file((omni_dir / "omni_min2020_excerpt.asc").read_bytes(), HRO_RECORDS, 60,
                        True)
    fwf_hourly = _read_fwf_seconds(hourly, [f for _n, f, *_ in OMNI2_WORDS + OMNI2_EXTENDED])
    fwf_minute = _read_fwf_seconds(minute, [f for _n, f, *_ in HRO_WORDS])
    rows = []
    for backend in ("sqlite", "postgres"):
        with database(backend) as ctx:
            t0 = time.perf_counter()
            rep = ingest_bytes(ctx.factory, ctx.settings, hourly, "omni2_2024.dat")
            t_hourly = time.perf_counter() - t0
            assert rep.status == "ok" and rep.added == 3 * 8784, rep
            rows.append(row(f"ingest OMNI2 hourly year (8784 x 57) [{backend}]", t_hourly,
                            baseline=fwf_hourly))
            t0 = time.perf_counter()
            rep = ingest_bytes(ctx.factory, ctx.settings, minute, "omni_min2024.asc")
            t_minute = time.perf_counter() - t0
            assert rep.status == "ok" and rep.added == HRO_RECORDS, rep
            rows.append(row(f"ingest HRO 1-min year (525,600 x 46) [{backend}]", t_minute,
                            baseline=fwf_minute))
            t0 = time.perf_counter()
            with ctx.factory() as s:
                times, speed = store.read_parameter(s, "omni_hro_1min", "speed", 0, 2**62)
            t_read = time.perf_counter() - t0
            assert len(times) == HRO_RECORDS
            rows.append(row(f"read back a year of one 1-min parameter [{backend}]", t_read,
                            baseline=fwf_minute))
    return rows
