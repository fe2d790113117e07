"""Events (``/events``): the catalogue, filtered by GET parameters (type, source, target,
time range, page) so that a filtered view is a shareable URL; and one page per event
(``/events/<id>``) with its analyses, links, nearest images, propagated arrivals against
the arrivals observed, and a link to propagate it again."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
from flask import abort, current_app, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from storms import catalogue as queries
from storms import models as m
from storms.catalogue import DAY_US, HOUR_US, EventFilter
from storms.verification import OBSERVERS, match, observed_arrivals

from . import bp, display

PER_PAGE = 50
MAX_PAGE = 100_000
#: A predicted arrival matches an observed one within this window (as the scoreboard).
MATCH_WINDOW_US = 24 * HOUR_US
#: Arrivals observed up to this long after a CME are listed on its page.
OBSERVED_SPAN_US = 5 * DAY_US
IMAGES_NEAR = 6
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?Z?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str | None, what: str, end: bool = False) -> int | None:
    """A filter time: ``YYYY-MM-DD`` (a whole day: its end when ``end``) or
    ``YYYY-MM-DDTHH:MM[:SS]`` in UTC; None when empty; ValueError with a message."""
    value = (text or "").strip()
    if not value:
        return None
    problem = ValueError(f"{what}: {value[:40]!r} is not a date (YYYY-MM-DD) or a UTC time "
                         "(YYYY-MM-DDTHH:MM)")
    if not _TIME.match(value):
        raise problem
    try:
        us = int(np.datetime64(value.rstrip("Z").replace(" ", "T"), "us").astype(np.int64))
    except (ValueError, OverflowError):
        raise problem from None
    if end and _DATE.match(value):
        us += DAY_US - 1
    return us


def parse_filters(args, kinds: list[str], sources: list[str], targets: list[str]
                  ) -> tuple[EventFilter, int, list[str]]:
    """The filter, the page number and the problems found (each a sentence for people)."""
    errors: list[str] = []
    f = EventFilter()

    def choice(name: str, allowed: list[str], label: str) -> str | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        match_ = next((a for a in allowed if a.lower() == value.lower()), None)
        if match_ is None:
            shown = ", ".join(allowed[:20]) + (" …" if len(allowed) > 20 else "")
            errors.append(f"unknown {label} {value[:40]!r}: choose one of {shown}")
        return match_

    f.kind = choice("type", kinds, "event type")
    f.source = choice("source", sources, "source")
    f.target = choice("target", targets, "target")
    for name, end in (("start", False), ("end", True)):
        try:
            setattr(f, "start_us" if not end else "stop_us",
                    parse_time(args.get(name), "from" if not end else "to", end))
        except ValueError as exc:
            errors.append(str(exc))
    if f.start_us is not None and f.stop_us is not None and f.start_us > f.stop_us:
        errors.append("the time range ends before it starts")
    page = 1
    raw = (args.get("page") or "").strip()
    if raw:
        if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE:
            page = int(raw)
        else:
            errors.append(f"page {raw[:20]!r} is not a page number (1, 2, …)")
    return f, page, errors


def _filter_args(args) -> dict[str, str]:
    return {k: args[k] for k in ("type", "source", "target", "start", "end") if args.get(k)}


@bp.get("/events")
def events():
    ctx = current_app.extensions["storms"]
    with ctx.factory() as session:
        kinds = queries.event_kinds(session)
        sources = queries.event_sources(session)
        targets = queries.event_targets(session)
        f, page, errors = parse_filters(request.args, kinds, sources, targets)
        rows, total, counts = [], 0, {}
        if not errors:
            rows, total = queries.search_events(session, f, page, PER_PAGE)
            counts = queries.prediction_counts(session, [e.id for e in rows])
        items = [_row(e, counts.get(e.id, 0)) for e in rows]
    pages = max(1, math.ceil(total / PER_PAGE))
    args = _filter_args(request.args)
    return render_template(
        "events.html", title="Events", items=items, total=total, page=page, pages=pages,
        errors=errors, args=args, kinds=kinds, sources=sources, targets=targets,
        prev_url=url_for("pages.events", **args, page=page - 1) if page > 1 else None,
        next_url=url_for("pages.events", **args, page=page + 1) if page < pages else None,
        first_url=url_for("pages.events", **args) if page > 1 else None,
        last_url=url_for("pages.events", **args, page=pages) if page < pages else None,
    ), (400 if errors else 200)


def _row(e: m.Event, predictions: int) -> dict[str, Any]:
    best = queries.best_analysis(e) if e.kind == "CME" else None
    return {"id": e.id, "kind": e.kind, "source": e.source, "source_id": e.source_id,
            "start_us": e.start_us, "location": e.location, "summary": e.summary,
            "speed": best.speed_kms if best else None,
            "half_width": best.half_width_deg if best else None, "predictions": predictions}


# --- one event ------------------------------------------------------------------------------


def propagate_url(event: m.Event, best: m.CMEAnalysis | None, targets: list[str]) -> str | None:
    """The Propagate page, filled with the event's best analysis (CMEs with a speed)."""
    if event.kind != "CME" or best is None or not best.speed_kms:
        return None
    params: dict[str, Any] = {"model": "cme", "source": "sun",
                              "time": display.iso(best.time21_5_us or event.start_us),
                              "speed": f"{best.speed_kms:g}"}
    for key, value in (("lon", best.longitude_deg), ("lat", best.latitude_deg),
                       ("half_width", best.half_width_deg)):
        if value is not None:
            params[key] = f"{value:g}"
    if targets:
        params["targets"] = ",".join(targets)
    return url_for("pages.propagate", **params)


