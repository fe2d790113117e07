"""HAPI server benchmarks over HTTP: a year of 1-minute records of 8 parameters (525,600).

`storms serve --no-jobs` (waitress) runs in a subprocess on SQLite and on PostgreSQL;
year CSV, year binary, one day CSV, time to first byte and the server's peak RSS are
measured with plain HTTP GETs (no gzip). Baseline: ``pandas.DataFrame.to_csv`` of the
same rows (times as strings, as the reference server does).
"""

from __future__ import annotations

import io
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import databases, free_port, row, serve
from ingest.base import DatasetSpec, ParameterSpec, TimeSeries
from storms import store

N = 525_600
SPEC = DatasetSpec("bench_sw1min", "Bench solar wind, 1-min, 2023", "bench", 60.0, tuple(
    ParameterSpec(name, units) for name, units in [
        ("speed", "km/s"), ("density", "cm^-3"), ("temperature", "K"), ("bx", "nT"),
        ("by", "nT"), ("bz", "nT"), ("bt", "nT"), ("pressure", "nPa")]))
ROOT = Path(__file__).resolve().parents[1]


def year_series() -> TimeSeries:
    rng = np.random.default_rng(2023)
    times = np.datetime64("2023-01-01", "ns") + np.arange(N) * np.timedelta64(60, "s")
    v = np.column_stack([
        np.round(rng.normal(420, 80, N), 1), np.round(rng.lognormal(1.6, 0.5, N), 2),
        np.round(rng.lognormal(11.5, 0.6, N)), *(np.round(rng.normal(0, 5, (N, 3)), 2).T),
        np.round(rng.lognormal(1.7, 0.4, N), 2), np.round(rng.lognormal(0.6, 0.5, N), 2)])
    v[rng.random(v.shape) < 0.01] = np.nan
    return TimeSeries(SPEC, times, v)


def _get(url: str) -> tuple[float, float, int]:
    """(time to first byte, total time, bytes) of one GET."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        first = resp.read(1)
        ttfb = time.perf_counter() - t0
        n = len(first)
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            n += len(chunk)
    return ttfb, time.perf_counter() - t0, n


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return _rss_kb(pid)


def _tree_rss_kb(pid: int) -> int:
    """Memory of ``pid`` plus its children (gunicorn serves from a forked worker), as the
    sum of their proportional set sizes (pages the fork shares are counted once)."""
    total = _pss_kb(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(_tree_rss_kb(int(c)) for c in children)


def _sample(pid: int, peak: list[int], stop: threading.Event) -> None:
    """Keep the largest memory (kB) of ``pid`` and its children, every 5 ms, in ``peak[0]``."""
    while not stop.is_set():
        peak[0] = max(peak[0], _tree_rss_kb(pid))
        time.sleep(0.005)


def _baseline(ts: TimeSeries) -> float:
    times = np.char.add(np.datetime_as_string(ts.times.astype("datetime64[ms]"), unit="ms"),
                        "Z")
    df = pd.DataFrame(np.where(np.isnan(ts.values), -1e31, ts.values))
    df.insert(0, "Time", times)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        df.to_csv(io.StringIO(), header=False, index=False)
        best = min(best, time.perf_counter() - t0)
    return best


def run(backends: tuple[str, ...] = ("sqlite", "postgres")) -> list[dict]:
    ts = year_series()
    baseline = _baseline(ts)
    rows = [row("pandas DataFrame.to_csv, year of 1-min x 8 (baseline)", baseline)]
    for backend, ctx in databases(backends, "bench_hapi"):
        with ctx.factory() as s, s.begin():
            store.upsert_series(s, ts, None)
        port = free_port()
        proc = serve(ctx, port, "/hapi/capabilities")
        base = f"http://127.0.0.1:{port}/hapi/data?dataset={SPEC.id}"
        year = base + "&start=2023-01-01T00:00:00Z&stop=2024-01-01T00:00:00Z"
        day = base + "&start=2023-06-15T00:00:00Z&stop=2023-06-16T00:00:00Z"
        peak = [0]
        stop = threading.Event()

        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, stop), daemon=True)
        sampler.start()
        try:
            _get(year)  # warm-up
            res = {name: [_get(url) for _ in range(5)] for name, url in
                   [("csv", year), ("binary", year + "&format=binary"), ("day", day)]}
        finally:
            stop.set()
            sampler.join()
            proc.terminate()
            proc.wait(10)
        med = {k: (float(np.median([r[0] for r in v])), float(np.median([r[1] for r in v])),
                   v[0][2]) for k, v in res.items()}
        rows += [
            row(f"HAPI {backend}: year CSV over HTTP ({med['csv'][2] / 1e6:.1f} MB)",
                med["csv"][1], "s", baseline),
            row(f"HAPI {backend}: year binary over HTTP ({med['binary'][2] / 1e6:.1f} MB)",
                med["binary"][1], "s", baseline),
            row(f"HAPI {backend}: one day CSV over HTTP", med["day"][1], "s"),
            row(f"HAPI {backend}: time to first byte, year CSV", med["csv"][0], "s"),
            row(f"HAPI {backend}: peak server RSS", peak[0] / 1024, "MB"),
        ]
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
