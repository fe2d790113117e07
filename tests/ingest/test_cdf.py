"""ISTP CDF files: epochs, fills, valid ranges, zero records; checked against spacepy.pycdf
(the NASA CDF library) as an independent reader."""

from pathlib import Path

import numpy as np
import pytest

from ingest import cdf
from ingest.base import IngestError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURE = Path(__file__).parents[1] / "fixtures" / "cdf" / "wi_h1_swe_like_20240510_v01.cdf"


@pytest.fixture(scope="module")
def pycdf(tmp_path_factory):
    import os

    os.environ.setdefault("SPACEPY", str(tmp_path_factory.mktemp("spacepy")))
    from spacepy import pycdf as module

    return module


def test_ace_k2_cdf_epoch(shared, pycdf):
    path = shared("cdf/ac_k2_mfi_20220101_v03.cdf")
    result = parse(path.read_bytes(), path.name)
    assert result.kind == "cdf" and len(result.series) == 1
    ts = result.series[0]
    assert ts.dataset.id == "ac_k2_mfi"
    assert [(p.name, p.size, p.units) for p in ts.dataset.parameters] == [
        ("Magnitude", 1, "nT"), ("BGSEc", 3, "nT")]
    with pycdf.CDF(str(path)) as ref:
        epochs = np.array(ref["Epoch"][...], dtype="datetime64[ns]")
        magnitude, bgse = ref["Magnitude"][...], ref["BGSEc"][...]
    assert len(ts.times) == 24 and ts.times[0] == np.datetime64("2022-01-01T00:00")
    np.testing.assert_array_equal(ts.times, epochs)
    np.testing.assert_allclose(ts.values[:, 0], magnitude, rtol=1e-6)
    np.testing.assert_allclose(ts.values[:, 1:], bgse, rtol=1e-6)
    assert ts.dataset.cadence_s == 3600.0


def test_psp_tt2000_and_nan(shared, pycdf):
    path = shared("cdf/psp_fld_l2_mag_rtn_1min_20200104_v02.cdf")
    ts = parse(path.read_bytes(), path.name).series[0]
    with pycdf.CDF(str(path)) as ref:
        epochs = np.array(ref["epoch_mag_RTN_1min"][...], dtype="datetime64[ns]")
        b = ref["psp_fld_l2_mag_RTN_1min"][...]
    assert len(ts.times) == 118
    assert ts.times[0] == np.datetime64("2020-01-04T02:33:30")
    assert ts.times[-1] == np.datetime64("2020-01-04T19:33:30")
    # TT2000 is leap-second aware: compare with the NASA library's UTC, to the microsecond
    assert np.abs(ts.times - epochs).max() < np.timedelta64(1, "us")
    assert np.array_equal(np.isnan(ts.values), np.isnan(b))  # the file holds NaN, not fills
    np.testing.assert_allclose(ts.values[~np.isnan(b)], b[~np.isnan(b)], rtol=1e-6)


def test_solar_orbiter_zero_records(shared):
    path = shared("cdf/solo_L1_swa-pas-mom_20200706_V01.cdf")
    result = parse(path.read_bytes(), path.name)
    ts = result.series[0]
    assert len(ts.times) == 0 and not result.rejected
    assert [p.name for p in ts.dataset.parameters] == ["density", "velocity", "pressure",
                                                       "temperature"]
    assert ts.dataset.parameters[2].size == 6


def test_fill_and_valid_range_fixture():
    ts = parse(FIXTURE.read_bytes(), FIXTURE.name).series[0]
    assert ts.dataset.id == "wi_h1_swe_like"
    assert ts.times[1] == np.datetime64("2024-05-10T17:10")
    v = ts.values[:, 0]
    assert v[0] == 650.0 and v[3] == 720.5
    assert np.isnan(v[1]) and np.isnan(v[4])  # 99999.9 and 101000 outside VALIDMAX
    assert np.isnan(v[2])  # FILLVAL
    b = ts.values[:, 1:]
    assert np.isnan(b[2]).all() and np.isnan(b[3, 2]) and b[3, 0] == 7
    assert b[1].tolist() == [4.0, 5.0, 6.0]


@pytest.mark.parametrize("payload, reason", [
    (b"", "empty file"), (b"not a cdf at all", "format not recognised"),
])
def test_refused_files(payload, reason, sqlite_ctx):
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, payload, "x.cdf")
    assert report.status == "refused" and reason in report.errors[0]


def test_truncated_cdf_refused():
    data = FIXTURE.read_bytes()
    with pytest.raises(IngestError, match="wi.cdf"):
        cdf.parse_cdf(data[:900], "wi.cdf")


def test_pipeline_and_fetch(ctx, tmp_path):
    (tmp_path / "wi.cdf").write_bytes(FIXTURE.read_bytes())
    with LocalServer(tmp_path) as srv:
        data = cdf.fetch_cdf(f"{srv.url}/files/wi.cdf", ctx.settings)
    report = ingest_bytes(ctx.factory, ctx.settings, data, "wi.cdf")
    assert report.status == "ok" and report.added == 5 and report.dataset == "wi_h1_swe_like"
    with ctx.factory() as s:
        _, b = store.read_parameter(s, "wi_h1_swe_like", "B_GSE", 0, 2**62)
        ds = store.get_dataset(s, "wi_h1_swe_like")
        assert ds.parameters[0].fill == -1e31 and ds.parameters[0].units == "km/s"
    assert b.shape == (5, 3) and b[0].tolist() == [1.0, 2.0, 3.0]
