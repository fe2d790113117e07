"""``storms hindcast``: replay the DONKI CMEs of a period, propagate them, and score the
predictions against the observed arrivals (DONKI IPS, ICMECAT)."""

from __future__ import annotations

import json

import click
import numpy as np
from sqlalchemy import select

from storms import app_context


@click.command()
@click.option("--from", "start", required=True, help="ISO date, start of the period.")
@click.option("--to", "stop", required=True, help="ISO date, end of the period.")
@click.option("--targets", default="Earth", show_default=True)
@click.option("--window-hours", type=float, default=24.0, show_default=True)
@click.option("--w", type=float, default=400.0, show_default=True)
@click.option("--gamma", type=float, default=0.2e-7, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def hindcast(start, stop, targets, window_hours, w, gamma, as_json) -> None:
    """Drag-based model on every DONKI CME of the period (its most accurate analysis)."""
    from propagation import drag
    from propagation.constants import R_SUN_KM
    from propagation.ephemerides import positions
    from storms import models as m
    from storms.propagate import unix_s
    from storms.verification import HOUR_US, match, observed_arrivals

    ctx = app_context.default()
    t0, t1 = (int(unix_s(x, what) * 1e6) for x, what in ((start, "--from"), (stop, "--to")))
    with ctx.factory() as session:
        cmes = session.scalars(select(m.Event).where(
            m.Event.kind == "CME", m.Event.start_us >= t0, m.Event.start_us < t1)).all()
        runs = []
        for ev in cmes:
            best = next((a for a in ev.analyses if a.most_accurate and a.speed_kms and
                         a.time21_5_us and a.longitude_deg is not None), None)
            if best is not None:
                runs.append((best.time21_5_us, best.speed_kms, best.longitude_deg,
                             best.latitude_deg or 0.0, best.half_width_deg or 30.0))
        if not runs:
            raise click.ClickException(f"no DONKI CME with an analysis between {start} and "
                                       f"{stop}: ingest DONKI CME files first")
        arr = np.array(runs, dtype=float)
        rows = []
        for target in [t.strip() for t in targets.split(",") if t.strip()]:
            try:
                p = positions([target], arr[:, 0] / 1e6 + 40 * 3600)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            delta = drag.angular_separation_rad(np.radians(arr[:, 2]), np.radians(arr[:, 3]),
                                                p.lon_rad[0], p.lat_rad[0])
            a = drag.cone_arrival(p.r_km[0], delta, np.radians(np.minimum(arr[:, 4], 89)),
                                  21.5 * R_SUN_KM, arr[:, 1], w, gamma)
            predicted = (arr[a.hit, 0] + a.transit_s[a.hit] * 1e6).astype(np.int64)
            observed = observed_arrivals(session, target, t0, t1 + 5 * 24 * HOUR_US)
            score = match(predicted, observed, int(window_hours * HOUR_US), target)
            rows.append({**score.as_dict(), "cmes": len(runs), "predicted_hits":
                         int(a.hit.sum()), "observed_arrivals": int(len(observed)),
                         "window_h": window_hours, "model": "dbm", "w_km_s": w,
                         "gamma_per_km": gamma})
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        click.echo(
            f"{r['target']}: {r['cmes']} CMEs, {r['predicted_hits']} predicted hits, "
            f"{r['observed_arrivals']} observed arrivals | hits {r['hits']} misses "
            f"{r['misses']} false alarms {r['false_alarms']} | ME {_h(r['mean_error_h'])} "
            f"MAE {_h(r['mean_absolute_error_h'])} RMSE {_h(r['rmse_h'])}")


def _h(x) -> str:
    return "-" if x is None else f"{x:+.1f} h"
