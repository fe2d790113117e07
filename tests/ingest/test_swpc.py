"""SWPC products, RTSW and GOES JSON: the real files, a small RTSW wind fixture, bad input,
the pipeline on SQLite and PostgreSQL, and the fetchers against a real local server."""

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from ingest import swpc
from ingest.base import IngestError
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "swpc"
PLASMA = "swpc/plasma-7-day_2026-04-11_to_2026-04-18.json"
MAG = "swpc/mag-7-day_2026-04-11_to_2026-04-18.json"
RTSW_MAG = "swpc/rtsw_mag_1m.json"
XRAYS = "swpc/xrays-1-day.json"
PROTONS = "swpc/differential-protons-1-day.json"
T = np.datetime64


def _col(ts, name):
    """First column of parameter ``name`` in the flattened record."""
    offset = 0
    for p in ts.dataset.parameters:
        if p.name == name:
            return offset
        offset += p.size
    raise KeyError(name)


def _at(ts, when):
    (i,) = np.flatnonzero(ts.times == T(when))
    return ts.values[i]


# --- real files ---------------------------------------------------------------------------


def test_plasma_product(shared):
    data = shared(PLASMA).read_bytes()
    result = parse(data, "plasma-7-day.json")  # kind detected from the content
    assert result.kind == "swpc-products" and not result.rejected
    ts = result.series[0]
    assert ts.dataset.id == "swpc_rt_plasma" and len(ts.times) == 9692
    assert ts.times[0] == T("2026-04-11T14:33") and ts.times[-1] == T("2026-04-18T14:30")
    np.testing.assert_array_equal(ts.values[0], [2.39, 575.6, 146775.0])
    np.testing.assert_array_equal(ts.values[-1], [2.84, 453.8, 54942.0])
    # row 161 of the file is ["2026-04-11 17:28:00.000","3.00",null,null]: kept, NaN where null
    row = _at(ts, "2026-04-11T17:28")
    assert row[0] == 3.0 and np.isnan(row[1:]).all()
    assert np.isnan(ts.values[:, 1]).sum() == 34  # 34 null speeds in the file


def test_mag_product_vector(shared):
    ts = parse(shared(MAG).read_bytes(), "mag.json").series[0]
    assert ts.dataset.id == "swpc_rt_mag" and len(ts.times) == 9777
    assert ts.dataset.parameters[0].name == "b_gsm" and ts.dataset.parameters[0].size == 3
    assert ts.times[0] == T("2026-04-11T14:32") and ts.times[-1] == T("2026-04-18T14:29")
    np.testing.assert_array_equal(ts.values[0], [-3.71, 2.79, 0.11, 142.98, 1.34, 4.64])
    np.testing.assert_array_equal(ts.values[-1], [6.46, -1.97, -3.44, 343.01, -26.95, 7.58])


def test_rtsw_mag_keeps_active_rows_sorted(shared):
    result = parse(shared(RTSW_MAG).read_bytes(), "rtsw_mag_1m.json")
    assert result.kind == "swpc-rtsw" and not result.rejected
    ts = result.series[0]
    # 2850 rows for 1438 minutes; 1412 minutes have an active (ACE) row, 26 only DSCOVR
    assert ts.dataset.id == "swpc_rtsw_mag" and len(ts.times) == 1412
    assert ts.times[0] == T("2024-04-23T23:38") and ts.times[-1] == T("2024-04-24T23:35")
    assert np.all(np.diff(ts.times) > np.timedelta64(0))  # newest-first file, sorted out
    assert T("2024-04-24T22:18") not in ts.times  # only an inactive DSCOVR row that minute
    row = _at(ts, "2024-04-24T12:00")  # the active ACE row, not DSCOVR's
    assert row[_col(ts, "bt")] == 4.04
    np.testing.assert_array_equal(row[_col(ts, "b_gse"):_col(ts, "b_gse") + 3],
                                  [-0.35, 3.57, 1.85])
    np.testing.assert_array_equal(row[_col(ts, "b_gsm"):_col(ts, "b_gsm") + 3],
                                  [-0.33, 3.23, 2.4])
    assert row[_col(ts, "phi_gsm")] == 95.88 and row[_col(ts, "sample_size")] == 60
    assert row[_col(ts, "spacecraft")] == 0  # ACE
    newest = _at(ts, "2024-04-24T23:35")
    assert newest[_col(ts, "bt")] == 3.5  # ACE 3.5, not DSCOVR's 3.85
    assert np.nansum(ts.values[:, _col(ts, "max_telemetry_flag")]) == sum(
        1 for r in json.loads(shared(RTSW_MAG).read_bytes())
        if r["active"] and r["max_telemetry_flag"] == 1)


