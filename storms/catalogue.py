"""Read queries shared by the pages and the REST API (events, images, sources, jobs):
plain SQLAlchemy selects on one session, returning rows or plain dicts.

Times are int64 microseconds (``*_us``) like the database; formatting is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from storms import models as m
from storms.config import Settings
from storms.verification import OBSERVERS

MINUTE_US = 60_000_000
HOUR_US = 3_600_000_000
DAY_US = 86_400_000_000
#: Largest id an INTEGER primary key can hold: bigger ids are unknown (no 500 on PostgreSQL).
MAX_ID = 2**31 - 1

# --- freshness ----------------------------------------------------------------------------

#: Datasets published in near real time, whose age is judged; the others (OMNI, ICMECAT,
#: daily indices) arrive with days to months of latency by design and are not coloured.
REALTIME_PREFIXES = ("swpc_", "goes_", "gfz_kp", "celestrak_kp")


def staleness(age_s: float | None, cadence_s: float | None) -> str:
    """``ok``, ``warn`` or ``bad`` for data ``age_s`` old arriving every ``cadence_s``.

    ``ok`` up to 3 cadences + 10 min (a missed fetch or two), ``warn`` up to 24 cadences
    + 1 h, then ``bad``; never seen is ``bad``.

    >>> staleness(300, 60), staleness(1800, 60), staleness(86400, 60), staleness(None, 60)
    ('ok', 'warn', 'bad', 'bad')
    """
    if age_s is None:
        return "bad"
    expected = max(float(cadence_s or 3600.0), 60.0)
    if age_s <= 3 * expected + 600:
        return "ok"
    if age_s <= 24 * expected + 3600:
        return "warn"
    return "bad"


def dataset_freshness(session: Session, now_us: int, ids: list[str] | None = None,
                      measured_only: bool = True) -> list[dict[str, Any]]:
    """The latest record time of each dataset (``ids``, else all measured ones) and its age
    against the wall clock; ``state`` is ok/warn/bad for real-time datasets, ``archive``
    for the others (``bad`` whenever a dataset holds no record)."""
    q = select(m.Dataset.id, m.Dataset.title, m.Dataset.source, m.Dataset.cadence_s,
               m.Dataset.stop_us, m.Dataset.kind).order_by(m.Dataset.id)
    if ids is not None:
        q = q.where(m.Dataset.id.in_(ids))
    elif measured_only:
        q = q.where(m.Dataset.kind == "measured")
    out = []
    for ds_id, title, source, cadence, stop, kind in session.execute(q):
        age = None if stop is None else (now_us - int(stop)) / 1e6
        realtime = ds_id.startswith(REALTIME_PREFIXES)
        state = staleness(age, cadence) if realtime or stop is None else "archive"
        out.append({"id": ds_id, "title": title, "source": source, "cadence_s": cadence,
                    "latest_us": stop, "age_s": age, "state": state, "kind": kind,
                    "realtime": realtime})
    if ids is not None:  # in the order asked
        order = {d: i for i, d in enumerate(ids)}
        out.sort(key=lambda r: order.get(str(r["id"]), len(order)))
    return out


def latest_times(session: Session, ids: list[str] | tuple[str, ...]) -> dict[str, int | None]:
    """``{dataset id: time of its latest record (us) or None}`` for the ids that exist."""
    rows = session.execute(select(m.Dataset.id, m.Dataset.stop_us).where(m.Dataset.id.in_(ids)))
    return {ds_id: stop for ds_id, stop in rows}


#: Settings URL keys -> the job that fetches them (for the expected interval of a source).
URL_JOBS = {"swpc_plasma": "swpc_realtime", "swpc_mag": "swpc_realtime",
            "swpc_rtsw_mag": "swpc_realtime", "swpc_rtsw_wind": "swpc_realtime",
            "omni2": "omni_daily", "omni_hro_1min": "omni_daily", "donki": "donki_events",
            "gfz_kp": "kp_indices", "celestrak_sw": "kp_indices", "icmecat": "icmecat",
            "climso_archive": "climso_archive"}


def source_job(source: str, settings: Settings) -> str:
    """Name of the job that fetches ``source`` (a URL without its query); sources of no
    configured URL come from ``hapi_pulls``."""
    for key, url in settings.source_urls.items():
        prefix = url.split("{", 1)[0].split("?", 1)[0]
        if prefix and source.startswith(prefix) and key in URL_JOBS:
            return URL_JOBS[key]
    return "hapi_pulls"


def source_statuses(session: Session, settings: Settings, now_us: int,
                    intervals: dict[str, int]) -> list[dict[str, Any]]:
    """Every remote source as the fetchers last saw it, with ``state_class``: ``bad`` when
    failing, ``warn`` when its last success is older than 3 intervals of its job + 10 min
    (or it never succeeded), else ``ok``."""
    out = []
    for s in session.scalars(select(m.SourceStatus).order_by(m.SourceStatus.source)):
        job = source_job(s.source, settings)
        every = intervals.get(job, 86400)
        success_age = None if s.last_success_us is None else (now_us - s.last_success_us) / 1e6
        if s.state != "ok":
            css = "bad"
        elif success_age is None or success_age > 3 * every + 600:
            css = "warn"
        else:
            css = "ok"
        out.append({"source": s.source, "state": s.state, "last_attempt_us": s.last_attempt_us,
                    "last_success_us": s.last_success_us, "failures": s.failures,
                    "message": s.message, "job": job, "every_s": every,
                    "attempt_age_s": (now_us - s.last_attempt_us) / 1e6 if s.last_attempt_us
                    else None, "success_age_s": success_age, "state_class": css})
    return out


# --- alerts and jobs ------------------------------------------------------------------------


def open_alerts(session: Session) -> list[dict[str, Any]]:
    """Open and acknowledged alerts, newest first, with their rule."""
    rows = session.execute(
        select(m.Alert, m.AlertRule).join(m.AlertRule, m.AlertRule.id == m.Alert.rule_id)
        .where(m.Alert.state.in_(("open", "acknowledged")))
        .order_by(m.Alert.opened_us.desc(), m.Alert.id.desc()))
    return [{"id": a.id, "state": a.state, "opened_us": a.opened_us, "peak": a.peak_value,
             "message": a.message, "rule": r.name, "severity": r.severity,
             "dataset_id": r.dataset_id, "parameter": r.parameter} for a, r in rows]


def last_job_runs(session: Session, names: list[str]) -> dict[str, dict[str, Any]]:
    """Per job: its latest run (``last``), latest successful run (``last_ok``) and the
    number of failed runs in its latest 20 (``recent_failures``)."""
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        recent = session.scalars(select(m.JobRun).where(m.JobRun.job == name)
                                 .order_by(m.JobRun.started_us.desc(), m.JobRun.id.desc())
                                 .limit(20)).all()
        last_ok = next((r for r in recent if r.status == "ok"), None)
        if last_ok is None and recent:
            last_ok = session.scalars(select(m.JobRun).where(
                m.JobRun.job == name, m.JobRun.status == "ok")
                .order_by(m.JobRun.started_us.desc()).limit(1)).first()
        out[name] = {"last": recent[0] if recent else None, "last_ok": last_ok,
                     "recent_failures": sum(r.status == "failed" for r in recent)}
    return out


def recent_job_runs(session: Session, limit: int = 30) -> list[m.JobRun]:
    return list(session.scalars(select(m.JobRun).order_by(m.JobRun.started_us.desc(),
                                                          m.JobRun.id.desc()).limit(limit)))


def scheduler_lease(session: Session) -> m.SchedulerLease | None:
    return session.scalars(select(m.SchedulerLease).limit(1)).first()


# --- events ---------------------------------------------------------------------------------

#: Event kinds the ingest produces (the filter also offers any other kind found stored).
EVENT_KINDS = ("CME", "FLR", "SEP", "IPS", "ICME", "GST", "HSS", "MPC", "RBE", "NOTE")


@dataclass
class EventFilter:
    kind: str | None = None
    source: str | None = None
    target: str | None = None
    start_us: int | None = None
    stop_us: int | None = None  # inclusive


def event_kinds(session: Session) -> list[str]:
    stored = set(session.scalars(select(m.Event.kind).distinct()))
    return sorted(stored | set(EVENT_KINDS))


def event_sources(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(m.Event.source).distinct())))


def event_targets(session: Session) -> list[str]:
    """Targets to filter on: the bodies of the verification (and their in-situ names),
    every prediction target, and where shocks and ICMEs were observed."""
    names = set(OBSERVERS)
    names |= set(session.scalars(select(m.Prediction.target).distinct()))
    names |= {x for x in session.scalars(select(m.Event.location).distinct().where(
        m.Event.kind.in_(("IPS", "ICME")))) if x}
    return sorted(names, key=str.lower)


def filtered_events(q, f: EventFilter):
    if f.kind:
        q = q.where(m.Event.kind == f.kind)
    if f.source:
        q = q.where(m.Event.source == f.source)
    if f.start_us is not None:
        q = q.where(m.Event.start_us >= f.start_us)
    if f.stop_us is not None:
        q = q.where(m.Event.start_us <= f.stop_us)
    if f.target:
        observers = OBSERVERS.get(f.target, (f.target,))
        predicted = select(m.Prediction.event_id).where(
            m.Prediction.target == f.target, m.Prediction.hit.is_(True),
            m.Prediction.event_id.is_not(None))
        q = q.where(or_(m.Event.location.in_(observers), m.Event.id.in_(predicted)))
    return q


def search_events(session: Session, f: EventFilter, page: int, per_page: int
                  ) -> tuple[list[m.Event], int]:
    """One page of the events matching ``f``, newest first, and the total count.

    ``target`` keeps the events observed there (IPS and ICME locations, with the in-situ
    names of :data:`storms.verification.OBSERVERS`) and those predicted to hit it."""
    total = session.scalar(filtered_events(select(func.count(m.Event.id)), f)) or 0
    rows = session.scalars(
        filtered_events(select(m.Event), f).options(selectinload(m.Event.analyses))
        .order_by(m.Event.start_us.desc(), m.Event.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total)


def prediction_counts(session: Session, event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = session.execute(select(m.Prediction.event_id, func.count(m.Prediction.id))
                           .where(m.Prediction.event_id.in_(event_ids))
                           .group_by(m.Prediction.event_id))
    return {int(e): int(n) for e, n in rows if e is not None}


def get_event(session: Session, event_id: int) -> m.Event | None:
    if not 0 < event_id <= MAX_ID:
        return None
    return session.scalars(select(m.Event).where(m.Event.id == event_id).options(
        selectinload(m.Event.analyses), selectinload(m.Event.links))).first()


def best_analysis(event: m.Event) -> m.CMEAnalysis | None:
    """The analysis to propagate: the most accurate one with a speed, else the last one
    with a speed (DONKI lists them in submission order)."""
    with_speed = [a for a in event.analyses if a.speed_kms]
    preferred = [a for a in with_speed if a.most_accurate]
    if preferred:
        return preferred[-1]
    return with_speed[-1] if with_speed else None


def linked_events(session: Session, event: m.Event) -> list[dict[str, Any]]:
    """Events this one links to (stored or not) and stored events that link to it."""
    ids = [link.linked_source_id for link in event.links]
    found = {e.source_id: e for e in session.scalars(
        select(m.Event).where(m.Event.source_id.in_(ids)))} if ids else {}
    out: list[dict[str, Any]] = [{"source_id": s, "event": found.get(s), "direction": "to"}
                                 for s in ids]
    back = session.scalars(select(m.Event).join(m.EventLink, m.EventLink.event_id == m.Event.id)
                           .where(m.EventLink.linked_source_id == event.source_id,
                                  m.Event.id != event.id)
                           .order_by(m.Event.start_us)).all()
    seen = set(ids)
    out += [{"source_id": e.source_id, "event": e, "direction": "from"} for e in back
            if e.source_id not in seen]
    return out


def event_predictions(session: Session, event_id: int) -> list[m.Prediction]:
    return list(session.scalars(select(m.Prediction).where(m.Prediction.event_id == event_id)
                                .order_by(m.Prediction.arrival_us.is_(None),
                                          m.Prediction.arrival_us, m.Prediction.target,
                                          m.Prediction.model)))


def nearest_images(session: Session, t_us: int, n: int = 6) -> list[m.SolarImage]:
    """The ``n`` images nearest in time to ``t_us`` (two indexed queries), in time order."""
    before = session.scalars(select(m.SolarImage).where(m.SolarImage.obs_us <= t_us)
                             .order_by(m.SolarImage.obs_us.desc()).limit(n)).all()
    after = session.scalars(select(m.SolarImage).where(m.SolarImage.obs_us > t_us)
                            .order_by(m.SolarImage.obs_us).limit(n)).all()
    near = sorted([*before, *after], key=lambda r: abs(r.obs_us - t_us))[:n]
    return sorted(near, key=lambda r: (r.obs_us, r.id))


# --- images ---------------------------------------------------------------------------------


def get_image(session: Session, image_id: int) -> m.SolarImage | None:
    if not 0 < image_id <= MAX_ID:
        return None
    return session.get(m.SolarImage, image_id)


def latest_images(session: Session) -> list[m.SolarImage]:
    """The latest image of each (instrument, channel)."""
    latest = (select(m.SolarImage.instrument, m.SolarImage.channel,
                     func.max(m.SolarImage.obs_us).label("obs_us"))
              .group_by(m.SolarImage.instrument, m.SolarImage.channel).subquery())
    rows = session.scalars(select(m.SolarImage).join(latest, (
        (m.SolarImage.instrument == latest.c.instrument)
        & (m.SolarImage.channel == latest.c.channel)
        & (m.SolarImage.obs_us == latest.c.obs_us)))
        .order_by(m.SolarImage.instrument, m.SolarImage.channel)).all()
    return list(rows)


def images_between(session: Session, start_us: int, stop_us: int, limit: int = 500
                   ) -> list[m.SolarImage]:
    return list(session.scalars(select(m.SolarImage).where(
        m.SolarImage.obs_us >= start_us, m.SolarImage.obs_us < stop_us)
        .order_by(m.SolarImage.obs_us, m.SolarImage.instrument, m.SolarImage.channel)
        .limit(limit)))


def image_days(session: Session, limit: int = 60) -> list[int]:
    """Start (us) of the latest ``limit`` UTC days holding images, newest first."""
    day = (m.SolarImage.obs_us // DAY_US).label("day")
    return [int(d) * DAY_US for d in session.scalars(
        select(day).distinct().order_by(day.desc()).limit(limit))]


def neighbour_days(session: Session, day_us: int) -> tuple[int | None, int | None]:
    """Start (us) of the previous and the next UTC day holding images around ``day_us``."""
    before = session.scalar(select(func.max(m.SolarImage.obs_us))
                            .where(m.SolarImage.obs_us < day_us))
    after = session.scalar(select(func.min(m.SolarImage.obs_us))
                           .where(m.SolarImage.obs_us >= day_us + DAY_US))
    return (None if before is None else int(before) // DAY_US * DAY_US,
            None if after is None else int(after) // DAY_US * DAY_US)


def kept_file(settings: Settings, relative: str | None) -> Path | None:
    """The kept file at ``relative`` (a path stored in ``solar_images``), only if it
    resolves, symbolic links followed, to a regular file inside ``settings.files_dir``."""
    if not relative:
        return None
    root = settings.files_dir.resolve()
    try:
        path = (root / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
