"""EPN-TAP benchmark: 100,000 rows in each of solar_images, events, datasets and
predictions, on SQLite and PostgreSQL. Timed (ADQL parse, allow-list, translation,
read-only run, VOTable written): a time-range-and-target query on the predictions and on
the images, and ``TOP 10000 *`` of the events as VOTable. Baseline in the same run: the
equivalent plain SQL on the raw tables through the driver (rows fetched, nothing
written). ratio = value / baseline."""

from __future__ import annotations

import numpy as np
from sqlalchemy import insert, text

from amda_bridge.tap import service
from bench.common import best_of, databases, row
from storms import models as m

N = 100_000
T0 = 1_420_070_400_000_000  # 2015-01-01T00:00Z
STEP = 3_600_000_000  # one row an hour: 100,000 rows span ~11 years
TARGETS = ("Mercury", "Venus", "Earth", "L1", "Mars", "Jupiter", "Saturn",
           "Parker Solar Probe", "Solar Orbiter", "STEREO-A", "BepiColombo")
JD0 = 2440587.5


def _jd(us: int) -> float:
    return us / 86_400e6 + JD0


def populate(ctx, n: int = N) -> None:
    """Bulk-insert ``n`` realistic rows into each of the four source tables."""
    rng = np.random.default_rng(7)
    t = T0 + np.arange(n, dtype=np.int64) * STEP
    kinds = ("CME", "FLR", "SEP", "IPS", "GST", "HSS")
    arrival = t + (2 * 86_400_000_000 + rng.integers(0, 86_400_000_000, n))
    with ctx.engine.begin() as conn:
        for lo in range(0, n, 20_000):
            idx = range(lo, min(n, lo + 20_000))
            conn.execute(insert(m.SolarImage), [dict(
                observatory="Pic du Midi", instrument="CLIMSO", channel=("L1", "L2", "C1")[i % 3],
                wavelength_nm=(656.28, 393.37, 1074.7)[i % 3], obs_us=int(t[i]),
                exposure_s=0.05, units="DN", width=2048, height=2048,
                file_path=f"images/CLIMSO/{i}.fits", preview_path=f"images/CLIMSO/{i}.png",
                header={}) for i in idx])
            conn.execute(insert(m.Event), [dict(
                kind=kinds[i % 6], source="DONKI", source_id=f"EV-{i:07d}", start_us=int(t[i]),
                peak_us=int(t[i]) + 600_000_000, end_us=int(t[i]) + 7_200_000_000,
                location="N12E34", summary="synthetic event", attributes={"i": i})
                for i in idx])
            conn.execute(insert(m.Dataset), [dict(
                id=f"ds_{i:06d}", title=f"dataset {i}", source="OMNI", cadence_s=60.0,
                start_us=int(t[i]), stop_us=int(t[i]) + 86_400_000_000, kind="measured",
                modified_us=int(t[i])) for i in idx])
            conn.execute(insert(m.Parameter), [dict(
                dataset_id=f"ds_{i:06d}", position=0, name="speed", units="km/s", size=1)
                for i in idx])
            conn.execute(insert(m.Prediction), [dict(
                model="dbem", model_version="1.0", event_key=f"EV-{i // 11:07d}",
                target=TARGETS[i % len(TARGETS)], issued_us=int(t[i]), departure_us=int(t[i]),
                hit=True, hit_probability=0.8, arrival_us=int(arrival[i]),
                arrival_p05_us=int(arrival[i]) - 36_000_000_000,
                arrival_p95_us=int(arrival[i]) + 36_000_000_000, arrival_speed_kms=600.0,
                parameters={}) for i in idx])
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _plain(ctx, sql: str, params: dict) -> int:
    with ctx.engine.connect() as conn:
        return len(conn.execute(text(sql), params).fetchall())


def _adql(ctx, q: str) -> bytes:
    body, _ = service.query(ctx, {"lang": "ADQL", "query": q, "maxrec": "20000"},
                            "http://localhost")
    assert b'value="ERROR"' not in body, body[-500:]
    return body


def _pair(ctx, name: str, adql: str, sql: str, params: dict, repeat: int,
          scale: float, unit: str) -> dict:
    _adql(ctx, adql)
    ours = best_of(lambda: _adql(ctx, adql), repeat=repeat)
    base = best_of(lambda: _plain(ctx, sql, params), repeat=repeat)
    return row(name, ours * scale, unit, base * scale)


def _measure(ctx, backend: str) -> list[dict]:
    lo_us = T0 + (N // 2) * STEP  # a 30-day window in the middle of the span
    hi_us = lo_us + 30 * 86_400_000_000
    lo, hi = _jd(lo_us), _jd(hi_us)
    params = {"lo": lo_us, "hi": hi_us}
    out = [
        _pair(ctx, f"tap_{backend}_predictions_time_target_ms",
              "SELECT granule_uid, target_name, time_min, time_max, hit_probability FROM "
              f"storms_predictions.epn_core WHERE target_name = 'Earth' AND time_min >= {lo} "
              f"AND time_max <= {hi}",
              "SELECT id, target, arrival_p05_us, arrival_p95_us, hit_probability "
              "FROM predictions WHERE target = 'Earth' AND arrival_p05_us >= :lo "
              "AND arrival_p95_us <= :hi", params, 5, 1e3, "ms"),
        _pair(ctx, f"tap_{backend}_images_time_target_ms",
              "SELECT granule_uid, time_min, access_url, thumbnail_url FROM "
              f"storms_images.epn_core WHERE target_name = 'Sun' AND time_min BETWEEN {lo} "
              f"AND {hi} AND spectral_range_min > 4e14",
              "SELECT id, obs_us, file_path, preview_path FROM solar_images WHERE "
              "obs_us BETWEEN :lo AND :hi AND wavelength_nm < 749.5", params, 5, 1e3, "ms"),
    ]
    top = "SELECT TOP 10000 * FROM storms_events.epn_core"
    assert _adql(ctx, top).count(b"<TR>") == 10_000
    out.append(_pair(ctx, f"tap_{backend}_top10000_votable_s", top,
                     "SELECT * FROM events LIMIT 10000", {}, 3, 1.0, "s"))
    return out


def run() -> list[dict]:
    out: list[dict] = []
    for backend, ctx in databases(("sqlite", "postgres"), "bench_tap"):
        populate(ctx)
        out.extend(_measure(ctx, backend))
    return out


if __name__ == "__main__":
    for r in run():
        print(r)