def test_rtsw_wind_fixture():
    result = parse((FIXTURES / "rtsw_wind_1m_small.json").read_bytes(), "rtsw_wind_1m.json")
    ts = result.series[0]
    assert result.kind == "swpc-rtsw" and ts.dataset.id == "swpc_rtsw_wind"
    # 17:03 has only an inactive ACE row: absent
    assert list(ts.times) == [T("2024-05-10T17:00"), T("2024-05-10T17:01"),
                              T("2024-05-10T17:02")]
    first = ts.values[0]
    assert first[_col(ts, "proton_speed")] == 406.0  # DSCOVR active, not ACE's 404.0
    assert first[_col(ts, "alpha_density")] == 0.12
    assert first[_col(ts, "spacecraft")] == 1
    np.testing.assert_array_equal(first[_col(ts, "proton_v_gse"):_col(ts, "proton_v_gse") + 3],
                                  [-405.9, 0.2, -1.3])
    assert np.isnan(ts.values[1][_col(ts, "proton_speed")])  # null for the active one
    assert np.isnan(ts.values[1][_col(ts, "proton_v_gsm")])
    assert np.isnan(ts.values[2][_col(ts, "max_data_flag")])  # -9999 "not reported"
    assert ts.values[2][_col(ts, "overall_quality")] == 0


def test_goes_xrays(shared):
    result = swpc.parse_goes(shared(XRAYS).read_bytes(), "xrays-1-day.json")
    ts = result.series[0]
    assert ts.dataset.id == "goes_xrs_primary" and not result.rejected
    assert len(ts.times) == 1438  # 2876 records, two bands per minute
    assert ts.times[0] == T("2020-07-14T18:26") and ts.times[-1] == T("2020-07-15T18:23")
    np.testing.assert_array_equal(ts.values[0], [1.0470539990592442e-08,
                                                 1.1450457471084974e-08, 16])
    assert ts.values[-1][1] == 1.5410366316359614e-08


def test_goes_differential_protons(shared):
    result = swpc.parse_goes(shared(PROTONS).read_bytes(), "differential-protons-1-day.json")
    ts = result.series[0]
    assert ts.dataset.id == "goes_diff_protons_primary" and not result.rejected
    assert len(ts.times) == 287 and ts.times[-1] == T("2024-04-24T20:50")
    first = ts.values[0]
    assert ts.times[0] == T("2024-04-23T21:00")
    assert first[_col(ts, "p1")] == 0.0014888141304254532
    assert first[_col(ts, "p8c")] == 2.6008049758274865e-07
    assert first[_col(ts, "p2b")] == 0.0 and first[_col(ts, "satellite")] == 18
    assert ts.values[-1][_col(ts, "p8b")] == 2.99702549000358e-07
    assert not np.isnan(ts.values).any()  # 13 channels at each of the 287 times


@pytest.mark.parametrize("path, kind", [(PLASMA, "swpc-products"), (MAG, "swpc-products"),
                                        (RTSW_MAG, "swpc-rtsw")])
def test_detection_is_specific(shared, path, kind):
    data = shared(path).read_bytes()
    assert detect_kind(data, "x.json") == kind
    assert not swpc.sniff_goes(data[:65536], "x.json")


@pytest.mark.parametrize("path", [XRAYS, PROTONS])
def test_goes_sniffer_does_not_collide(shared, path):
    head = shared(path).read_bytes()[:65536]
    assert swpc.sniff_goes(head, "x.json")
    assert not swpc.sniff_rtsw(head, "x.json") and not swpc.sniff_products(head, "x.json")


