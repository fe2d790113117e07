"""Small data sets the page tests insert themselves (series, events, images, jobs)."""

from __future__ import annotations

import numpy as np

from ingest.base import CMEAnalysisRecord, DatasetSpec, EventRecord, TimeSeries
from storms import store

MINUTE_US = 60_000_000
HOUR_US = 3_600_000_000
DAY_US = 86_400_000_000


def us(text: str) -> int:
    return int(np.datetime64(text.rstrip("Z"), "us").astype(np.int64))


def put_series(ctx, spec: DatasetSpec, times_us, columns: dict[str, np.ndarray]) -> None:
    """Records of ``spec`` at ``times_us``; columns by parameter name (vectors as (n, k)
    arrays); parameters left out are NaN."""
    times_us = np.asarray(times_us, dtype=np.int64)
    values = np.full((len(times_us), spec.width), np.nan)
    offset = 0
    for p in spec.parameters:
        if p.name in columns:
            values[:, offset:offset + p.size] = np.asarray(columns[p.name], float).reshape(
                len(times_us), p.size)
        offset += p.size
    ts = TimeSeries(spec, times_us.astype("datetime64[us]").astype("datetime64[ns]"), values)
    with ctx.factory() as s, s.begin():
        store.upsert_series(s, ts, None)


def minutes(end_us: int, n: int) -> np.ndarray:
    """``n`` 1-minute times ending at ``end_us``."""
    return end_us - MINUTE_US * np.arange(n - 1, -1, -1, dtype=np.int64)


def put_events(ctx, events: list[EventRecord]) -> dict[str, int]:
    """Store events; their database ids by source id."""
    from sqlalchemy import select

    from storms import models as m

    with ctx.factory() as s, s.begin():
        store.upsert_events(s, events, None)
    with ctx.factory() as s:
        return {sid: i for sid, i in s.execute(select(m.Event.source_id, m.Event.id))}


def cme(source_id: str, start: str, speed: float | None = 900.0, lon: float = 10.0,
        lat: float = -5.0, half_width: float = 40.0, t21: str | None = None,
        links: list[str] | None = None) -> EventRecord:
    analyses = []
    if speed is not None:
        analyses = [
            CMEAnalysisRecord(np.datetime64(t21 or start, "s"), speed * 0.8, lon + 20, lat,
                              half_width - 10, most_accurate=False, catalog="M2M_CATALOG"),
            CMEAnalysisRecord(np.datetime64(t21 or start, "s"), speed, lon, lat, half_width,
                              most_accurate=True, catalog="M2M_CATALOG",
                              attributes={"type": "C"}),
        ]
    return EventRecord("CME", "DONKI", source_id, np.datetime64(start, "s"),
                       location="S20W10", summary=f"CME {source_id}", analyses=analyses,
                       linked_ids=links or [])


def ips(source_id: str, start: str, location: str = "Earth") -> EventRecord:
    return EventRecord("IPS", "DONKI", source_id, np.datetime64(start, "s"), location=location,
                       summary=f"Interplanetary shock at {location}")


def icme(source_id: str, start: str, location: str = "STEREO-A") -> EventRecord:
    return EventRecord("ICME", "ICMECAT", source_id, np.datetime64(start, "s"),
                       location=location, summary=f"ICME at {location}")


def flare(source_id: str, start: str) -> EventRecord:
    return EventRecord("FLR", "DONKI", source_id, np.datetime64(start, "s"),
                       location="N10E20", summary="X1.0 flare",
                       attributes={"class_type": "X1.0",
                                   "link": "https://kauai.ccmc.gsfc.nasa.gov/DONKI/x"})
