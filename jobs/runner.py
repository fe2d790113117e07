"""Run a job once under the lease, recording it in ``job_runs``; never raises."""

from __future__ import annotations

import logging

from storms import app_context
from storms import models as m
from storms.timeutil import now_us

from .lease import try_acquire
from .tasks import Task

log = logging.getLogger(__name__)
LEASE_TTL_S = 120.0


def run_job(ctx: app_context.Context, name: str, task: Task, holder: str,
            use_lease: bool = True) -> str:
    """Run ``task`` if this process holds the lease: returns ok, failed or skipped."""
    if use_lease and not try_acquire(ctx.factory, holder, LEASE_TTL_S):
        return "skipped"
    with ctx.factory() as session, session.begin():
        run = m.JobRun(job=name, worker=holder, started_us=now_us(), status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    status, records, message = "ok", 0, None
    try:
        records = int(task(ctx) or 0)
    except Exception as exc:  # a failing job must not stop the scheduler or the others
        status, message = "failed", f"{type(exc).__name__}: {exc}"[:4000]
        log.warning("job %s failed: %s", name, message)
    with ctx.factory() as session, session.begin():
        row = session.get(m.JobRun, run_id)
        assert row is not None
        row.finished_us, row.status, row.records, row.message = now_us(), status, records, message
    return status