def _attributes(attrs: dict[str, Any], summary: str | None) -> list[tuple[str, Any, str]]:
    """(name, value, how to show it): ``link``, ``text`` or ``json`` (a value equal to the
    summary, such as a DONKI note, is not repeated)."""
    out = []
    for key, value in (attrs or {}).items():
        if value in (None, "", [], {}) or (isinstance(value, str) and value == summary):
            continue
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            out.append((key, value, "link"))
        elif isinstance(value, (str, int, float, bool)):
            out.append((key, value, "text"))
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            out.append((key, ", ".join(str(v) for v in value), "text"))
        else:
            out.append((key, json.dumps(value, indent=1, default=str)[:4000], "json"))
    return out


def _earth_enlil(a: m.CMEAnalysis) -> str | None:
    """Earth arrival estimated by the analysis' WSA-ENLIL runs (DONKI), if any."""
    for run in (a.attributes or {}).get("enlil") or []:
        if run.get("estimated_shock_arrival_time"):
            return str(run["estimated_shock_arrival_time"])
    return None


def _observed_events(session: Session, target: str, times: np.ndarray) -> dict[int, m.Event]:
    """The catalogue event (IPS/ICME) behind each observed arrival time, for links."""
    if not len(times):
        return {}
    rows = session.scalars(select(m.Event).where(
        m.Event.kind.in_(("IPS", "ICME")), m.Event.location.in_(OBSERVERS.get(target, (target,))),
        m.Event.start_us.in_([int(t) for t in times]))).all()
    return {r.start_us: r for r in rows}


def _predictions(session: Session, preds: list[m.Prediction]) -> list[dict[str, Any]]:
    """Each prediction with the observed arrival it matches within 24 h (nearest first)."""
    by_target: dict[str, np.ndarray] = {}
    out = []
    for p in preds:
        row: dict[str, Any] = {"p": p, "observed_us": None, "error_h": None, "observed": None,
                               "verdict": None}
        if p.arrival_us is not None:
            if p.target not in by_target:
                arrivals = [q.arrival_us for q in preds if q.target == p.target and q.arrival_us]
                by_target[p.target] = observed_arrivals(
                    session, p.target, min(arrivals) - MATCH_WINDOW_US,
                    max(arrivals) + MATCH_WINDOW_US + 1)
            obs = by_target[p.target]
            score = match(np.array([p.arrival_us]), obs, MATCH_WINDOW_US, p.target)
            if score.hits:
                row["error_h"] = score.errors_h[0]
                row["observed_us"] = int(p.arrival_us - round(score.errors_h[0] * HOUR_US))
                row["verdict"] = "hit" if p.hit else "missed (predicted no hit)"
                row["observed"] = _observed_events(session, p.target,
                                                   np.array([row["observed_us"]])).get(
                    row["observed_us"])
            else:
                row["verdict"] = "false alarm" if p.hit else "correct miss"
        out.append(row)
    return out


def _observed_after(session: Session, event: m.Event, targets: list[str]) -> list[dict]:
    """Arrivals observed at each target within 5 days after the event (CMEs)."""
    out = []
    for target in targets:
        times = observed_arrivals(session, target, event.start_us,
                                  event.start_us + OBSERVED_SPAN_US)
        found = _observed_events(session, target, times)
        for t in times.tolist():
            out.append({"target": target, "time_us": int(t),
                        "transit_h": (int(t) - event.start_us) / HOUR_US,
                        "event": found.get(int(t))})
    return out


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    from jobs.tasks import PREDICTION_TARGETS

    ctx = current_app.extensions["storms"]
    with ctx.factory() as session:
        ev = queries.get_event(session, event_id)
        if ev is None:
            abort(404, description=f"No event {event_id} in the catalogue.")
        best = queries.best_analysis(ev)
        preds = queries.event_predictions(session, ev.id)
        predicted_targets = list(dict.fromkeys(p.target for p in preds))
        targets = predicted_targets or list(PREDICTION_TARGETS)
        observed_targets = list(dict.fromkeys(
            ([] if ev.kind not in ("CME", "FLR", "SEP") and not preds else ["Earth"])
            + [t for t in predicted_targets if t != "L1"]))
        images = queries.nearest_images(session, ev.start_us, IMAGES_NEAR)
        ctx_vars = {
            "ev": ev, "best": best, "analyses": [(a, _earth_enlil(a)) for a in ev.analyses],
            "attributes": _attributes(ev.attributes, ev.summary),
            "links": queries.linked_events(session, ev),
            "images": [(img, (img.obs_us - ev.start_us) / 1e6) for img in images],
            "predictions": _predictions(session, preds),
            "observed": _observed_after(session, ev, observed_targets),
            "observed_targets": observed_targets,
            "propagate_url": propagate_url(ev, best, targets),
        }
        html = render_template("event.html", title=f"{ev.kind} {ev.source_id}", **ctx_vars)
    return html