# --- bad input ----------------------------------------------------------------------------


def test_bad_product_rows_rejected_rest_kept():
    rows = [["time_tag", "density", "speed", "temperature"],
            ["2024-05-10 00:00:00.000", "1.0", "400.0", "1e5"],
            ["not a time", "1.0", "400.0", "1e5"],
            ["2024-05-10 00:02:00.000", "abc", "400.0", "1e5"],
            ["2024-05-10 00:03:00.000", "1.0"],
            ["2024-05-10 00:04:00.000", None, "401.0", None]]
    result = swpc.parse_products(json.dumps(rows).encode(), "plasma.json")
    ts = result.series[0]
    assert list(ts.times) == [T("2024-05-10T00:00"), T("2024-05-10T00:04")]
    assert ts.values[1][1] == 401.0 and np.isnan(ts.values[1][[0, 2]]).all()
    reasons = [str(r) for r in result.rejected]
    assert reasons == ["row 2: bad time_tag", "row 3: non-numeric value",
                       "row 4: expected 4 values"]


def test_bad_rtsw_records_rejected_rest_kept():
    rows = json.loads((FIXTURES / "rtsw_wind_1m_small.json").read_bytes())
    rows[1]["proton_density"] = "lots"  # 17:02 active
    rows[3]["time_tag"] = "yesterday"  # 17:01 active
    rows.insert(0, "not an object")
    result = swpc.parse_rtsw(json.dumps(rows).encode(), "rtsw_wind_1m.json")
    assert list(result.series[0].times) == [T("2024-05-10T17:00")]
    assert [str(r) for r in result.rejected] == [
        "record 0: not an object with a time_tag", "record 2: non-numeric value",
        "record 4: bad time_tag"]


def test_duplicate_active_minute_rejected():
    rows = json.loads((FIXTURES / "rtsw_wind_1m_small.json").read_bytes())
    rows[2]["active"] = True  # ACE also active at 17:02
    result = swpc.parse_rtsw(json.dumps(rows).encode(), "rtsw_wind_1m.json")
    ts = result.series[0]
    assert len(ts.times) == 3 and ts.values[2][0] == 412.5  # the first listed is kept
    assert [str(r) for r in result.rejected] == ["record 2: second active row for its minute"]


@pytest.mark.parametrize("parser", [swpc.parse_products, swpc.parse_rtsw, swpc.parse_goes])
@pytest.mark.parametrize("payload, reason", [
    (b"[1, 2", "not valid JSON"),
    (b"\x00\xff garbage", "not valid JSON"),
    (b"{}", "expected"),
    (b"[]", "expected"),
])
def test_whole_file_refused(parser, payload, reason):
    with pytest.raises(IngestError, match=reason) as err:
        parser(payload, "p.json")
    assert err.value.file == "p.json"


def test_wrong_type_refused(shared):
    products, rtsw = shared(PLASMA).read_bytes(), shared(RTSW_MAG).read_bytes()
    with pytest.raises(IngestError, match="p.json at record 0: expected a non-empty array of"):
        swpc.parse_rtsw(products, "p.json")
    with pytest.raises(IngestError, match="array of arrays"):
        swpc.parse_products(rtsw, "r.json")
    with pytest.raises(IngestError, match="neither GOES"):
        swpc.parse_goes(rtsw, "r.json")
    with pytest.raises(IngestError, match="neither an RTSW"):
        swpc.parse_rtsw(shared(XRAYS).read_bytes(), "x.json")
    omni = shared("omni/omni2_2020_excerpt.dat").read_bytes()
    with pytest.raises(IngestError, match="not valid JSON"):
        swpc.parse_products(omni, "o.dat")
    with pytest.raises(IngestError, match="unknown columns"):
        swpc.parse_products(b'[["time_tag", "x"]]', "p.json")


