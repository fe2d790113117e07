"""Status (``/status``): every remote source, every scheduled job, every dataset's age and
the scheduler lease, coloured when failing or stale. Reloads itself every minute."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from storms import catalogue as queries  # noqa: F401
from storms import models as m
from storms.timeutil import now_us

from . import bp, display  # noqa: F401  (display registers the filters)

REFRESH_S = 60


def job_row(spec, runs: dict[str, Any], wall_us: int) -> dict[str, Any]:
    """One scheduled job: its last run, the next one expected and a state.

    ``failed`` (bad) when its last run failed; ``overdue`` (warn) when no run started
    within one interval (at least 2 min) after the expected one — the scheduler is not
    running or is stuck; ``running`` while it runs; ``never run`` (muted) before any run.
    """
    last: m.JobRun | None = runs["last"]
    every_us = int(spec.every_s * 1e6)
    row: dict[str, Any] = {"name": spec.name, "description": spec.description,
                           "every_s": spec.every_s, "last": last, "last_ok": runs["last_ok"],
                           "recent_failures": runs["recent_failures"], "next_us": None,
                           "duration_s": None}
    if last is None:
        row.update(state="never run", css="muted")
        return row
    row["next_us"] = last.started_us + every_us
    if last.finished_us is not None:
        row["duration_s"] = (last.finished_us - last.started_us) / 1e6
    late = wall_us - row["next_us"] > max(every_us, 120_000_000)
    if last.status == "failed":
        row.update(state="failed", css="bad")
    elif last.status == "running":
        long = wall_us - last.started_us > max(2 * every_us, 600_000_000)
        row.update(state="running" + (" (long)" if long else ""), css="warn" if long else "ok")
    elif late:
        row.update(state="overdue", css="warn")
    else:
        row.update(state=last.status, css="ok" if last.status == "ok" else "warn")
    if late and last.status != "running":
        row["overdue"] = True
    return row


@bp.get("/status")
def status():
    from jobs.tasks import JOBS

    ctx = current_app.extensions["storms"]
    wall = now_us()
    intervals = {j.name: j.every_s for j in JOBS}
    with ctx.factory() as session:
        sources = queries.source_statuses(session, ctx.settings, wall, intervals)
        runs = queries.last_job_runs(session, [j.name for j in JOBS])
        datasets = queries.dataset_freshness(session, wall, measured_only=False)
        recent = queries.recent_job_runs(session, 30)
        lease = queries.scheduler_lease(session)
    jobs = [job_row(j, runs[j.name], wall) for j in JOBS]
    lease_alive = lease is not None and lease.expires_us > wall
    summary = {
        "sources_failing": sum(s["state_class"] == "bad" for s in sources),
        "sources_stale": sum(s["state_class"] == "warn" for s in sources),
        "jobs_failed": sum(j["css"] == "bad" for j in jobs),
        "jobs_overdue": sum(bool(j.get("overdue")) for j in jobs),
        "datasets_stale": sum(d["state"] in ("warn", "bad") for d in datasets),
    }
    return render_template("status.html", title="Status", sources=sources, jobs=jobs,
                           datasets=datasets, recent=recent, lease=lease,
                           lease_alive=lease_alive, summary=summary, wall_us=wall,
                           refresh_s=REFRESH_S)
