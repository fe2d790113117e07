"""Scheduled jobs: a lease so one process runs them, history of every run, failures that
stop nothing, real files served by a local HTTP server, CME ensembles stored."""

import threading

import numpy as np
import pytest
from sqlalchemy import func, select

from ingest.pipeline import ingest_bytes
from jobs import lease, tasks
from jobs.runner import run_job
from storms import models as m
from tests.http_fixture import LocalServer


def _with_urls(ctx, **urls):
    from storms.app_context import Context

    settings = ctx.settings.__class__(**{**ctx.settings.__dict__,
                                         "source_urls": {**ctx.settings.source_urls, **urls},
                                         "http_retries": 1})
    return Context(settings, ctx.engine, ctx.factory)


def test_lease_one_holder_at_a_time(ctx):
    assert lease.try_acquire(ctx.factory, "a", 60)
    assert not lease.try_acquire(ctx.factory, "b", 60)
    assert lease.try_acquire(ctx.factory, "a", 60)  # renewal
    lease.release(ctx.factory, "a")
    assert lease.try_acquire(ctx.factory, "b", 60)
    assert lease.holder_of(ctx.factory) == "b"


def test_concurrent_acquisition_has_one_winner(ctx):
    winners = []
    barrier = threading.Barrier(6)

    def contend(name):
        barrier.wait()
        if lease.try_acquire(ctx.factory, name, 60):
            winners.append(name)

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_failing_job_is_recorded_and_others_run(ctx):
    def broken(_ctx):
        raise RuntimeError("boom")

    assert run_job(ctx, "broken", broken, "me") == "failed"
    assert run_job(ctx, "fine", lambda _c: 7, "me") == "ok"
    assert run_job(ctx, "fine", lambda _c: 7, "other") == "skipped"  # lease held by "me"
    with ctx.factory() as s:
        runs = {r.job: r for r in s.scalars(select(m.JobRun))}
    assert runs["broken"].status == "failed" and "boom" in runs["broken"].message
    assert runs["fine"].status == "ok" and runs["fine"].records == 7
    assert runs["fine"].finished_us >= runs["fine"].started_us


def test_swpc_job_from_a_local_server_and_a_dead_source(ctx, shared, tmp_path):
    for name in ("plasma-7-day_2026-04-11_to_2026-04-18.json",
                 "mag-7-day_2026-04-11_to_2026-04-18.json", "rtsw_mag_1m.json"):
        (tmp_path / name).write_bytes(shared(f"swpc/{name}").read_bytes())
    with LocalServer(tmp_path) as srv:
        c = _with_urls(ctx,
                       swpc_plasma=f"{srv.url}/files/plasma-7-day_2026-04-11_to_2026-04-18.json",
                       swpc_mag=f"{srv.url}/files/mag-7-day_2026-04-11_to_2026-04-18.json",
                       swpc_rtsw_mag=f"{srv.url}/files/rtsw_mag_1m.json",
                       swpc_rtsw_wind=f"{srv.url}/status/503")
        assert run_job(c, "swpc_realtime", tasks.swpc_realtime, "me", use_lease=False) == \
            "failed"
        # the three good sources were ingested, the dead one reported
        with ctx.factory() as s:
            ids = {d.id for d in s.scalars(select(m.Dataset))}
            run = s.scalars(select(m.JobRun)).one()
            status = s.get(m.SourceStatus, f"{srv.url}/status/503")
        assert {"swpc_rt_plasma", "swpc_rt_mag", "swpc_rtsw_mag"} <= ids
        assert "1 of 4 sources failed" in run.message and "503" in run.message
        assert status.state == "failing"
        # a second run adds nothing new (the files are unchanged)
        c2 = _with_urls(c, swpc_rtsw_wind=f"{srv.url}/files/rtsw_mag_1m.json")
        assert run_job(c2, "swpc_realtime", tasks.swpc_realtime, "me", use_lease=False) == "ok"
        with ctx.factory() as s:
            last = s.scalars(select(m.JobRun).order_by(m.JobRun.id.desc())).first()
        assert last.records == 0


def test_new_cmes_are_propagated_once(sqlite_ctx, shared, monkeypatch):
    monkeypatch.setattr(tasks, "ENSEMBLE_MEMBERS", 200)
    monkeypatch.setattr(tasks, "PREDICTION_TARGETS", ("Earth", "Mars", "STEREO-A"))
    data = shared("donki/CME_2024-05-01_2024-05-31.json").read_bytes()
    ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, data, "CME.json")
    added = tasks.propagate_new_cmes(sqlite_ctx)
    with sqlite_ctx.factory() as s:
        n_events = s.scalar(select(func.count(func.distinct(m.Prediction.event_id))))
        earth = s.scalars(select(m.Prediction).where(m.Prediction.target == "Earth",
                                                     m.Prediction.hit)).all()
        targets = set(s.scalars(select(m.Prediction.target)))
    assert added > 0 and n_events > 50
    assert targets == {"Earth", "Mars"}  # no ephemeris for STEREO-A offline: skipped
    assert earth and all(p.arrival_p05_us <= p.arrival_us <= p.arrival_p95_us for p in earth)
    assert all(1 <= (p.arrival_us - p.departure_us) / 3.6e9 <= 200 for p in earth)
    assert tasks.propagate_new_cmes(sqlite_ctx) == 0  # each CME once


