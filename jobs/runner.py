"""Run a job once under the lease, recording it in ``job_runs``; never raises."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from storms import app_context
from storms import models as m
from storms.timeutil import now_us

from .lease import try_acquire
from .tasks import JobResult, Task

log = logging.getLogger(__name__)
LEASE_TTL_S = 120.0


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | failed | skipped
    records: int = 0


def execute(ctx: app_context.Context, name: str, task: Task, holder: str,
            use_lease: bool = True, lease_ttl_s: float | None = None) -> Outcome:
    """Run ``task`` if this process holds the lease (taking or renewing it), recorded as
    one ``job_runs`` row: status ok or failed, records written, the error or the job's
    note. A job that raises is recorded as failed; nothing propagates."""
    ttl = float(lease_ttl_s or ctx.settings.lease_ttl_s or LEASE_TTL_S)
    try:
        if use_lease and not try_acquire(ctx.factory, holder, ttl):
            return Outcome("skipped")
        with ctx.factory() as session, session.begin():
            run = m.JobRun(job=name, worker=holder, started_us=now_us(), status="running")
            session.add(run)
            session.flush()
            run_id = run.id
    except Exception as exc:  # the database is down: nothing to run on, nothing recorded
        log.warning("job %s not started: %s: %s", name, type(exc).__name__, exc)
        return Outcome("failed")
    status, records, message = "ok", 0, None
    try:
        result = task(ctx)
        if isinstance(result, JobResult):
            records, message = result.records, result.message
        else:
            records = int(result or 0)
    except BaseException as exc:  # a failing job must not stop the scheduler or the others
        status, message = "failed", f"{type(exc).__name__}: {exc}"[:4000]
        records = int(getattr(exc, "records", 0) or 0)  # what it did before failing
        log.warning("job %s failed: %s", name, message)
        interrupt = exc if isinstance(exc, KeyboardInterrupt) else None
    else:
        interrupt = None
    try:
        with ctx.factory() as session, session.begin():
            row = session.get(m.JobRun, run_id)
            if row is not None:
                row.finished_us, row.status, row.records = now_us(), status, records
                row.message = message[:4000] if message else None
    except Exception as exc:  # pragma: no cover - database lost during the job
        log.warning("job %s: outcome %s not recorded: %s", name, status, exc)
    if interrupt is not None:  # Ctrl-C in `storms jobs run --once`: recorded, then obeyed
        raise interrupt
    return Outcome(status, records)


def run_job(ctx: app_context.Context, name: str, task: Task, holder: str,
            use_lease: bool = True) -> str:
    """Run ``task`` if this process holds the lease: returns ok, failed or skipped."""
    return execute(ctx, name, task, holder, use_lease).status
