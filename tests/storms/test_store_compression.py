"""On PostgreSQL the day blocks are compressed with lz4 (fast reads), not the default pglz."""

import numpy as np
import pytest
from sqlalchemy import text

from ingest.base import DatasetSpec, ParameterSpec, TimeSeries
from storms import store

SPEC = DatasetSpec("cmp_test", "compression", "test", 60.0,
                   (ParameterSpec("v", "km/s"), ParameterSpec("n", "cm^-3")))


def test_blocks_use_lz4_on_postgresql(ctx):
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("TOAST compression exists only on PostgreSQL")
    times = np.datetime64("2024-05-10", "ns") + np.arange(1440) * np.timedelta64(60, "s")
    values = np.column_stack([np.full(1440, 400.0), np.full(1440, 5.0)])  # compressible
    with ctx.factory.begin() as s:
        store.ensure_dataset(s, SPEC)
        store.upsert_series(s, TimeSeries(SPEC, times, values), None)
    with ctx.engine.connect() as conn:
        methods = conn.execute(text(
            "SELECT pg_column_compression(vals), pg_column_compression(times) "
            "FROM record_blocks")).one()
    assert methods == ("lz4", "lz4")
    with ctx.factory() as s:
        t, v = store.read_series(s, "cmp_test", 0, 2**62)
    assert len(t) == 1440 and np.all(v[:, 0] == 400.0)
