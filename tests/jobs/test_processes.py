"""Reliability with real processes: `storms jobs run` subprocesses on a PostgreSQL schema of
their own, with second-scale intervals (STORMS_JOBS) and a 3-second lease.

* two schedulers: only the lease holder runs jobs, no job ever overlaps itself, and the
  standby takes over when the holder is killed with SIGKILL;
* SIGKILL in the middle of an ingest transaction (held at its first record write by a
  table lock the test takes) leaves nothing: no provenance row, no dataset, no record;
  the next scheduler marks the run interrupted and ingests the file once;
* a restart resumes the stored schedule: nothing run again before it is due, a backlog
  run once (coalesced), no data twice;
* a job that fails (a dead source) does not stop the others.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select, text

from storms import app_context, config
from storms import models as m
from storms.database import upgrade
from storms.timeutil import now_us
from tests.conftest import POSTGRES_URL, _postgres_available
from tests.http_fixture import LocalServer

STORMS = Path(sys.executable).with_name("storms")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class Schema:
    def __init__(self, tmp_path: Path):
        self.name = f"jobs_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(POSTGRES_URL)
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = (f"{POSTGRES_URL}?options=-csearch_path%3D{self.name}"
                    f"&application_name={self.name}")
        self.env = {**os.environ, "STORMS_DATABASE_URL": self.url,
                    "STORMS_DATA_DIR": str(tmp_path / "data"), "STORMS_LEASE_TTL": "3",
                    "STORMS_HTTP_RETRIES": "0", "STORMS_HTTP_TIMEOUT": "10",
                    "NO_PROXY": "127.0.0.1,localhost"}
        for key in config.DEFAULT_SOURCE_URLS:  # nothing reaches the internet
            self.env[f"STORMS_URL_{key.upper()}"] = "off"
        self.ctx = app_context.build(config.load(self.env))
        upgrade(self.ctx.engine)

    def runs(self, job: str | None = None) -> list[m.JobRun]:
        with self.ctx.factory() as s:
            q = select(m.JobRun).order_by(m.JobRun.started_us, m.JobRun.id)
            return list(s.scalars(q.where(m.JobRun.job == job) if job else q))

    def query(self, sql: str):
        """One value, in a transaction of its own (pg_stat_activity is a snapshot per
        transaction)."""
        with self.admin.connect() as conn:
            return conn.execute(text(sql)).scalar()

    def count(self, model) -> int:
        with self.ctx.factory() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    def drop(self) -> None:
        self.ctx.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :s"), {"s": self.name})
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture
def pg(tmp_path):
    if not _postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES_URL} under CI")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = Schema(tmp_path)
    yield schema
    schema.drop()


class Scheduler:
    """`storms -v jobs run` in its own process group."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log_path = log
        self.log = open(log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([str(STORMS), "-v", "jobs", "run"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def owns(self, run: m.JobRun) -> bool:
        return run.worker.split(":")[1] == str(self.pid)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, sig: int, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            os.killpg(self.pid, sig)
        code = self.proc.wait(timeout)
        self.log.close()
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.signal(signal.SIGTERM, 20)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
        if not self.log.closed:
            self.log.close()


@pytest.fixture
def schedulers(tmp_path):
    started: list[Scheduler] = []

    def start(env: dict[str, str]) -> Scheduler:
        s = Scheduler(env, tmp_path / f"jobs-{len(started)}.log")
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def wait_for(predicate, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def assert_no_overlap(runs: list[m.JobRun]) -> None:
    by_job: dict[str, list[m.JobRun]] = {}
    for r in runs:
        by_job.setdefault(r.job, []).append(r)
    for job, rows in by_job.items():
        for a, b in zip(rows, rows[1:], strict=False):
            assert a.finished_us is not None, (job, a.worker, a.status)
            assert b.started_us >= a.finished_us, f"{job}: runs {a.id} and {b.id} overlap"


def test_two_schedulers_one_runs_and_the_other_takes_over(pg, schedulers):
    wind = FIXTURES / "swpc" / "rtsw_wind_1m_small.json"
    with LocalServer(wind.parent) as srv:
        env = {**pg.env, "STORMS_JOBS": "swpc_realtime:2,alerts:1,detect_shocks:1,"
                                        "donki_events:2",
               "STORMS_URL_SWPC_RTSW_WIND": f"{srv.url}/files/{wind.name}",
               "STORMS_URL_DONKI": "http://127.0.0.1:9/DONKI/{kind}"}  # a dead source
        first = schedulers(env)
        wait_for(lambda: len([r for r in pg.runs() if first.owns(r)]) >= 6, 60,
                 "the first scheduler's runs")
        second = schedulers(env)
        wait_for(lambda: "lease 3 s" in second.output(), 30, "the second scheduler")
        time.sleep(4)  # both up: the second waits
        assert all(first.owns(r) for r in pg.runs())
        killed_at = now_us()
        assert first.signal(signal.SIGKILL) == -signal.SIGKILL
        took_over = wait_for(lambda: [r for r in pg.runs() if second.owns(r)], 20,
                             "the take-over")
        time.sleep(4)
        assert second.signal(signal.SIGTERM) == 0  # a clean stop: jobs end, lease released
    runs = pg.runs()
    mine, theirs = ([r for r in runs if first.owns(r)], [r for r in runs if second.owns(r)])
    assert len(mine) + len(theirs) == len(runs)  # nobody else, nothing "skipped" recorded
    assert all(r.started_us < killed_at for r in mine)
    assert all(r.started_us > killed_at for r in theirs)
    # the lease expired at most 3 s after the kill; the standby polls every second
    assert (took_over[0].started_us - killed_at) / 1e6 < 3 + 1 + 6
    assert_no_overlap(runs)  # never the same job twice at a time, across both processes
    assert not [r for r in runs if r.status == "running"]
    assert {r.status for r in mine if r.status not in ("ok", "failed")} <= {"interrupted"}
    # the failing job failed every time, under both, and stopped nothing
    donki = [r for r in runs if r.job == "donki_events"]
    assert donki and all(r.status in ("failed", "interrupted") for r in donki)
    assert any(second.owns(r) and r.status == "failed" for r in donki)
    assert all("connection failed" in r.message for r in donki if r.status == "failed")
    for job in ("swpc_realtime", "alerts", "detect_shocks"):
        for owner in (first, second):
            assert any(r.job == job and r.status == "ok" and owner.owns(r) for r in runs), job
    # the file was ingested once, then seen unchanged
    with pg.ctx.factory() as s:
        files = s.scalars(select(m.SourceFile)).all()
    assert [(f.location.rsplit("/", 1)[-1], f.status) for f in files] == [(wind.name, "ok")]
    assert "Traceback" not in second.output()


def big_plasma_file(path: Path, weeks: int = 26) -> int:
    """A SWPC products plasma file of ``weeks`` of 1-minute records (strings, as SWPC
    writes them); returns the number of records."""
    rng = np.random.default_rng(6)
    n = weeks * 7 * 1440
    t = np.datetime64("2026-01-01T00:00", "m") + np.arange(n)
    rows: list[list[str | None]] = [["time_tag", "density", "speed", "temperature"]]
    density = rng.gamma(4, 1.5, n)
    speed = 350 + rng.gamma(3, 40, n)
    temperature = rng.lognormal(11.5, 0.4, n)
    for i in range(n):
        rows.append([str(t[i]).replace("T", " ") + ":00.000", f"{density[i]:.2f}",
                     f"{speed[i]:.1f}", f"{temperature[i]:.0f}"])
    path.write_text(json.dumps(rows))
    return n


def test_killed_during_an_ingest_leaves_nothing_and_a_restart_ingests_once(pg, schedulers,
                                                                         tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    n = big_plasma_file(www / "plasma-7-day.json")
    assert (www / "plasma-7-day.json").stat().st_size > 10_000_000
    with LocalServer(www) as srv:
        env = {**pg.env, "STORMS_JOBS": "swpc_realtime:3600,alerts:2",
               "STORMS_URL_SWPC_PLASMA": f"{srv.url}/files/plasma-7-day.json"}
        blocked = f"""SELECT pid FROM pg_stat_activity WHERE application_name = '{pg.name}'
                      AND wait_event_type = 'Lock' AND query ILIKE '%record_blocks%'
                      AND backend_xid IS NOT NULL"""
        with pg.admin.connect() as lock:
            # the ingest transaction stops at its first write of records; everything it
            # did before (its provenance row, the dataset) is written but not committed
            lock.execute(text(f'LOCK TABLE "{pg.name}".record_blocks IN SHARE MODE'))
            first = schedulers(env)
            backend = wait_for(lambda: pg.query(blocked), 60, "the ingest to write")
            assert first.signal(signal.SIGKILL) == -signal.SIGKILL
            lock.rollback()
        # the server rolls the orphan transaction back
        wait_for(lambda: not pg.query(f"SELECT 1 FROM pg_stat_activity WHERE pid = {backend}"),
                 20, "the killed backend to go")
        assert pg.count(m.SourceFile) == 0
        assert pg.count(m.Dataset) == 0 and pg.count(m.RecordBlock) == 0
        (killed_run,) = pg.runs("swpc_realtime")
        assert killed_run.status == "running" and first.owns(killed_run)

        second = schedulers(env)  # the restart, after the lease expired
        wait_for(lambda: any(r.status == "ok" and second.owns(r)
                             for r in pg.runs("swpc_realtime")), 60, "the re-run")
        assert second.signal(signal.SIGTERM) == 0
    killed_run, rerun = pg.runs("swpc_realtime")
    assert killed_run.status == "interrupted" and "run again by" in killed_run.message
    assert rerun.status == "ok" and rerun.records == n and second.owns(rerun)
    with pg.ctx.factory() as s:
        files = s.scalars(select(m.SourceFile)).all()
        stored = s.scalar(select(func.sum(m.RecordBlock.n)))
        next_run = s.execute(text("SELECT next_run_time FROM apscheduler_jobs "
                                  "WHERE id = 'swpc_realtime'")).scalar()
    assert [(f.status, f.added) for f in files] == [("ok", n)]
    assert stored == n
    assert abs(next_run - (rerun.started_us / 1e6 + 3600)) < 5  # the schedule, stored

    # a restart: nothing is due but alerts (late by a few intervals: run once, coalesced)
    time.sleep(5)
    restarted_at = now_us()
    third = schedulers(env)
    wait_for(lambda: any(third.owns(r) for r in pg.runs("alerts")), 30, "the third start")
    time.sleep(1.5)
    assert third.signal(signal.SIGTERM) == 0
    swpc = pg.runs("swpc_realtime")
    assert [r.id for r in swpc] == [killed_run.id, rerun.id]  # not run again: not due
    alerts = [r for r in pg.runs("alerts") if third.owns(r)]
    first_alert = alerts[0].started_us
    assert first_alert > restarted_at
    assert len([r for r in alerts if r.started_us - first_alert < 1_500_000]) == 1
    with pg.ctx.factory() as s:
        assert s.scalar(select(func.sum(m.RecordBlock.n))) == n
        assert s.scalar(select(func.count()).select_from(m.SourceFile)) == 1
    assert_no_overlap(pg.runs())


def test_scheduler_embedded_in_serve_runs_in_one_worker(pg, tmp_path):
    """`storms serve --workers 2` on PostgreSQL with the embedded scheduler (no
    --no-jobs): both workers try, one holds the lease and runs every job; stopped, it
    releases the lease."""
    import socket

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**pg.env, "STORMS_JOBS": "alerts:1,detect_shocks:1"}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(STORMS), "serve", "--port", str(port), "--workers", "2",
                             "--threads", "2"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for(lambda: len(pg.runs()) >= 8, 60, "the embedded scheduler's runs")
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(40)
        log.close()
    runs = pg.runs()
    workers = {r.worker for r in runs}
    assert len(workers) == 1, workers  # one worker of the two ran them all
    assert int(next(iter(workers)).split(":")[1]) != proc.pid  # a worker, not the arbiter
    assert {r.job for r in runs} == {"alerts", "detect_shocks"}
    assert_no_overlap([r for r in runs if r.status != "running"])
    from jobs.lease import holder_of

    assert holder_of(pg.ctx.factory) is None  # released at the stop
