"""Now page benchmarks over HTTP: 7 days of 1-minute SWPC plasma and magnetic field
(10,080 records each) and their 3-hourly Kp, served by `storms serve --no-jobs` in a
subprocess on SQLite and on PostgreSQL.

Measured: the page (``/?window=7d``, figures embedded) and its JSON
(``/now/data.json?window=7d``, and ``24h``), median of 15 plain GETs after a warm-up.
Baseline, in the same run: ``json.dumps`` of the raw arrays of the same 7 days (times as
epoch milliseconds, the six plotted quantities as floats), i.e. what sending the data
unreduced would cost before any database read or HTTP. Aim: < 300 ms.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import numpy as np

from bench.common import databases, free_port, row, serve
from ingest.base import TimeSeries
from ingest.indices import GFZ_KP
from ingest.swpc import PRODUCT_MAG, PRODUCT_PLASMA
from storms import store

N = 7 * 1440  # 10,080 one-minute records
END_US = int(np.datetime64("2024-05-17T00:00", "us").astype(np.int64))
ROOT = Path(__file__).resolve().parents[1]
REPEAT = 15


def week() -> list[TimeSeries]:
    """7 days of 1-minute plasma and field (a storm in the middle), and Kp."""
    rng = np.random.default_rng(2024)
    t_us = END_US - 60_000_000 * np.arange(N - 1, -1, -1, dtype=np.int64)
    t = t_us.astype("datetime64[us]").astype("datetime64[ns]")
    storm = np.exp(-((np.arange(N) - N / 2) / 300.0) ** 2)
    speed = np.round(400 + 400 * storm + rng.normal(0, 15, N), 1)
    density = np.round(np.abs(5 + 20 * storm + rng.normal(0, 1, N)), 2)
    temperature = np.round(np.abs(rng.lognormal(11.5, 0.4, N)))
    b = np.round(rng.normal(0, 3, (N, 3)) + np.array([0, 0, -20]) * storm[:, None], 2)
    bt = np.round(np.linalg.norm(b, axis=1), 2)
    mag = np.column_stack([b, np.zeros(N), np.zeros(N), bt])
    plasma = np.column_stack([density, speed, temperature])
    for arr in (plasma, mag):
        arr[rng.random(arr.shape) < 0.01] = np.nan
    kp_t = (END_US - 3 * 3_600_000_000 * np.arange(56)[::-1]).astype("datetime64[us]")
    kp = np.column_stack([np.round(rng.uniform(0, 9, 56) * 3) / 3, np.zeros(56), np.zeros(56)])
    return [TimeSeries(PRODUCT_PLASMA, t, plasma), TimeSeries(PRODUCT_MAG, t, mag),
            TimeSeries(GFZ_KP, kp_t.astype("datetime64[ns]"), kp)]


def _baseline(series: list[TimeSeries]) -> float:
    """json.dumps of the raw arrays (no reduction, no database, no HTTP)."""
    plasma, mag = series[0], series[1]
    t_ms = (plasma.times.astype("datetime64[ms]").astype(np.int64)).tolist()

    def floats(a):
        return [None if v != v else v for v in a.tolist()]

    def once():
        p = 1.6726e-6 * plasma.values[:, 0] * plasma.values[:, 1] ** 2
        body = {"x": t_ms, "speed": floats(plasma.values[:, 1]),
                "density": floats(plasma.values[:, 0]),
                "temperature": floats(plasma.values[:, 2]), "pressure": floats(p),
                "bt": floats(mag.values[:, 5]), "bz": floats(mag.values[:, 2])}
        return json.dumps(body)

    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - t0)
    return best


def _get(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as resp:
        body = resp.read()
        assert resp.status == 200
    return time.perf_counter() - t0, len(body)


def _in_process(ctx) -> float:
    """``now.build`` alone (database reads, reduction, figure dicts), no HTTP."""
    from storms.timeutil import now_us
    from web import create_app
    from web.pages import now

    app = create_app(context=ctx)
    with app.app_context(), ctx.factory() as session:
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            now.build(session, "7d", now_us())
            best = min(best, time.perf_counter() - t0)
    return best


def run(backends: tuple[str, ...] = ("sqlite", "postgres")) -> list[dict]:
    series = week()
    baseline = _baseline(series)
    rows = [row("json.dumps of the raw 7-day arrays, 2 x 10,080 records (baseline)",
                baseline)]
    for backend, ctx in databases(backends, "bench_pages"):
        with ctx.factory() as s, s.begin():
            for ts in series:
                store.upsert_series(s, ts, None)
        rows.append(row(f"Now {backend}: build 7 d in-process (no HTTP)",
                        _in_process(ctx), "s", baseline))
        port = free_port()
        proc = serve(ctx, port)
        base = f"http://127.0.0.1:{port}"
        urls = {"page": base + "/?window=7d", "json": base + "/now/data.json?window=7d",
                "json24": base + "/now/data.json?window=24h"}
        try:
            for url in urls.values():
                _get(url)  # warm-up (templates, imports, connections)
            res = {k: [_get(u) for _ in range(REPEAT)] for k, u in urls.items()}
        finally:
            proc.terminate()
            proc.wait(10)
        med = {k: (float(np.median([r[0] for r in v])), v[0][1]) for k, v in res.items()}
        rows += [
            row(f"Now {backend}: page /?window=7d over HTTP ({med['page'][1] / 1e3:.0f} kB)",
                med["page"][0], "s", baseline),
            row(f"Now {backend}: data.json 7 d over HTTP ({med['json'][1] / 1e3:.0f} kB)",
                med["json"][0], "s", baseline),
            row(f"Now {backend}: data.json 24 h over HTTP ({med['json24'][1] / 1e3:.0f} kB)",
                med["json24"][0], "s", baseline),
        ]
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
