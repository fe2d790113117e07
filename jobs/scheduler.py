"""APScheduler 3 set-up: every job of :data:`jobs.tasks.JOBS` on its interval, coalesced,
one instance at a time, run only by the process holding the database lease."""

from __future__ import annotations

import logging

from storms import app_context

from .lease import try_acquire, worker_id
from .runner import LEASE_TTL_S, run_job
from .tasks import JOBS

log = logging.getLogger(__name__)


def build_scheduler(ctx: app_context.Context, holder: str | None = None, blocking=False):
    """A configured (not started) scheduler; ``blocking`` for ``storms jobs run``."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    holder = holder or worker_id()
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 60})
    for spec in JOBS:
        scheduler.add_job(run_job, "interval", seconds=spec.every_s, id=spec.name,
                          name=spec.description, args=[ctx, spec.name, spec.task, holder],
                          replace_existing=True)
    scheduler.add_job(try_acquire, "interval", seconds=LEASE_TTL_S / 3, id="lease_renewal",
                      args=[ctx.factory, holder, LEASE_TTL_S], replace_existing=True)
    return scheduler


def start_scheduler(ctx: app_context.Context):
    """Start the embedded scheduler of ``storms serve`` (jobs run only under the lease)."""
    scheduler = build_scheduler(ctx)
    scheduler.start()
    log.info("scheduler started with %d jobs", len(JOBS))
    return scheduler
