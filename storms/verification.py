"""Scoring predicted arrivals against what spacecraft then measured.

Observed arrivals at a target come from the event catalogue: DONKI interplanetary shocks
(IPS, by location), HELIO4CAST ICMECAT (ICME start, by in-situ spacecraft) and the shocks
Storms detects itself at L1 (:mod:`storms.shocks`). A predicted
hit is matched to the nearest unmatched observed arrival within the window: a hit, with
its error dt = t_pred - t_obs (negative = early, as the CCMC scoreboard); predicted hits
left alone are false alarms, observed arrivals left alone are misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storms import models as m

HOUR_US = 3_600_000_000
#: in-situ names of each target in the catalogues (DONKI IPS location, ICMECAT sc_insitu)
OBSERVERS = {
    "Earth": ("Earth", "Wind", "L1"), "L1": ("Earth", "Wind", "L1"),
    "STEREO-A": ("STEREO A", "STEREO-A"),
    "Mars": ("Mars", "MAVEN"), "Parker Solar Probe": ("PSP",), "Solar Orbiter": ("SolarOrbiter",),
    "BepiColombo": ("BepiColombo",), "Juno": ("Juno",),
}
MERGE_US = 6 * HOUR_US  # IPS and ICMECAT entries this close are one arrival


@dataclass
class Score:
    target: str
    hits: int = 0
    misses: int = 0
    false_alarms: int = 0
    errors_h: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        e = np.array(self.errors_h)
        n = self.hits + self.misses
        return {
            "target": self.target, "hits": self.hits, "misses": self.misses,
            "false_alarms": self.false_alarms,
            "hit_rate": self.hits / n if n else None,
            "false_alarm_ratio": (self.false_alarms / (self.hits + self.false_alarms)
                                  if self.hits + self.false_alarms else None),
            "mean_error_h": float(e.mean()) if len(e) else None,
            "mean_absolute_error_h": float(np.abs(e).mean()) if len(e) else None,
            "rmse_h": float(np.sqrt((e**2).mean())) if len(e) else None,
        }


def observed_arrivals(session: Session, target: str, start_us: int, stop_us: int) -> np.ndarray:
    """Observed arrival times (us) at ``target`` in [start, stop), merged within 6 h."""
    names = OBSERVERS.get(target, (target,))
    rows = session.scalars(select(m.Event.start_us).where(
        m.Event.kind.in_(("IPS", "ICME")), m.Event.location.in_(names),
        m.Event.start_us >= start_us, m.Event.start_us < stop_us,
        or_(m.Event.source == "DONKI", m.Event.source == "ICMECAT",
            m.Event.source == "storms"))).all()
    times = np.sort(np.array(rows, dtype=np.int64))
    if len(times) == 0:
        return times
    keep = np.concatenate([[True], np.diff(times) > MERGE_US])
    return times[keep]


def match(predicted_us: np.ndarray, observed_us: np.ndarray, window_us: int, target: str
          ) -> Score:
    """Greedy matching by smallest |dt| within the window (each used once)."""
    score = Score(target)
    pred = np.asarray(predicted_us, dtype=np.int64)
    obs = np.asarray(observed_us, dtype=np.int64)
    pairs = sorted((abs(int(p) - int(o)), i, j) for i, p in enumerate(pred)
                   for j, o in enumerate(obs) if abs(int(p) - int(o)) <= window_us)
    used_p, used_o = set(), set()
    for _d, i, j in pairs:
        if i in used_p or j in used_o:
            continue
        used_p.add(i)
        used_o.add(j)
        score.hits += 1
        score.errors_h.append((int(pred[i]) - int(obs[j])) / HOUR_US)
    score.false_alarms = len(pred) - len(used_p)
    score.misses = len(obs) - len(used_o)
    return score


def scoreboard(session: Session, window_h: float = 24.0, min_probability: float = 0.5
               ) -> list[dict]:
    """Every stored prediction scored per model and target against the observed arrivals
    over the span of the predictions (hits, misses, false alarms, ME, MAE, RMSE)."""
    rows = session.execute(select(m.Prediction.model, m.Prediction.target,
                                  m.Prediction.arrival_us, m.Prediction.hit_probability,
                                  m.Prediction.departure_us)
                           .where(m.Prediction.arrival_us.is_not(None))).all()
    groups: dict[tuple[str, str], list] = {}
    for model, target, arrival, prob, departure in rows:
        groups.setdefault((model, target), []).append((arrival, prob, departure))
    out = []
    for (model, target), items in sorted(groups.items()):
        arr = np.array([a for a, p, _d in items if (p if p is not None else 1.0)
                        >= min_probability], dtype=np.int64)
        start = min(d for _a, _p, d in items)
        stop = max(a for a, _p, _d in items) + int(window_h * HOUR_US)
        observed = observed_arrivals(session, target, start, stop)
        score = match(arr, observed, int(window_h * HOUR_US), target).as_dict()
        out.append({"model": model, **score, "predictions": len(items),
                    "observed_arrivals": int(len(observed)), "window_h": window_h})
    return out
