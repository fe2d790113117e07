"""The scheduler service in-process, on SQLite and PostgreSQL: the persistent job store
(next runs survive a restart), the job table of STORMS_JOBS, failures that stop nothing,
interrupted runs resumed, followers started by new data, the migration."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, inspect, select, text

from jobs import lease
from jobs.scheduler import JOBSTORE_TABLE, JobService, active_jobs, misfire_grace_s
from jobs.tasks import JOBS, JobResult, JobSpec
from storms import app_context
from storms import models as m
from storms.timeutil import now_us


def _ctx(ctx, **changes):
    settings = dataclasses.replace(ctx.settings, **changes)
    return app_context.Context(settings, ctx.engine, ctx.factory)


def _noop_jobs():
    return [dataclasses.replace(spec, task=lambda _c: 0) for spec in JOBS]


def _runs(ctx, job=None):
    with ctx.factory() as s:
        q = select(m.JobRun).order_by(m.JobRun.started_us)
        if job:
            q = q.where(m.JobRun.job == job)
        return list(s.scalars(q))


def _wait(predicate, timeout=10.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_storms_jobs_selects_jobs_and_intervals():
    everything = active_jobs(None)
    assert everything == {j.name: j.every_s for j in JOBS}
    assert {"climso_archive", "verification", "retention"} <= set(everything)
    assert everything["swpc_realtime"] == 60 and everything["donki_events"] == 900
    assert everything["climso_archive"] == 3600 and everything["kp_indices"] == 3 * 3600
    assert active_jobs("swpc_realtime:2, alerts ,omni_daily:0.4") == {
        "swpc_realtime": 2, "alerts": 60, "omni_daily": 1}
    with pytest.raises(ValueError, match="unknown job 'nope'"):
        active_jobs("nope:3")
    with pytest.raises(ValueError, match="positive"):
        active_jobs("alerts:-1")
    assert misfire_grace_s(60) == 60 and misfire_grace_s(86400) == 43200


def test_job_store_keeps_next_runs_across_a_restart(ctx):
    a = JobService(ctx, holder="a", specs=_noop_jobs())
    assert a.tick()
    jobs = {j.id: j for j in a.scheduler.get_jobs()}
    assert set(jobs) == {j.name for j in JOBS}
    swpc = jobs["swpc_realtime"]
    assert swpc.trigger.interval.total_seconds() == 60
    assert swpc.coalesce and swpc.max_instances == 1 and swpc.misfire_grace_time == 60
    assert jobs["omni_daily"].misfire_grace_time == 43200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    a.scheduler.modify_job("omni_daily", next_run_time=later)
    a.close()
    with ctx.engine.connect() as conn:
        stored = {k: v for k, v in conn.execute(
            text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}"))}
    assert set(stored) == {j.name for j in JOBS}
    assert abs(stored["omni_daily"] - later.timestamp()) < 1e-3

    b = JobService(ctx, holder="b", specs=_noop_jobs())  # the restart: a new process
    assert b.tick()
    try:
        job = b.scheduler.get_job("omni_daily")
        assert abs(job.next_run_time.timestamp() - later.timestamp()) < 1e-3  # kept
        assert job.args == ("b", "omni_daily")  # re-registered for the new holder
        assert lease.holder_of(ctx.factory) == "b"
    finally:
        b.close()
    # a restart with fewer jobs (STORMS_JOBS) takes the others out of the store
    c = JobService(_ctx(ctx, jobs="alerts:5"), holder="c", specs=_noop_jobs())
    assert c.tick()
    try:
        assert [j.id for j in c.scheduler.get_jobs()] == ["alerts"]
        assert c.scheduler.get_job("alerts").trigger.interval.total_seconds() == 5
    finally:
        c.close()


def test_standby_waits_for_the_lease(ctx):
    a = JobService(_ctx(ctx, lease_ttl_s=60), holder="a", specs=_noop_jobs())
    b = JobService(_ctx(ctx, lease_ttl_s=60), holder="b", specs=_noop_jobs())
    assert a.tick() and not b.tick()
    assert b.scheduler is None
    a.close()  # releases the lease: the standby takes over at its next poll
    try:
        assert b.tick()
    finally:
        b.close()


def test_a_job_that_raises_stops_nothing(ctx):
    """Jobs every second: one raises, one hangs longer than its interval, one is fine.
    The fine one keeps running, the failures are recorded, the slow one never overlaps
    itself."""
    def boom(_c):
        raise RuntimeError("boom")

    def exits(_c):
        raise SystemExit(3)

    def slow(_c):
        time.sleep(2.5)
        return 1

    specs = [JobSpec("fine", lambda _c: 2, 60, "fine"), JobSpec("boom", boom, 60, "boom"),
             JobSpec("exits", exits, 60, "exits"), JobSpec("slow", slow, 60, "slow")]
    c = _ctx(ctx, jobs="fine:1,boom:1,exits:1,slow:1", lease_ttl_s=3)
    service = JobService(c, holder="me", specs=specs, poll_s=0.5).start()
    try:
        assert _wait(lambda: len(_runs(ctx, "fine")) >= 5, timeout=15)
    finally:
        service.stop(timeout=10)
    fine, boom_runs = _runs(ctx, "fine"), _runs(ctx, "boom")
    assert all(r.status == "ok" and r.records == 2 for r in fine)
    assert len(boom_runs) >= 3 and all(r.status == "failed" and "boom" in r.message
                                       for r in boom_runs)
    assert all(r.status == "failed" and "SystemExit" in r.message for r in _runs(ctx, "exits"))
    slow_runs = _runs(ctx, "slow")
    assert slow_runs and all(r.status == "ok" for r in slow_runs)
    for a, b in zip(slow_runs, slow_runs[1:], strict=False):
        assert b.started_us >= a.finished_us  # one instance at a time
    assert lease.holder_of(ctx.factory) is None  # released at the stop


def test_interrupted_run_is_marked_and_run_again(ctx):
    """A holder killed during a job leaves its run 'running' and its lease to expire: the
    next holder marks the run interrupted and runs the job again at once, although its
    next run (from the interrupted start) is an hour away."""
    started = now_us() - 5_000_000
    with ctx.factory() as s, s.begin():
        s.add(m.JobRun(job="ingest", worker="dead:1:x", started_us=started, status="running"))
        s.add(m.SchedulerLease(name="scheduler", holder="dead:1:x", expires_us=now_us() - 1))
    specs = [JobSpec("ingest", lambda _c: 7, 3600, "an ingest")]
    service = JobService(_ctx(ctx, lease_ttl_s=3), holder="new", specs=specs, poll_s=0.5)
    service.start()
    try:
        assert _wait(lambda: any(r.worker == "new" and r.status == "ok"
                                 for r in _runs(ctx, "ingest")), timeout=10)
    finally:
        service.stop(timeout=10)
    old, new = _runs(ctx, "ingest")
    assert old.status == "interrupted" and old.finished_us is not None
    assert "dead:1:x" in old.message and "new" in old.message
    assert new.started_us >= old.finished_us and new.records == 7


def test_new_data_start_the_followers(ctx):
    """A job that wrote something starts its followers at once (new L1 data -> forecast);
    one that wrote nothing does not."""
    calls = []

    def source(_c):
        calls.append("source")
        return JobResult(5, "new data")

    specs = [JobSpec("source", source, 3600, "source", then=("follower", "quiet")),
             JobSpec("follower", lambda _c: calls.append("follower") or 0, 3600, "f"),
             JobSpec("quiet", lambda _c: 0, 3600, "q")]
    recent = now_us()
    with ctx.factory() as s, s.begin():  # follower and quiet ran just now: next in 1 h
        for name in ("follower", "quiet"):
            s.add(m.JobRun(job=name, worker="w", started_us=recent, finished_us=recent,
                           status="ok", records=0))
    service = JobService(_ctx(ctx, lease_ttl_s=3), holder="me", specs=specs,
                         poll_s=0.5).start()
    try:
        assert _wait(lambda: len(_runs(ctx, "follower")) == 2, timeout=10)
        time.sleep(0.5)
    finally:
        service.stop(timeout=10)
    src = _runs(ctx, "source")
    assert len(src) == 1 and src[0].message == "new data" and src[0].records == 5
    follower = _runs(ctx, "follower")[-1]
    assert follower.worker == "me" and follower.started_us >= src[0].finished_us
    assert len(_runs(ctx, "quiet")) == 2  # both followers started (quiet as well)


def test_follower_busy_runs_again_after(ctx):
    """Triggered while it runs, a follower runs once more when it ends (not dropped)."""
    gate = threading.Event()
    runs = []

    def follower(_c):
        runs.append(time.monotonic())
        if len(runs) == 1:
            gate.wait(5)
        return 0

    specs = [JobSpec("follower", follower, 3600, "f")]
    service = JobService(_ctx(ctx, lease_ttl_s=3), holder="me", specs=specs, poll_s=0.5)
    service.start()
    try:
        assert _wait(lambda: len(runs) == 1)
        service.trigger("follower")  # busy: remembered
        gate.set()
        assert _wait(lambda: len(runs) == 2, timeout=5)
    finally:
        service.stop(timeout=10)


def test_migration_creates_the_job_store_and_goes_back(ctx):
    from storms.database import current_revision, upgrade

    insp = inspect(ctx.engine)
    assert JOBSTORE_TABLE in insp.get_table_names()
    assert {"kept_path", "purged_us"} <= {c["name"] for c in insp.get_columns("source_files")}
    upgrade_down(ctx.engine, "0010")
    assert JOBSTORE_TABLE not in inspect(ctx.engine).get_table_names()
    upgrade(ctx.engine)
    assert current_revision(ctx.engine) == "0011"
    # a scheduler that ran before the migration created the table itself: kept
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    upgrade_down(ctx.engine, "0010")
    SQLAlchemyJobStore(engine=ctx.engine, tablename=JOBSTORE_TABLE).jobs_t.create(ctx.engine)
    upgrade(ctx.engine)
    assert current_revision(ctx.engine) == "0011"
    with ctx.factory() as s:
        assert s.scalar(select(func.count()).select_from(m.SourceFile)) == 0


def upgrade_down(engine, revision):
    from alembic import command

    from storms.database import alembic_config

    command.downgrade(alembic_config(engine), revision)


def test_a_backlog_runs_once_at_the_take_over(ctx):
    """A job that fell due 3.5 intervals ago while no scheduler ran: one run at the
    take-over, then the normal rhythm (not a catch-up run and a regular one together)."""
    c = _ctx(ctx, jobs="tick:2", lease_ttl_s=3)
    specs = [JobSpec("tick", lambda _c: 0, 60, "tick")]
    with ctx.factory() as s, s.begin():  # ran just now: next in 2 s
        s.add(m.JobRun(job="tick", worker="w", started_us=now_us(), finished_us=now_us(),
                       status="ok", records=0))
    a = JobService(c, holder="a", specs=specs)
    assert a.tick()
    a.scheduler.pause()
    a.scheduler.modify_job("tick", next_run_time=dt.datetime.now(dt.UTC)
                           - dt.timedelta(seconds=7))
    a.close()
    started = now_us()
    b = JobService(c, holder="b", specs=specs, poll_s=0.5).start()
    try:
        assert _wait(lambda: [r for r in _runs(ctx, "tick") if r.worker == "b"], timeout=5)
        time.sleep(1.5)
    finally:
        b.stop(timeout=10)
    runs = [r for r in _runs(ctx, "tick") if r.worker == "b"]
    assert (runs[0].started_us - started) / 1e6 < 1.5
    assert len([r for r in runs if r.started_us - runs[0].started_us < 1_900_000]) == 1
