"""The propagate API over HTTP: one CME to 20 targets with a 1,000-member DBM ensemble,
p50 and p95 of 30 requests against `storms serve`; baseline: the same
``storms.propagate.run`` in-process (what HTTP, validation and JSON add)."""

from __future__ import annotations

import time
import urllib.request

import numpy as np

from bench.common import database, free_port, row, serve
from storms import propagate as engine

TARGETS = ["Mercury", "Venus", "Earth", "Moon", "Mars", "Jupiter", "Saturn", "Uranus",
           "Neptune", "Pluto", "L1", "L2", "L4", "L5", "ACE", "Wind", "DSCOVR", "SOHO",
           "Mercury", "Venus"]  # 20 targets with DE421 ephemerides (no kernels needed)
QUERY = ("model=dbm&time=2024-05-10T18:00:00Z&speed=1200&half_width=50&ensemble=1000"
         "&sigma_speed=150&sigma_direction=10&sigma_half_width=5&sigma_w=50&seed=1&targets="
         + ",".join(TARGETS))


def _in_process() -> float:
    req = engine.Request(model="dbm", source="Sun", time="2024-05-10T18:00:00Z", targets=TARGETS,
                  speed_kms=1200, half_width_deg=50, ensemble=1000,
                  sigma={"speed": 150, "direction": 10, "half_width": 5, "w": 50}, seed=1)
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        engine.run(req)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run() -> list[dict]:
    baseline = _in_process()
    rows = [row("storms.propagate.run in-process, 1 CME x 20 targets x 1000 members "
                "(baseline)", baseline)]
    with database("sqlite") as ctx:
        port = free_port()
        proc = serve(ctx, port)
        try:
            url = f"http://127.0.0.1:{port}/api/v1/propagate?{QUERY}"
            urllib.request.urlopen(url, timeout=60).read()  # warm-up (ephemerides loaded)
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                body = urllib.request.urlopen(url, timeout=60).read()
                times.append(time.perf_counter() - t0)
            assert body.startswith(b"[")
        finally:
            proc.terminate()
            proc.wait(10)
    rows.append(row("propagate API over HTTP, p50", float(np.median(times)), "s", baseline))
    rows.append(row("propagate API over HTTP, p95", float(np.percentile(times, 95)), "s",
                    baseline))
    return rows

