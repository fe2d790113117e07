"""hapiclient against a live server: every dataset in csv and binary reads back exactly."""

import numpy as np
import pytest
from hapiclient import hapi

from amda_bridge.hapi import parse_time


@pytest.mark.parametrize("fmt", ["csv", "binary"])
def test_hapiclient_reads_every_dataset(live, tmp_path, fmt):
    url, series = live
    for dataset_id, ts in series.items():
        info = hapi(url, dataset_id, usecache=False, cachedir=str(tmp_path))
        opts = {"format": fmt, "usecache": False, "cachedir": str(tmp_path), "logging": False}
        data, meta = hapi(url, dataset_id, "", info["startDate"], info["stopDate"], **opts)
        assert len(data) == len(ts.times)
        t_us = np.array([parse_time(t.decode()) for t in data["Time"]])
        np.testing.assert_array_equal(t_us, ts.times.astype("datetime64[us]").astype(np.int64))
        col = 0
        for p in ts.dataset.parameters:
            got = data[p.name].reshape(len(data), -1)
            want = ts.values[:, col: col + p.size].copy()
            col += p.size
            fill = np.nan if p.fill is None else p.fill
            want[np.isnan(want)] = fill
            np.testing.assert_array_equal(got, want)  # exact, NaN where NaN


def test_hapiclient_subset_and_error_message(live, tmp_path):
    url, series = live
    opts = {"usecache": False, "cachedir": str(tmp_path)}
    data, _ = hapi(url, "test_sw", "density,b_gse", "2024-05-11T00:00:00Z",
                   "2024-05-11T01:00:00Z", **opts)
    assert data.dtype.names == ("Time", "density", "b_gse") and len(data) == 60
    with pytest.raises(Exception, match="unknown dataset id"):
        hapi(url, "nope", "", "2024-05-11T00:00:00Z", "2024-05-11T01:00:00Z", **opts)
