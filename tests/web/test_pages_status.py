"""The Status page: sources, scheduled jobs, datasets and the scheduler lease."""

import re

import numpy as np
import pytest

from ingest.omni import OMNI2_SPEC
from ingest.swpc import PRODUCT_PLASMA
from jobs.tasks import JOBS
from storms import catalogue as queries
from storms import models as m
from storms.timeutil import now_us
from web import create_app

from .page_data import DAY_US, HOUR_US, MINUTE_US, minutes, put_series


@pytest.fixture
def app(ctx):
    return create_app(context=ctx)


def _classes(html: str, kind: str, key: str) -> dict[str, str]:
    """{key value: css class} of the rows ``<tr class="<kind>-row <css>" data-<key>=...>``."""
    return {k: c for c, k in re.findall(
        rf'<tr class="{kind}-row ?([\w ]*)" data-{key}="([^"]+)"', html)}


def test_staleness_rule():
    assert queries.staleness(60, 60) == "ok"
    assert queries.staleness(3 * 60 + 600, 60) == "ok"
    assert queries.staleness(3 * 60 + 601, 60) == "warn"
    assert queries.staleness(24 * 60 + 3601, 60) == "bad"
    assert queries.staleness(5 * 3600, 10800) == "ok"  # Kp: 3-hourly
    assert queries.staleness(None, 60) == "bad"


def test_source_job_mapping(settings):
    u = settings.source_urls
    assert queries.source_job(u["swpc_rtsw_wind"], settings) == "swpc_realtime"
    assert queries.source_job(u["donki"].split("{")[0] + "CME", settings) == "donki_events"
    assert queries.source_job(u["omni2"].format(year=2024), settings) == "omni_daily"
    assert queries.source_job("https://amda.irap.omp.eu/service/hapi/data", settings) == \
        "hapi_pulls"


def test_sources_coloured(app, ctx):
    wall = now_us()
    u = ctx.settings.source_urls
    with ctx.factory() as s, s.begin():
        s.add_all([
            m.SourceStatus(source=u["swpc_plasma"], state="ok", last_attempt_us=wall - MINUTE_US,
                           last_success_us=wall - MINUTE_US, failures=0),
            m.SourceStatus(source=u["swpc_mag"], state="failing",
                           last_attempt_us=wall - MINUTE_US, last_success_us=wall - HOUR_US,
                           failures=7, message="HTTP 503 Service Unavailable, after 4 attempts"),
            m.SourceStatus(source=u["gfz_kp"], state="ok", last_attempt_us=wall - 2 * DAY_US,
                           last_success_us=wall - 2 * DAY_US, failures=0),
        ])
    resp = app.test_client().get("/status")
    assert resp.status_code == 200
    html = resp.data.decode()
    rows = _classes(html, "source", "source")
    assert rows[u["swpc_plasma"]] == "ok"
    assert rows[u["swpc_mag"]] == "bad"  # failing
    assert rows[u["gfz_kp"]] == "warn"  # ok, but no success for 2 days (job every 3 h)
    assert "HTTP 503 Service Unavailable, after 4 attempts" in html
    assert "1 source failing" in html and "1 stale" in html


def test_jobs_last_and_next_runs(app, ctx):
    wall = now_us()
    start = wall - 30 * 1_000_000
    with ctx.factory() as s, s.begin():
        s.add_all([
            m.JobRun(job="swpc_realtime", worker="w1", started_us=start,
                     finished_us=start + 2_500_000, status="ok", records=42),
            m.JobRun(job="donki_events", worker="w1", started_us=wall - 5 * MINUTE_US,
                     finished_us=wall - 5 * MINUTE_US + 1_000_000, status="failed",
                     records=0, message="JobFailed: 1 of 7 sources failed: boom"),
            m.JobRun(job="kp_indices", worker="w1", started_us=wall - 2 * DAY_US,
                     finished_us=wall - 2 * DAY_US + 1_000_000, status="ok", records=3),
            m.SchedulerLease(name="scheduler", holder="host:123", expires_us=wall + MINUTE_US),
        ])
    html = app.test_client().get("/status").data.decode()
    rows = _classes(html, "job", "job")
    assert set(rows) == {j.name for j in JOBS}  # every scheduled job is listed
    assert rows["swpc_realtime"] == "ok"
    assert rows["donki_events"] == "bad"
    assert rows["kp_indices"] == "warn"  # last run 2 days ago, every 3 h: overdue
    assert rows["icmecat"] == "muted"  # never run
    row = re.search(r'data-job="swpc_realtime">(.*?)</tr>', html, re.S).group(1)
    started = str(np.datetime64(start, "us").astype("datetime64[s]")).replace("T", " ")
    after = str(np.datetime64(start + 60_000_000, "us").astype("datetime64[s]")).replace("T", " ")
    assert started in row and after in row  # next expected = last start + 60 s
    assert ">42<" in row and "2.5 s" in row
    assert "JobFailed: 1 of 7 sources failed: boom" in html
    assert "overdue" in re.search(r'data-job="kp_indices">(.*?)</tr>', html, re.S).group(1)
    assert "scheduler: host:123" in html
    assert "1 job failed" in html


def test_no_scheduler_is_said(app, ctx):
    html = app.test_client().get("/status").data.decode()
    assert "jobs not running" in html
    assert "No source has been fetched yet." in html


def test_datasets_ages(app, ctx):
    wall = now_us()
    put_series(ctx, PRODUCT_PLASMA, minutes(wall - 3 * DAY_US, 10),
               {"speed": np.full(10, 400.0)})
    put_series(ctx, OMNI2_SPEC, minutes(wall - 300 * DAY_US, 10), {"speed": np.full(10, 1.0)})
    html = app.test_client().get("/status").data.decode()
    rows = _classes(html, "dataset", "dataset")
    assert rows["swpc_rt_plasma"] == "bad"  # real time, 3 days old
    assert rows["omni2_h0"] == "archive"  # published months late by design: not judged
    assert "1 real-time dataset stale" in html