@pytest.mark.parametrize("name", ["omni_daily", "kp_indices", "icmecat", "donki_events",
                                  "climso_archive"])
def test_other_jobs_report_a_dead_network(sqlite_ctx, name):
    dead = "http://127.0.0.1:9/x"
    c = _with_urls(sqlite_ctx, omni2=dead, gfz_kp=dead, celestrak_sw=dead, icmecat=dead,
                   donki=dead + "/{kind}", climso_archive=dead + "/climso/")
    spec = next(j for j in tasks.JOBS if j.name == name)
    assert run_job(c, name, spec.task, "me", use_lease=False) == "failed"
    with sqlite_ctx.factory() as s:
        assert "connection failed" in s.scalars(select(m.JobRun)).one().message


def test_solar_wind_forecast_datasets(ctx, shared):
    from amda_bridge import hapi  # noqa: F401  (served next to measured datasets)
    from jobs.solarwind_forecast import dataset_id, predict_solar_wind
    from storms import store

    for name in ("plasma-7-day_2026-04-11_to_2026-04-18.json",
                 "mag-7-day_2026-04-11_to_2026-04-18.json"):
        ingest_bytes(ctx.factory, ctx.settings, shared(f"swpc/{name}").read_bytes(), name)
    stop = int(np.datetime64("2026-04-18T15:00", "us").astype(np.int64))
    assert predict_solar_wind(ctx, stop) > 0
    with ctx.factory() as s:
        ds = store.get_dataset(s, dataset_id("Mars"))
        t, v = store.read_parameter(s, dataset_id("Earth"), "speed", 0, 2**62)
        _, angle = store.read_parameter(s, dataset_id("Mars"), "angle", 0, 2**62)
        _, l1 = store.read_parameter(s, "swpc_rt_plasma", "speed", 0, 2**62)
    assert ds.kind == "predicted" and [p.name for p in ds.parameters][:2] == ["speed", "density"]
    assert 250 < np.nanmedian(v) < 900 and np.nanmin(v) >= np.nanmin(l1) - 1
    assert angle[0] > 5  # Mars is far from the Sun-Earth line in April 2026


def test_hapi_pull_job_reports_a_dead_server(sqlite_ctx, monkeypatch):
    monkeypatch.setenv("STORMS_HAPI_PULLS", "http://127.0.0.1:9/hapi#ace-imf-all")
    assert run_job(sqlite_ctx, "hapi_pulls", tasks.hapi_pulls, "me", use_lease=False) == \
        "failed"
    monkeypatch.setenv("STORMS_HAPI_PULLS", "")
    assert run_job(sqlite_ctx, "hapi_pulls", tasks.hapi_pulls, "me", use_lease=False) == "ok"


def test_detect_shocks_job_stores_ips_events(sqlite_ctx):
    from ingest.base import TimeSeries
    from ingest.swpc import PRODUCT_MAG, PRODUCT_PLASMA
    from storms import store
    from storms.timeutil import now_us

    n = 240
    t = (np.int64(now_us()) - np.arange(n)[::-1] * 60_000_000).astype("datetime64[us]")
    step = (np.arange(n) >= 120).astype(float)
    plasma = np.column_stack([5 * (1 + step), 400 + 100 * step, 8e4 * (1 + 1.5 * step)])
    mag = np.column_stack([np.zeros((n, 5)), 5 * (1 + 1.2 * step)])
    with sqlite_ctx.factory() as s, s.begin():
        store.upsert_series(s, TimeSeries(PRODUCT_PLASMA, t, plasma), None)
        store.upsert_series(s, TimeSeries(PRODUCT_MAG, t, mag), None)
    assert tasks.detect_shocks(sqlite_ctx) == 1
    assert tasks.detect_shocks(sqlite_ctx) == 0  # the same shock is not stored twice
    with sqlite_ctx.factory() as s:
        ev = s.scalars(select(m.Event).where(m.Event.source == "storms")).one()
    assert ev.kind == "IPS" and ev.location == "L1"
    assert abs(ev.start_us - int(t[120].astype(np.int64))) <= 2 * 60_000_000
