"""The scheduled jobs. Each takes the storms context and returns the number of records it
added or updated (or a :class:`JobResult` with a note); it raises on failure (the runner
records it and carries on)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from ingest.http import FetchError, fetch
from ingest.pipeline import ingest_bytes
from storms import app_context
from storms import models as m
from storms.timeutil import now_us

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobResult:
    """What a job may return instead of a bare count: the count and a note for the
    history (``job_runs.message``)."""

    records: int
    message: str | None = None


Task = Callable[[app_context.Context], "int | JobResult"]


class JobFailed(RuntimeError):
    """A job that could not do all its work (the message says why); ``records`` is what
    it wrote before that (the sources that worked)."""

    def __init__(self, message: str, records: int = 0):
        super().__init__(message)
        self.records = records


def _fetch_and_ingest(ctx: app_context.Context, url: str, kind: str | None = None) -> int:
    s = ctx.settings
    data = fetch(url, s.http_timeout_s, s.http_retries, factory=ctx.factory)
    if not data.strip():  # DONKI answers an empty range with an empty body
        return 0
    report = ingest_bytes(ctx.factory, s, data, url, kind)
    if report.status == "refused":
        raise JobFailed(f"{url}: refused: {'; '.join(report.errors)}")
    if report.status == "ok" and s.keep_raw:
        keep_raw_copy(ctx, data, url)
    return report.added + report.updated


def keep_raw_copy(ctx: app_context.Context, data: bytes, location: str) -> None:
    """A gzip copy of a newly ingested file under ``raw/<YYYY-MM-DD>/``, named on its
    provenance row (``source_files.kept_path``); the retention job deletes it later.
    Written after the ingest committed: a crash in between leaves at most an unnamed
    copy, which retention removes like the others."""
    sha = hashlib.sha256(data).hexdigest()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", location.split("?")[0].rstrip("/")
                  .rsplit("/", 1)[-1])[:100] or "file"
    day = str(np.datetime64("now", "D"))
    stamp = str(np.datetime64("now", "s"))[11:].replace(":", "")
    folder = ctx.settings.raw_dir / day
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stamp}_{sha[:12]}_{name}.gz"
        path.write_bytes(gzip.compress(data, 6))
        with ctx.factory() as session, session.begin():
            row = session.scalars(select(m.SourceFile).where(
                m.SourceFile.sha256 == sha, m.SourceFile.status == "ok",
                m.SourceFile.kept_path.is_(None)).order_by(m.SourceFile.id.desc())).first()
            if row is not None:
                row.kept_path = path.relative_to(ctx.settings.data_dir).as_posix()
    except OSError as exc:  # a full disk must not fail the ingest that already committed
        log.warning("raw copy of %s not kept: %s", location, exc)


def _several(ctx: app_context.Context, urls: list[tuple[str, str | None]]) -> int:
    """Ingest each URL; one failing source does not stop the others, but is reported.
    A source switched off (``STORMS_URL_<KEY>=off``: an empty URL) is skipped."""
    total, failures = 0, []
    urls = [(url, kind) for url, kind in urls if url]
    for url, kind in urls:
        try:
            total += _fetch_and_ingest(ctx, url, kind)
        except (FetchError, JobFailed) as exc:
            failures.append(str(exc))
    if failures:
        raise JobFailed(f"{len(failures)} of {len(urls)} sources failed: " + " | ".join(failures),
                        total)
    return total


def swpc_realtime(ctx: app_context.Context) -> int:
    u = ctx.settings.source_urls
    return _several(ctx, [(u["swpc_plasma"], "swpc-products"), (u["swpc_mag"], "swpc-products"),
                          (u["swpc_rtsw_mag"], "swpc-rtsw"), (u["swpc_rtsw_wind"], "swpc-rtsw")])


def donki_events(ctx: app_context.Context) -> int:
    today = np.datetime64("now", "D")
    start, end = str(today - 30), str(today)
    base = ctx.settings.source_urls["donki"]
    if not base:
        return 0
    sep = "&" if "?" in base else "?"
    kinds = ("CME", "FLR", "SEP", "IPS", "GST", "HSS", "notifications")
    return _several(ctx, [(f"{base.format(kind=k)}{sep}startDate={start}&endDate={end}",
                           "donki") for k in kinds])


def omni_daily(ctx: app_context.Context) -> int:
    year = int(str(np.datetime64("now", "Y")))
    if not ctx.settings.source_urls["omni2"]:
        return 0
    return _several(ctx, [(ctx.settings.source_urls["omni2"].format(year=year), "omni2")])


def kp_indices(ctx: app_context.Context) -> int:
    u = ctx.settings.source_urls
    return _several(ctx, [(u["gfz_kp"], "gfz-kp"), (u["celestrak_sw"], "celestrak-sw")])


def icmecat(ctx: app_context.Context) -> int:
    return _several(ctx, [(ctx.settings.source_urls["icmecat"], "icmecat")])


PREDICTION_TARGETS = ("Mercury", "Venus", "Earth", "L1", "Mars", "Jupiter", "Saturn",
                      "Parker Solar Probe", "Solar Orbiter", "STEREO-A", "BepiColombo")
ENSEMBLE_MEMBERS = 2000
SPREAD = {"speed": 100.0, "w": 50.0, "direction": 10.0, "half_width": 5.0}


def propagate_new_cmes(ctx: app_context.Context) -> int:
    """Every DONKI CME with a most-accurate analysis and no prediction yet, propagated with a
    drag-based ensemble to every target with an ephemeris at that time."""
    from storms.propagate import PropagationError, Request, run

    with ctx.factory() as session:
        done = set(session.scalars(select(m.Prediction.event_id).where(
            m.Prediction.model == "dbem")))
        cmes = session.scalars(select(m.Event).where(m.Event.kind == "CME")).all()
        todo = []
        for ev in cmes:
            if ev.id in done:
                continue
            best = next((a for a in ev.analyses if a.most_accurate and a.speed_kms
                         and a.time21_5_us and a.longitude_deg is not None), None)
            if best is None or None in (best.time21_5_us, best.speed_kms, best.longitude_deg):
                continue
            todo.append((ev.id, ev.source_id, int(best.time21_5_us or 0),
                         float(best.speed_kms or 0.0), float(best.longitude_deg or 0.0),
                         best.latitude_deg or 0.0, best.half_width_deg or 30.0))
    added = 0
    for event_id, key, t_us, speed, lon, lat, hw in todo:
        time_iso = str(np.datetime64(t_us, "us")) + "Z"
        rows = []
        for target in PREDICTION_TARGETS:
            req = Request(model="dbm", source="Sun", time=time_iso, targets=[target],
                          speed_kms=float(speed), direction_deg=(float(lon), float(lat)),
                          half_width_deg=min(float(hw), 89.0), ensemble=ENSEMBLE_MEMBERS,
                          sigma=SPREAD, seed=event_id)
            try:
                rows.extend(run(req))
            except PropagationError as exc:  # no ephemeris for this target then
                log.debug("%s to %s: %s", key, target, exc)
        with ctx.factory() as session, session.begin():
            for r in rows:
                session.add(_prediction(event_id, key, t_us, r))
                added += 1
    return added


def _us(iso_text: str | None) -> int | None:
    if not iso_text:
        return None
    return int(np.datetime64(iso_text.rstrip("Z"), "us").astype(np.int64))


def _prediction(event_id: int, key: str, t_us: int, r: dict) -> m.Prediction:
    return m.Prediction(
        model="dbem", model_version=r["model_version"], event_id=event_id, event_key=key,
        target=r["target"], issued_us=now_us(), departure_us=t_us,
        hit=bool(r.get("hit_probability", 0) >= 0.5), hit_probability=r.get("hit_probability"),
        arrival_us=_us(r.get("arrival_p50")), arrival_p05_us=_us(r.get("arrival_p05")),
        arrival_p95_us=_us(r.get("arrival_p95")),
        arrival_speed_kms=r.get("arrival_speed_p50_km_s"),
        parameters={"model": r["parameters"], "ephemeris": r["ephemeris"]})


@dataclass(frozen=True)
class JobSpec:
    name: str
    task: Task
    every_s: int
    description: str
    #: jobs run at once when this one wrote something (new L1 data -> solar wind forecast)
    then: tuple[str, ...] = ()


def hapi_pulls(ctx: app_context.Context) -> int:
    """Datasets pulled from other HAPI servers (AMDA...): ``STORMS_HAPI_PULLS`` holds
    ``URL#DATASET`` entries separated by ``;``."""
    import os

    from amda_bridge.hapi_client import ingest_hapi

    total, failures = 0, []
    for spec in filter(None, (x.strip() for x in os.environ.get("STORMS_HAPI_PULLS",
                                                                  "").split(";"))):
        report = ingest_hapi(ctx, spec)
        if report.status == "refused":
            failures.append(f"{spec}: {'; '.join(report.errors)}")
        total += report.added + report.updated
    if failures:
        raise JobFailed(" | ".join(failures))
    return total


