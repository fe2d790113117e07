"""The data layer on SQLite and PostgreSQL: bulk writes, idempotence, chunked reads."""

import numpy as np
import pytest

from ingest.base import DatasetSpec, EventRecord, ParameterSpec, TimeSeries
from storms import store

SPEC = DatasetSpec(
    id="test_plasma",
    title="Test plasma",
    source="test",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("speed", "km/s"),
        ParameterSpec("density", "cm^-3"),
        ParameterSpec("b_gse", "nT", size=3),
    ),
)


def _series(n=1000, start="2024-05-10T00:00", offset=0.0):
    times = np.datetime64(start, "ns") + np.arange(n) * np.timedelta64(60, "s")
    values = np.arange(n * 5, dtype=float).reshape(n, 5) + offset
    values[3, 1] = np.nan
    return TimeSeries(SPEC, times, values)


def test_write_then_read_back_exactly(ctx):
    ts = _series()
    with ctx.factory() as s, s.begin():
        counts = store.upsert_series(s, ts, None)
    assert (counts.added, counts.updated) == (1000, 0)
    with ctx.factory() as s:
        t0 = int(np.datetime64("2024-05-10T00:00", "us").astype(np.int64))
        times, values = store.read_series(s, "test_plasma", t0, t0 + 1000 * 60_000_000)
        ds = store.get_dataset(s, "test_plasma")
        assert [p.name for p in ds.parameters] == ["speed", "density", "b_gse"]
        assert ds.start_us == t0 and ds.stop_us == t0 + 999 * 60_000_000
    assert len(times) == 1000
    np.testing.assert_array_equal(np.diff(times), 60_000_000)
    np.testing.assert_array_equal(values, ts.values)  # NaN at the same place too


def test_same_file_twice_adds_nothing_and_changes_update(ctx):
    with ctx.factory() as s, s.begin():
        store.upsert_series(s, _series(), None)
    with ctx.factory() as s, s.begin():
        again = store.upsert_series(s, _series(), None)
    assert (again.added, again.updated) == (0, 0)
    changed = _series()
    changed.values[10:20, 0] = -5.0
    more = _series(n=1010)
    more.values[10:20, 0] = -5.0
    with ctx.factory() as s, s.begin():
        c = store.upsert_series(s, more, None)
    assert (c.added, c.updated) == (10, 10)


def test_stop_is_exclusive_and_chunks_cover_range(ctx):
    with ctx.factory() as s, s.begin():
        store.upsert_series(s, _series(n=2500), None)
    t0 = int(np.datetime64("2024-05-10T00:00", "us").astype(np.int64))
    with ctx.factory() as s:
        chunks = list(store.iter_series(s, "test_plasma", t0, t0 + 2000 * 60_000_000, 700))
    # chunks are whole day blocks: 1440 one-minute records, then the 560 left before stop
    assert [len(c[0]) for c in chunks] == [1440, 560]
    assert chunks[-1][0][-1] == t0 + 1999 * 60_000_000
    with ctx.factory() as s:
        inner = list(store.iter_series(s, "test_plasma", t0 + 60_000_000, t0 + 3 * 60_000_000))
    assert inner[0][0].tolist() == [t0 + 60_000_000, t0 + 2 * 60_000_000]


def test_merge_across_days_counts_and_provenance(ctx):
    with ctx.factory() as s, s.begin():
        store.upsert_series(s, _series(n=3000), 1)
    overlap = _series(n=3000, start="2024-05-11T12:00", offset=0.0)
    with ctx.factory() as s, s.begin():
        c = store.upsert_series(s, overlap, 2)
    # 2024-05-10T00:00 + 3000 min ends 2024-05-12T01:59; the second file starts at 05-11T12:00
    # and shares 840 minutes; its values differ (they restart at 0), so those are updated.
    assert (c.added, c.updated) == (3000 - 840, 840)
    with ctx.factory() as s:
        assert store.count_records(s, "test_plasma") == 3000 + 3000 - 840
        times, values = store.read_series(s, "test_plasma", 0, 2**62)
    assert np.all(np.diff(times) == 60_000_000)
    np.testing.assert_array_equal(values[-3000:], overlap.values)


def test_failed_transaction_leaves_nothing(ctx):
    with pytest.raises(RuntimeError):
        with ctx.factory() as s, s.begin():
            store.upsert_series(s, _series(), None)
            raise RuntimeError("boom")
    with ctx.factory() as s:
        with pytest.raises(store.StoreError):
            store.get_dataset(s, "test_plasma")


def test_changed_parameters_are_refused(ctx):
    with ctx.factory() as s, s.begin():
        store.upsert_series(s, _series(), None)
    other = DatasetSpec("test_plasma", "x", "test", 60.0, (ParameterSpec("speed", "km/s"),))
    with ctx.factory() as s, s.begin():
        with pytest.raises(store.StoreError, match="differ"):
            store.ensure_dataset(s, other)


def test_events_upsert_by_source_id(ctx):
    ev = EventRecord(kind="FLR", source="DONKI", source_id="2024-05-10T06:27:00-FLR-001",
                     start=np.datetime64("2024-05-10T06:27"), attributes={"classType": "X3.9"},
                     linked_ids=["2024-05-10T07:00:00-CME-001"])
    with ctx.factory() as s, s.begin():
        assert store.upsert_events(s, [ev], None).added == 1
    with ctx.factory() as s, s.begin():
        c = store.upsert_events(s, [ev], None)
        assert (c.added, c.updated) == (0, 0)
    ev.attributes = {"classType": "X4.0"}
    with ctx.factory() as s, s.begin():
        c = store.upsert_events(s, [ev], None)
        assert (c.added, c.updated) == (0, 1)
