"""minmax_reduce against a plain loop over buckets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from web.reduce import minmax_reduce


def _loop_reduce(t, y, max_points):
    n_b = max_points // 2
    span = float(t[-1] - t[0]) or 1.0
    keep = set()
    buckets: dict[int, list[int]] = {}
    for i, ti in enumerate(t):
        b = min(int((ti - t[0]) / span * n_b), n_b - 1)
        buckets.setdefault(b, []).append(i)
    for idx in buckets.values():
        vals = [(y[i], i) for i in idx if not np.isnan(y[i])]
        if not vals:
            keep.add(idx[0])
            continue
        keep.add(min(vals, key=lambda v: (v[0], v[1]))[1])
        keep.add(min(vals, key=lambda v: (-v[0], v[1]))[1])
    return sorted(keep)


def test_week_of_minutes_keeps_peaks_and_size():
    t = np.arange(7 * 1440, dtype=np.int64) * 60_000_000
    rng = np.random.default_rng(1)
    y = rng.normal(400, 20, t.size)
    y[1234] = 2000.0  # a shock
    y[5000] = -50.0
    y[3000:3100] = np.nan
    tr, yr = minmax_reduce(t, y, 5000)
    assert tr.size <= 5000
    assert 2000.0 in yr and -50.0 in yr
    assert np.all(np.diff(tr) > 0)
    assert np.isnan(yr).any()  # the data gap stays a gap


def test_short_series_unchanged():
    t = np.arange(10)
    y = np.arange(10.0)
    tr, yr = minmax_reduce(t, y, 100)
    assert tr is t or np.array_equal(tr, t)
    assert np.array_equal(yr, y)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=3, max_size=300),
       st.integers(2, 40), st.integers(0, 3))
def test_matches_loop(values, max_points, gap):
    y = np.array(values)
    t = np.cumsum(np.r_[0, np.full(y.size - 1, 1 + gap)])
    tr, yr = minmax_reduce(t, y, max_points)
    if y.size <= max_points:
        assert np.array_equal(tr, t)
        return
    expected = _loop_reduce(t, y, max_points)
    assert np.array_equal(tr, t[expected])
    assert np.array_equal(yr, y[expected], equal_nan=True)


@pytest.mark.parametrize("n", [10_001, 604_800])
def test_bucket_count_bound(n):
    t = np.arange(n)
    y = np.sin(t / 100.0)
    tr, _ = minmax_reduce(t, y, 5000)
    assert 2 <= tr.size <= 5000