def detect_shocks(ctx: app_context.Context) -> int:
    """Fast-forward shocks in the last 6 hours at L1, stored as IPS events (source storms)."""
    from ingest.base import EventRecord
    from storms import store
    from storms.shocks import detect

    stop = now_us()
    start = stop - 6 * 3_600_000_000
    with ctx.factory() as session:
        names = {d.id for d in store.list_datasets(session)}
        if not {"swpc_rt_plasma", "swpc_rt_mag"} <= names:
            return 0
        t, plasma = store.read_series(session, "swpc_rt_plasma", start, stop)
        tb, bt = store.read_parameter(session, "swpc_rt_mag", "bt", start, stop)
    if len(t) < 10 or len(tb) < 2:
        return 0
    shocks = detect(t, plasma[:, 1], plasma[:, 0], np.interp(t, tb, bt), plasma[:, 2])
    events = [EventRecord(kind="IPS", source="storms", start=np.datetime64(s.time_us, "us"),
                          source_id=f"{np.datetime64(s.time_us, 's')}Z-IPS-L1",
                          location="L1", summary="Fast-forward shock detected at L1",
                          attributes={"speed_jump_km_s": s.speed_jump_kms,
                                      "density_ratio": s.density_ratio,
                                      "field_ratio": s.field_ratio,
                                      "temperature_ratio": s.temperature_ratio})
              for s in shocks]
    if not events:
        return 0
    with ctx.factory() as session, session.begin():
        counts = store.upsert_events(session, events, None)
    return counts.added + counts.updated


