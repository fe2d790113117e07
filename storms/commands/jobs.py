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
    """Run the scheduler in the foreground (several may run: the one holding the database
    lease runs the jobs, the others take over when it stops or dies)."""
    from jobs.lease import worker_id
    from jobs.runner import run_job
    from jobs.scheduler import JobService
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
    import signal

    try:
        service = JobService(ctx)
    except ValueError as exc:  # a bad STORMS_JOBS
        raise click.ClickException(str(exc)) from None

    def _stop(signum, _frame) -> None:  # running jobs end first; a second signal kills
        signal.signal(signum, signal.SIG_DFL)
        service.stop(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"scheduler {service.holder}: {len(service.intervals)} jobs "
               f"({', '.join(f'{n}:{s}s' for n, s in service.intervals.items())}); "
               f"lease {service.ttl_s:g} s", err=True)
    service.run_forever()


@jobs.command("list")
def jobs_list() -> None:
    """Every job, its interval and its next run as stored by the scheduler."""
    from sqlalchemy import text

    from jobs.scheduler import JOBSTORE_TABLE
    from jobs.tasks import JOBS
    from storms.timeutil import us_to_iso

    ctx = app_context.default()
    with ctx.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}"))
        stored: dict[str, float | None] = {k: v for k, v in rows}
    for spec in JOBS:
        nrt = stored.get(spec.name)
        when = us_to_iso(int(nrt * 1e6), 0) if nrt is not None else "-"
        click.echo(f"{spec.name:22s} every {spec.every_s:6d} s  next {when}  {spec.description}")


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
