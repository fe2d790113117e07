"""The scheduler: APScheduler 3 on a persistent job store, active in one process at a time.

Every process that may run the jobs (the scheduler embedded in each ``storms serve``
worker, each ``storms jobs run``) runs a :class:`JobService`. It tries to take the
database lease (:mod:`jobs.lease`) every ``ttl/3`` seconds. The holder runs a
``BackgroundScheduler`` whose jobs live in the service database (APScheduler's
``SQLAlchemyJobStore``, table ``apscheduler_jobs``), so next-run times survive restarts
and take-overs; the others wait. Jobs are coalesced (a backlog runs once), one instance
at a time, and run late within a misfire grace of half their interval (at least 60 s);
a job that fell due while no scheduler ran runs once at the take-over.

On taking the lease a service re-registers every job (``replace_existing``) keeping its
stored next-run time; marks the runs left ``running`` by a dead holder ``interrupted``
and runs those jobs again at once (their transactions were rolled back: nothing of them
is in the store). A job that wrote something starts its followers at once
(:attr:`jobs.tasks.JobSpec.then`: new L1 data -> solar-wind forecast; new DONKI events ->
CME propagation). Each run also checks the lease (:func:`jobs.runner.execute`), so a
process that lost it runs nothing.

``STORMS_JOBS="name[:seconds],..."`` runs only those jobs (with those intervals);
``STORMS_LEASE_TTL`` sets the lease (default 120 s: a killed holder is replaced after at
most that).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import func, select

from storms import app_context
from storms import models as m
from storms.timeutil import now_us

from .lease import release, try_acquire, worker_id
from .runner import execute
from .tasks import JOBS, JobSpec

log = logging.getLogger(__name__)
JOBSTORE_TABLE = "apscheduler_jobs"
MAX_THREADS = 6
#: seconds between the first runs of jobs that never ran (not all at once at start-up)
STAGGER_S = 1.0

#: the services of this process, by holder name: a stored job names its service
_SERVICES: dict[str, JobService] = {}


class ServiceJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy store on the service's engine, which it must not dispose
    at shutdown (the web workers use it). Once shut down it shows no due jobs: APScheduler
    3 makes one more pass over the stores after ``shutdown()``, which would otherwise
    move the next run of a job that fell due just then without running it."""

    closed = False

    def shutdown(self) -> None:
        self.closed = True

    def get_due_jobs(self, now):
        return [] if self.closed else super().get_due_jobs(now)

    def get_next_run_time(self):
        return None if self.closed else super().get_next_run_time()


def run_scheduled(holder: str, name: str) -> None:
    """What the job store points to (it stores a reference, not the context)."""
    service = _SERVICES.get(holder)
    if service is None:
        log.warning("job %s: no service %s in this process; not run", name, holder)
        return
    service.run_now(name)