def alerts(ctx: app_context.Context) -> int:
    from storms.alerts import evaluate_all

    s = ctx.settings
    smtp = (s.smtp_host, s.smtp_port, s.smtp_from) if s.smtp_host else None
    return evaluate_all(ctx.factory, smtp=smtp)


def solar_wind_forecast(ctx: app_context.Context) -> int:
    from jobs.solarwind_forecast import predict_solar_wind

    return predict_solar_wind(ctx)


def climso_archive(ctx: app_context.Context) -> JobResult:
    from jobs.climso import scan_climso_archive

    return scan_climso_archive(ctx)


def verification(ctx: app_context.Context) -> JobResult:
    """The stored predictions scored against the observed arrivals (the scoreboard of
    :mod:`storms.verification`); the summary goes to the job history."""
    from storms.verification import scoreboard

    with ctx.factory() as session:
        rows = scoreboard(session)
    scored = sum(r["predictions"] for r in rows)
    if not rows:
        return JobResult(0, "no predictions to verify yet")
    parts = []
    for r in rows:
        mae = r["mean_absolute_error_h"]
        parts.append(f"{r['model']} {r['target']}: {r['hits']} hits, {r['misses']} misses, "
                     f"{r['false_alarms']} false alarms"
                     + ("" if mae is None else f", MAE {mae:.1f} h"))
    return JobResult(scored, "; ".join(parts))


def retention(ctx: app_context.Context) -> JobResult:
    from jobs.retention import prune_raw_files

    return prune_raw_files(ctx)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("swpc_realtime", swpc_realtime, 60, "NOAA SWPC real-time solar wind",
            then=("solar_wind_forecast", "detect_shocks", "alerts")),
    JobSpec("solar_wind_forecast", solar_wind_forecast, 3600,
            "Solar wind from L1 to every planet and spacecraft (HUX), as predicted datasets; "
            "also at once whenever new L1 data arrive"),
    JobSpec("alerts", alerts, 60, "Alert rules on the latest data, webhook notifications"),
    JobSpec("detect_shocks", detect_shocks, 5 * 60, "Shock detection in the L1 data"),
    JobSpec("donki_events", donki_events, 15 * 60, "NASA DONKI events and notifications",
            then=("propagate_new_cmes",)),
    JobSpec("propagate_new_cmes", propagate_new_cmes, 5 * 60,
            "Drag-based ensembles of new CMEs to every target; also at once whenever new "
            "DONKI events are ingested", then=("verification",)),
    JobSpec("climso_archive", climso_archive, 3600,
            "CLIMSO archive scan: new FITS images, newest first"),
    JobSpec("kp_indices", kp_indices, 3 * 3600, "GFZ Kp and CelesTrak indices",
            then=("alerts",)),
    JobSpec("hapi_pulls", hapi_pulls, 3600, "Datasets from other HAPI servers (AMDA)"),
    JobSpec("verification", verification, 3600,
            "Stored predictions scored against observed arrivals (scoreboard)"),
    JobSpec("omni_daily", omni_daily, 86400, "NASA OMNI2 hourly, current year",
            then=("solar_wind_forecast",)),
    JobSpec("icmecat", icmecat, 86400, "HELIO4CAST ICMECAT observed arrivals",
            then=("verification",)),
    JobSpec("retention", retention, 86400,
            "Raw and quarantined files older than STORMS_RAW_RETENTION_DAYS deleted "
            "(provenance kept)"),
)
