"""``storms jobs``: run the scheduler alone, or one job now, and list the last runs."""

from __future__ import annotations

import click
from sqlalchemy import select

from storms import app_context


@click.group()
def jobs() -> None:
    """Scheduled jobs (ingest, propagation)."""


@jobs.command("run")
@click.option("--once", "job_name", help="Run this one job now and exit.")
def jobs_run(job_name: str | None) -> None:
    """Run the scheduler in the foreground (several may run: one holds the lease)."""
    from jobs.lease import worker_id
    from jobs.runner import run_job
    from jobs.scheduler import build_scheduler
    from jobs.tasks import JOBS

    ctx = app_context.default()
    if job_name:
        spec = next((j for j in JOBS if j.name == job_name), None)
        if spec is None:
            raise click.BadParameter(f"{job_name!r}; jobs: {', '.join(j.name for j in JOBS)}")
        status = run_job(ctx, spec.name, spec.task, worker_id(), use_lease=False)
        click.echo(f"{spec.name}: {status}")
        if status == "failed":
            raise SystemExit(1)
        return
    build_scheduler(ctx, blocking=True).start()


@jobs.command("history")
@click.option("--limit", default=20, show_default=True)
def jobs_history(limit: int) -> None:
    """The last job runs."""
    from storms import models as m
    from storms.timeutil import us_to_iso

    with app_context.default().factory() as session:
        for r in session.scalars(select(m.JobRun).order_by(m.JobRun.id.desc()).limit(limit)):
            click.echo(f"{us_to_iso(r.started_us)} {r.job:22s} {r.status:8s} {r.records:8d} "
                       f"{r.message or ''}")
