"""SWPC products and RTSW JSON, on the real files and on small fixtures."""

import json
from pathlib import Path

import numpy as np
import pytest

from ingest import swpc
from ingest.base import IngestError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "swpc"
PLASMA = "swpc/plasma-7-day_2026-04-11_to_2026-04-18.json"
MAG = "swpc/mag-7-day_2026-04-11_to_2026-04-18.json"


def test_plasma_product(shared):
    data = shared(PLASMA).read_bytes()
    result = parse(data, "plasma-7-day.json")  # kind detected from the content
    assert result.kind == "swpc-products"
    ts = result.series[0]
    assert ts.dataset.id == "swpc_rt_plasma" and len(ts.times) == 9692
    assert ts.times[0] == np.datetime64("2026-04-11T14:33")
    assert ts.times[-1] == np.datetime64("2026-04-18T14:30")
    np.testing.assert_array_equal(ts.values[0], [2.39, 575.6, 146775.0])
    # rows with nulls keep the row and give NaN where the value is null
    raw = json.loads(data)
    partly = [i for i, r in enumerate(raw[1:]) if None in r and r[0] is not None]
    if partly:
        i = partly[0]
        assert np.isnan(ts.values[i][[j - 1 for j, v in enumerate(raw[i + 1]) if v is None]]).all()


def test_mag_product_vector(shared):
    ts = parse(shared(MAG).read_bytes(), "mag.json").series[0]
    assert ts.dataset.id == "swpc_rt_mag" and len(ts.times) == 9777
    assert ts.dataset.parameters[0].size == 3
    np.testing.assert_array_equal(ts.values[0], [-3.71, 2.79, 0.11, 142.98, 1.34, 4.64])


def test_rtsw_mag_keeps_active_rows_sorted(shared):
    data = shared("swpc/rtsw_mag_1m.json").read_bytes()
    raw = json.loads(data)
    result = parse(data, "rtsw_mag_1m.json")
    ts = result.series[0]
    active = [r for r in raw if r["active"]]
    assert len(ts.times) == len(active)
    assert np.all(np.diff(ts.times) > np.timedelta64(0))  # newest-first file, sorted out
    newest = active[0]
    assert ts.times[-1] == np.datetime64(newest["time_tag"])
    assert ts.values[-1][0] == newest["bt"]
    sc = {"ACE": 0, "DSCOVR": 1}[newest["source"]]
    assert ts.values[-1][-1] == sc


def test_rtsw_wind_fixture():
    result = parse((FIXTURES / "rtsw_wind_1m_small.json").read_bytes(), "rtsw_wind_1m.json")
    ts = result.series[0]
    assert ts.dataset.id == "swpc_rtsw_wind"
    assert list(ts.times) == [np.datetime64(f"2024-05-10T17:0{i}") for i in range(3)]
    assert ts.values[0][0] == 406.0 and ts.values[-1][-1] == 1.0  # DSCOVR active
    assert np.isnan(ts.values[1][0])  # null speed for the active spacecraft stays missing


def test_bad_records_rejected_rest_kept():
    rows = [["time_tag", "density", "speed", "temperature"],
            ["2024-05-10 00:00:00.000", "1.0", "400.0", "1e5"],
            ["not a time", "1.0", "400.0", "1e5"],
            ["2024-05-10 00:02:00.000", "abc", "400.0", "1e5"],
            ["2024-05-10 00:03:00.000", "1.0"],
            ["2024-05-10 00:04:00.000", None, "401.0", None]]
    result = swpc.parse_products(json.dumps(rows).encode(), "plasma.json")
    assert len(result.series[0].times) == 2
    reasons = " ".join(str(r) for r in result.rejected)
    assert "row 2: bad time_tag" in reasons and "row 3: non-numeric" in reasons
    assert "row 4: expected 4 values" in reasons


@pytest.mark.parametrize("payload, reason", [
    (b"[1, 2", "not valid JSON"),
    (b"{}", "array of arrays"),
    (b'[["foo", "bar"]]', "not 'time_tag'"),
    (b'[["time_tag", "x"]]', "unknown columns"),
])
def test_whole_file_refused(payload, reason):
    with pytest.raises(IngestError, match=reason) as err:
        swpc.parse_products(payload, "p.json")
    assert err.value.file == "p.json"


def test_truncated_file_refused(shared):
    data = shared(PLASMA).read_bytes()
    with pytest.raises(IngestError, match="plasma.json.*not valid JSON"):
        parse(data[: len(data) // 2], "plasma.json", "swpc-products")


def test_pipeline_and_reingest(ctx, shared):
    data = shared(PLASMA).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "plasma-7-day.json")
    assert (report.status, report.kind, report.dataset) == ("ok", "swpc-products",
                                                           "swpc_rt_plasma")
    assert report.added == 9692
    assert ingest_bytes(ctx.factory, ctx.settings, data, "again.json").status == "unchanged"
    forced = ingest_bytes(ctx.factory, ctx.settings, data, "again.json", force=True)
    assert (forced.added, forced.updated) == (0, 0)
    with ctx.factory() as s:
        t, v = store.read_parameter(s, "swpc_rt_plasma", "speed", 0, 2**62)
    assert len(t) == 9692 and v[0] == 575.6


def test_fetch_from_local_server(shared, tmp_path, settings):
    (tmp_path / "plasma.json").write_bytes(shared(PLASMA).read_bytes())
    with LocalServer(tmp_path) as srv:
        s = settings.__class__(**{**settings.__dict__, "source_urls": {
            "swpc_plasma": f"{srv.url}/files/plasma.json",
            "swpc_rtsw_mag": f"{srv.url}/status/503"}, "http_retries": 1})
        assert parse(swpc.fetch_products("plasma", s), "p.json").series[0].times.size == 9692
        from ingest.http import FetchError

        with pytest.raises(FetchError, match="503"):
            swpc.fetch_rtsw("mag", s)
