"""Automatic detection of fast-forward interplanetary shocks in in-situ solar-wind data.

Criteria of the Heliospheric Shock Database (ipshocks.fi, Kilpua et al. 2015): across the
jump, with means over 8-minute windows upstream and downstream (a 2-minute gap at the
shock), V_down - V_up >= 20 km/s, N_down / N_up >= 1.2, B_down / B_up >= 1.2 and
T_down / T_up >= 1 / 1.5. Vectorised with cumulative sums; one event per jump, judged
where the speed jump peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_S = 480.0
GAP_S = 120.0
DV_KMS = 20.0
DENSITY_RATIO = 1.2
FIELD_RATIO = 1.2
TEMPERATURE_RATIO = 1 / 1.5
MERGE_S = 3600.0


@dataclass
class Shock:
    time_us: int
    speed_jump_kms: float
    density_ratio: float
    field_ratio: float
    temperature_ratio: float


def _window_means(t_s: np.ndarray, x: np.ndarray, start: np.ndarray, stop: np.ndarray):
    """Mean of x over [start, stop) for each pair (NaN-aware, via cumulative sums)."""
    finite = np.isfinite(x)
    csum = np.concatenate([[0.0], np.cumsum(np.where(finite, x, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(finite)])
    a = np.searchsorted(t_s, start, "left")
    b = np.searchsorted(t_s, stop, "left")
    n = ccount[b] - ccount[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 3, (csum[b] - csum[a]) / np.maximum(n, 1), np.nan)


def detect(t_us: np.ndarray, v_kms: np.ndarray, n_cm3: np.ndarray, b_nt: np.ndarray,
           temp_k: np.ndarray) -> list[Shock]:
    """Fast-forward shocks in a series on one time axis (arrays (n,))."""
    t = np.asarray(t_us, dtype=np.int64) / 1e6
    if len(t) < 10:
        return []
    up = [_window_means(t, np.asarray(x, float), t - GAP_S / 2 - WINDOW_S, t - GAP_S / 2)
          for x in (v_kms, n_cm3, b_nt, temp_k)]
    down = [_window_means(t, np.asarray(x, float), t + GAP_S / 2, t + GAP_S / 2 + WINDOW_S)
            for x in (v_kms, n_cm3, b_nt, temp_k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        dv = down[0] - up[0]
        rn, rb, rt = down[1] / up[1], down[2] / up[2], down[3] / up[3]
        candidate = (dv >= DV_KMS) & (rn >= DENSITY_RATIO) & (rb >= FIELD_RATIO)
    shocks: list[Shock] = []
    idx = np.flatnonzero(candidate)
    if len(idx) == 0:
        return shocks
    # one jump per cluster of candidates: judged where the speed jump is largest, so that
    # windows straddling the jump do not pass on intermediate ratios
    breaks = np.flatnonzero(np.diff(t[idx]) > MERGE_S) + 1
    for group in np.split(idx, breaks):
        i = group[np.nanargmax(dv[group])]
        if rt[i] >= TEMPERATURE_RATIO:
            shocks.append(Shock(int(t_us[i]), float(dv[i]), float(rn[i]), float(rb[i]),
                                float(rt[i])))
    return shocks
