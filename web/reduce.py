"""Server-side reduction of long series for plotting, keeping the peaks."""

from __future__ import annotations

import numpy as np


def minmax_reduce(t: np.ndarray, y: np.ndarray, max_points: int = 5000
                  ) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` of a time-sorted series: the minimum and the maximum of each
    of ``max_points // 2`` equal time buckets, in time order (so peaks survive).

    ``t`` is any sorted numeric time (e.g. microseconds), ``y`` floats where NaN marks a
    gap: an all-NaN bucket keeps one NaN so the plot shows the gap. Short series come back
    unchanged.
    """
    t = np.asarray(t)
    y = np.asarray(y, dtype=float)
    n = t.size
    if n <= max_points or max_points < 2:
        return t, y
    n_buckets = max_points // 2
    span = float(t[-1] - t[0]) or 1.0
    bucket = np.minimum(((t - t[0]) / span * n_buckets).astype(np.int64), n_buckets - 1)
    nan = np.isnan(y)
    first = np.r_[True, bucket[1:] != bucket[:-1]]  # t sorted: buckets are contiguous
    by_min = np.lexsort((np.where(nan, np.inf, y), bucket))
    by_max = np.lexsort((np.where(nan, np.inf, -y), bucket))
    starts = np.flatnonzero(first)
    keep = np.union1d(by_min[starts], by_max[starts])  # sorted, unique
    return t[keep], y[keep]
