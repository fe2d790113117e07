"""Fixtures of the HAPI tests: a store holding synthetic datasets, the app, a live server."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from werkzeug.serving import make_server

from ingest.base import DatasetSpec, ParameterSpec, TimeSeries
from storms import store

SW = DatasetSpec(
    id="test_sw",
    title="Test solar wind, 1-min",
    source="test",
    cadence_s=60.0,
    parameters=(
        ParameterSpec("speed", "km/s", "bulk speed"),
        ParameterSpec("density", "cm⁻³", "proton density"),
        ParameterSpec("b_gse", "nT", "field, GSE", size=3),
        ParameterSpec("flag", None, "quality", fill=None),
    ),
)
PRED = DatasetSpec(
    id="test_pred",
    title="Test predicted speed at Earth, hourly",
    source="test model",
    cadence_s=3600.0,
    parameters=(ParameterSpec("speed", "km/s"),),
    kind="predicted",
)
SW_START = "2024-05-10T00:00"
SW_DAYS = 3


def sw_series() -> TimeSeries:
    n = SW_DAYS * 1440
    times = np.datetime64(SW_START, "ns") + np.arange(n) * np.timedelta64(60, "s")
    rng = np.random.default_rng(1)
    values = np.column_stack([
        np.round(rng.normal(450, 60, n), 1),
        np.round(rng.lognormal(1.5, 0.4, n), 2),
        np.round(rng.normal(0, 5, (n, 3)), 3),
        rng.integers(0, 3, n).astype(float),
    ])
    values[5, 0] = np.nan
    values[7, 2:5] = np.nan
    values[9, 1] = np.nan
    return TimeSeries(SW, times, values)


def pred_series() -> TimeSeries:
    now = np.datetime64("now", "h")
    times = (now - np.timedelta64(24, "h") + np.arange(96) * np.timedelta64(1, "h")).astype(
        "datetime64[ns]")
    return TimeSeries(PRED, times, 400.0 + np.arange(96, dtype=float))


def load(ctx) -> dict[str, TimeSeries]:
    series = {"test_sw": sw_series(), "test_pred": pred_series()}
    with ctx.factory() as s, s.begin():
        for ts in series.values():
            store.upsert_series(s, ts, None)
    return series


@pytest.fixture
def loaded(ctx):
    """``(ctx, series)``: the store holding the synthetic datasets."""
    return ctx, load(ctx)


@pytest.fixture
def client(loaded):
    from web import create_app

    ctx, _ = loaded
    return create_app(context=ctx).test_client()


@pytest.fixture
def live(loaded):
    """A live server on 127.0.0.1 in a thread: ``(base_url, series)``."""
    from web import create_app

    ctx, series = loaded
    server = make_server("127.0.0.1", 0, create_app(context=ctx), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hapi", series
    finally:
        server.shutdown()
        thread.join(5)