@pytest.mark.parametrize("path", [PLASMA, RTSW_MAG])
def test_truncated_and_empty_files_refused(shared, path):
    data = shared(path).read_bytes()
    with pytest.raises(IngestError, match="x.json: not valid JSON"):
        parse(data[: len(data) // 2], "x.json", "swpc-products" if path == PLASMA
              else "swpc-rtsw")
    with pytest.raises(IngestError, match="empty file"):
        parse(b"", "x.json")


# --- pipeline -----------------------------------------------------------------------------


def test_pipeline_and_reingest(ctx, shared):
    data = shared(PLASMA).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "plasma-7-day.json")
    assert (report.status, report.kind, report.dataset) == ("ok", "swpc-products",
                                                           "swpc_rt_plasma")
    assert report.added == 9692 and report.rejected == 0
    assert ingest_bytes(ctx.factory, ctx.settings, data, "again.json").status == "unchanged"
    forced = ingest_bytes(ctx.factory, ctx.settings, data, "again.json", force=True)
    assert (forced.status, forced.added, forced.updated) == ("ok", 0, 0)
    with ctx.factory() as s:
        t, v = store.read_parameter(s, "swpc_rt_plasma", "speed", 0, 2**62)
    assert len(t) == 9692 and v[0] == 575.6


def test_pipeline_rtsw_vectors(ctx, shared):
    data = shared(RTSW_MAG).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "rtsw_mag_1m.json")
    assert (report.status, report.kind, report.added) == ("ok", "swpc-rtsw", 1412)
    with ctx.factory() as s:
        t, b = store.read_parameter(s, "swpc_rtsw_mag", "b_gse", 0, 2**62)
    assert b.shape == (1412, 3)
    np.testing.assert_array_equal(b[-1], [2.37, 2.48, 0.7])  # newest ACE row
    again = ingest_bytes(ctx.factory, ctx.settings, data, "rtsw_mag_1m.json", force=True)
    assert (again.added, again.updated) == (0, 0)


def test_pipeline_refuses_garbage(ctx):
    report = ingest_bytes(ctx.factory, ctx.settings, b'[["time_tag", "dens', "plasma.json",
                          kind="swpc-products")
    assert report.status == "refused" and "not valid JSON" in report.errors[0]


# --- fetchers -----------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path, shared):
    for path in (PLASMA, MAG, RTSW_MAG):
        (tmp_path / Path(path).name).write_bytes(shared(path).read_bytes())
    with LocalServer(tmp_path) as srv:
        yield srv


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(settings, urls, retries=0):
    return settings.__class__(**{**settings.__dict__, "source_urls": urls,
                                 "http_retries": retries, "http_timeout_s": 5.0})


def test_fetch_from_local_server(server, settings):
    s = _settings(settings, {
        "swpc_plasma": f"{server.url}/files/{Path(PLASMA).name}",
        "swpc_mag": f"{server.url}/flaky/1/{Path(MAG).name}",
        "swpc_rtsw_mag": f"{server.url}/files/rtsw_mag_1m.json"}, retries=1)
    assert len(parse(swpc.fetch_products("plasma", s), "p.json").series[0].times) == 9692
    assert len(parse(swpc.fetch_products("mag", s), "m.json").series[0].times) == 9777
    assert len(parse(swpc.fetch_rtsw("mag", s), "r.json").series[0].times) == 1412
    with pytest.raises(ValueError, match="kind must be"):
        swpc.fetch_rtsw("plasma", s)


def test_fetch_failures(server, settings):
    s = _settings(settings, {"swpc_plasma": f"{server.url}/status/500",
                             "swpc_rtsw_wind": f"http://127.0.0.1:{_dead_port()}/rtsw.json"})
    with pytest.raises(FetchError, match="HTTP 500"):
        swpc.fetch_products("plasma", s)
    with pytest.raises(FetchError, match="connection failed"):
        swpc.fetch_rtsw("wind", s)


def test_goes_files_are_detected_through_the_pipeline(ctx, shared):
    from ingest.pipeline import ingest_bytes

    for name, dataset, times in (("xrays-1-day.json", "goes_xrs_primary", 1438),
                                 ("differential-protons-1-day.json",
                                  "goes_diff_protons_primary", 287)):
        report = ingest_bytes(ctx.factory, ctx.settings, shared(f"swpc/{name}").read_bytes(),
                              name)
        assert (report.status, report.kind, report.dataset) == ("ok", "swpc-goes", dataset)
        assert report.added == times
