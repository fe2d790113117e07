"""Shock detection against synthetic jumps built to the published criteria."""

import numpy as np

from storms.shocks import detect

MIN = 60_000_000


def _series(jump_at=300, dv=80.0, rn=2.0, rb=2.2, rt=2.5, n=600):
    t = np.arange(n) * MIN
    rng = np.random.default_rng(0)
    step = (np.arange(n) >= jump_at).astype(float)
    v = 400 + dv * step + rng.normal(0, 2, n)
    dens = 5 * (1 + (rn - 1) * step)
    b = 5 * (1 + (rb - 1) * step)
    temp = 8e4 * (1 + (rt - 1) * step)
    return t, v, dens, b, temp


def test_detects_a_clear_shock_once_at_the_jump():
    shocks = detect(*_series())
    assert len(shocks) == 1
    assert abs(shocks[0].time_us / MIN - 300) <= 2
    assert shocks[0].speed_jump_kms > 60 and shocks[0].density_ratio > 1.8


def test_each_criterion_is_required():
    assert detect(*_series(dv=10.0)) == []  # speed jump under 20 km/s
    assert detect(*_series(rn=1.1)) == []  # density ratio under 1.2
    assert detect(*_series(rb=1.1)) == []  # field ratio under 1.2
    assert detect(*_series(rt=0.5)) == []  # cooling beyond 1/1.5
    assert detect(*_series(dv=-80.0, rn=0.5, rb=0.5)) == []  # a reverse jump


def test_real_week_detections_are_real_jumps(shared):
    """On the real 7-day SWPC plasma and field, every detection is checked independently:
    the median speed of the 8 minutes after beats the 8 minutes before by 20 km/s."""
    import json

    plasma = json.loads(shared("swpc/plasma-7-day_2026-04-11_to_2026-04-18.json").read_bytes())
    mag = json.loads(shared("swpc/mag-7-day_2026-04-11_to_2026-04-18.json").read_bytes())

    def column(rows, i):
        return np.array([float(r[i]) if r[i] is not None else np.nan for r in rows[1:]])

    t = np.array([np.datetime64(r[0].replace(" ", "T"), "us") for r in plasma[1:]]).astype(
        np.int64)
    tb = np.array([np.datetime64(r[0].replace(" ", "T"), "us") for r in mag[1:]]).astype(
        np.int64)
    b = np.interp(t, tb, column(mag, 6))
    v, n, temp = column(plasma, 2), column(plasma, 1), column(plasma, 3)
    for shock in detect(t, v, n, b, temp):
        before = (t >= shock.time_us - 9 * MIN) & (t < shock.time_us - MIN)
        after = (t > shock.time_us + MIN) & (t <= shock.time_us + 9 * MIN)
        assert np.nanmedian(v[after]) - np.nanmedian(v[before]) >= 10