def misfire_grace_s(every_s: float) -> int:
    return int(max(60, every_s // 2))


def active_jobs(spec_text: str | None, specs: Iterable[JobSpec] = JOBS) -> dict[str, int]:
    """``{job name: interval s}`` to schedule: all jobs, or those of ``STORMS_JOBS``
    (``name`` or ``name:seconds``, comma-separated)."""
    by_name = {s.name: s for s in specs}
    if not spec_text or not spec_text.strip() or spec_text.strip() == "all":
        return {name: s.every_s for name, s in by_name.items()}
    out: dict[str, int] = {}
    for item in filter(None, (x.strip() for x in spec_text.split(","))):
        name, _, seconds = item.partition(":")
        name = name.strip()
        if name not in by_name:
            raise ValueError(f"STORMS_JOBS: unknown job {name!r}; jobs: {', '.join(by_name)}")
        every = float(seconds) if seconds.strip() else by_name[name].every_s
        if every <= 0:
            raise ValueError(f"STORMS_JOBS: {item!r}: the interval must be positive")
        out[name] = max(1, int(round(every)))
    return out


def _utc(us: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(us / 1e6, dt.UTC)


class JobService:
    """Takes the lease when it can, runs the scheduler while it holds it."""

    def __init__(self, ctx: app_context.Context, holder: str | None = None,
                 specs: Iterable[JobSpec] = JOBS, poll_s: float | None = None):
        self.ctx = ctx
        self.holder = holder or worker_id()
        self.specs = {s.name: s for s in specs}
        self.intervals = active_jobs(ctx.settings.jobs, self.specs.values())
        self.ttl_s = float(ctx.settings.lease_ttl_s)
        self.poll_s = poll_s or max(0.2, self.ttl_s / 3)
        self.scheduler = None
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._valid_until = 0.0
        self._running: set[str] = set()
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None

    # --- the lease loop -----------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.scheduler is not None

    def start(self) -> JobService:
        """In a background thread (the embedded scheduler of ``storms serve``)."""
        self._thread = threading.Thread(target=self.run_forever, name="storms-jobs",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop taking the lease; with ``wait``, until the running jobs have ended and the
        lease is released."""
        self._stop.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run_forever(self) -> None:
        _SERVICES[self.holder] = self
        log.info("scheduler %s: %d jobs, lease %g s", self.holder, len(self.intervals),
                 self.ttl_s)
        try:
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(self.poll_s)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the scheduler (running jobs end first) and release the lease."""
        self._stop.set()
        self._deactivate(wait=True)
        try:
            release(self.ctx.factory, self.holder)
        except Exception as exc:  # the database is gone: the lease simply expires
            log.warning("lease not released: %s", exc)
        _SERVICES.pop(self.holder, None)
        log.info("scheduler %s stopped", self.holder)

    def tick(self) -> bool:
        """Take or renew the lease; start or stop the scheduler. True while active."""
        try:
            held: bool | None = try_acquire(self.ctx.factory, self.holder, self.ttl_s)
        except Exception as exc:  # database unreachable: keep going while the lease lasts
            log.warning("lease: %s: %s", type(exc).__name__, exc)
            held = None
        if held:
            self._valid_until = time.monotonic() + self.ttl_s
            if not self.active:
                try:
                    self._activate()
                except Exception:
                    log.exception("scheduler could not start; retrying")
                    self._deactivate(wait=False)
        elif self.active and (held is False or time.monotonic() > self._valid_until):
            log.warning("scheduler %s lost the lease; standing by", self.holder)
            self._deactivate(wait=False)
        return self.active

    # --- the scheduler while holding the lease ------------------------------------------

    def _activate(self) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        _SERVICES[self.holder] = self
        scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            jobstores={"default": ServiceJobStore(engine=self.ctx.engine,
                                                  tablename=JOBSTORE_TABLE)},
            executors={"default": ThreadPoolExecutor(MAX_THREADS)},
            job_defaults={"coalesce": True, "max_instances": 1})
        scheduler.start(paused=True)
        with self._lock:
            self.scheduler = scheduler
        self._register(scheduler)
        interrupted = self._recover()
        now = dt.datetime.now(dt.UTC)
        for name in interrupted:
            scheduler.modify_job(name, next_run_time=now)
        scheduler.resume()
        log.info("scheduler %s holds the lease: %d jobs%s", self.holder, len(self.intervals),
                 f", {len(interrupted)} interrupted run(s) resumed" if interrupted else "")

    def _register(self, scheduler) -> None:
        """Every active job, keeping the next-run time stored by the previous holder (or
        derived from the last run); jobs no longer active leave the store."""
        from apscheduler.triggers.interval import IntervalTrigger

        now = dt.datetime.now(dt.UTC)
        with self.ctx.factory() as session:
            last_started = {job: int(started) for job, started in session.execute(
                select(m.JobRun.job, func.max(m.JobRun.started_us)).group_by(m.JobRun.job))}
        stored = {job.id: job for job in scheduler.get_jobs()}
        for i, (name, every) in enumerate(self.intervals.items()):
            spec = self.specs[name]
            old = stored.get(name)
            same = (old is not None and old.next_run_time is not None
                    and isinstance(old.trigger, IntervalTrigger)
                    and old.trigger.interval == dt.timedelta(seconds=every))
            if same and old is not None:  # as stored; a backlog runs once, now, and
                next_run = max(now, old.next_run_time)  # the rhythm restarts from there
            elif name in last_started:  # resume the rhythm of the runs
                next_run = max(now, _utc(last_started[name]) + dt.timedelta(seconds=every))
            else:  # never run: soon, one after the other
                next_run = now + dt.timedelta(seconds=STAGGER_S * i)
            scheduler.add_job(run_scheduled, IntervalTrigger(seconds=every, timezone=dt.UTC),
                              id=name, name=spec.description, args=[self.holder, name],
                              replace_existing=True, next_run_time=next_run,
                              coalesce=True, max_instances=1,
                              misfire_grace_time=misfire_grace_s(every))
        for job_id in set(stored) - set(self.intervals):
            scheduler.remove_job(job_id)

    def _recover(self) -> list[str]:
        """Runs left ``running`` by another holder died with it (this process holds the
        lease, so that one cannot run anything): marked ``interrupted``; their jobs are
        run again."""
        stamp = now_us()
        with self.ctx.factory() as session, session.begin():
            rows = session.scalars(select(m.JobRun).where(
                m.JobRun.status == "running", m.JobRun.worker != self.holder)).all()
            for row in rows:
                row.status, row.finished_us = "interrupted", stamp
                row.message = (f"interrupted: worker {row.worker} stopped before the end "
                               f"(killed, or lost the lease); run again by {self.holder}")
            names = sorted({row.job for row in rows})
        if names:
            log.warning("runs interrupted by a dead scheduler: %s", ", ".join(names))
        return [n for n in names if n in self.intervals]

    def _deactivate(self, wait: bool) -> None:
        with self._lock:
            scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            try:
                scheduler.shutdown(wait=wait)
            except Exception:  # pragma: no cover - already stopped
                log.debug("scheduler shutdown", exc_info=True)

    # --- one run ------------------------------------------------------------------------

    def run_now(self, name: str) -> str:
        """Run one job (called by the scheduler's threads); start its followers when it
        wrote something."""
        spec = self.specs.get(name)
        if spec is None:
            log.warning("unknown job %s", name)
            return "failed"
        with self._lock:
            self._running.add(name)
        try:
            outcome = execute(self.ctx, name, spec.task, self.holder,
                              lease_ttl_s=self.ttl_s)
        finally:
            with self._lock:
                self._running.discard(name)
                again = name in self._pending
                self._pending.discard(name)
        if outcome.status == "ok" and outcome.records > 0:
            for follower in spec.then:
                self.trigger(follower)
        if again:
            self.trigger(name)
        return outcome.status

    def trigger(self, name: str) -> None:
        """Run ``name`` as soon as possible (after its current run, if it is running)."""
        with self._lock:
            if name not in self.intervals or self.scheduler is None:
                return
            if name in self._running:
                self._pending.add(name)
                return
            scheduler = self.scheduler
        try:
            scheduler.modify_job(name, next_run_time=dt.datetime.now(dt.UTC))
        except Exception as exc:  # the scheduler stopped meanwhile
            log.debug("trigger %s: %s", name, exc)


def build_service(ctx: app_context.Context, holder: str | None = None) -> JobService:
    return JobService(ctx, holder)


def start_scheduler(ctx: app_context.Context) -> JobService:
    """The embedded scheduler of ``storms serve``: a background thread that runs the jobs
    while this process holds the lease (one process among the workers does)."""
    service = JobService(ctx).start()
    atexit.register(service.stop, True, 30.0)
    return service
