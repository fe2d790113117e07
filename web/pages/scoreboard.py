"""Scoreboard: every stored prediction scored against the arrivals then observed, per model
and target (storms.verification), with filters."""

from __future__ import annotations

from flask import current_app, render_template, request

from storms.verification import scoreboard as score_predictions

from . import bp


@bp.get("/scoreboard")
def scoreboard():
    model = (request.args.get("model") or "")[:40]
    target = (request.args.get("target") or "")[:60]
    try:
        window_h = float(request.args.get("window_h") or 24.0)
    except ValueError:
        window_h = -1.0
    if not 1.0 <= window_h <= 240.0:
        return render_template("scoreboard.html", title="Scoreboard", rows=[], models=[],
                               targets=[], model=model, target=target, window_h=24.0,
                               error="window_h: give hours between 1 and 240"), 400
    with current_app.extensions["storms"].factory() as session:
        rows = score_predictions(session, window_h)
    models = sorted({r["model"] for r in rows})
    targets = sorted({r["target"] for r in rows})
    shown = [r for r in rows if (not model or r["model"] == model)
             and (not target or r["target"] == target)]
    return render_template("scoreboard.html", title="Scoreboard", rows=shown, models=models,
                           targets=targets, model=model, target=target, window_h=window_h,
                           error=None)
