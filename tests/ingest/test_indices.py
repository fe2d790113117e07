"""GFZ Kp/ap and CelesTrak space-weather files: the real files, bad input, the pipeline on
SQLite and PostgreSQL, and the fetchers against a real local server."""

import socket

import numpy as np
import pytest

from ingest import indices
from ingest.base import IngestError
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

GFZ = "indices/Kp_ap_Ap_SN_F107_since_2024_excerpt.txt"
NOWCAST = "indices/Kp_ap_Ap_SN_F107_nowcast.txt"
CELESTRAK = "indices/SW-Last5Years.txt"
T = np.datetime64


# --- GFZ ----------------------------------------------------------------------------------


def test_gfz_month(shared):
    result = parse(shared(GFZ).read_bytes(), "Kp_since_2024.txt")
    kp, daily = result.series
    assert result.kind == "gfz-kp" and not result.rejected
    assert kp.dataset.id == "gfz_kp" and daily.dataset.id == "gfz_daily"
    assert len(kp.times) == 31 * 8 and len(daily.times) == 31  # one line per day
    # line 41, 2024-01-01: Kp 0.667 0.333 0.667 1.333 2.000 3.000 3.333 4.000,
    # ap 3 2 3 5 7 15 18 27, Ap 10, SN 54, F10.7 135.7 / 131.2, D 1
    np.testing.assert_array_equal(kp.values[:8, 0], [0.667, 0.333, 0.667, 1.333, 2, 3, 3.333, 4])
    np.testing.assert_array_equal(kp.values[:8, 1], [3, 2, 3, 5, 7, 15, 18, 27])
    assert (kp.values[:8, 2] == 1).all()
    assert kp.times[0] == T("2024-01-01T00:00") and kp.times[7] == T("2024-01-01T21:00")
    assert kp.times[-1] == T("2024-01-31T21:00")
    np.testing.assert_array_equal(daily.values[0], [10, 54, 135.7, 131.2, 1])
    # line 47, 2024-01-07: Ap 1, SN 164, F10.7 167.1 / 161.6
    np.testing.assert_array_equal(daily.values[6], [1, 164, 167.1, 161.6, 1])


def test_gfz_nowcast_missing_values(shared):
    result = parse(shared(NOWCAST).read_bytes(), "nowcast.txt")
    kp, daily = result.series
    assert daily.times[0] == T("2024-01-21") and daily.times[-1] == T("2024-02-13")
    # 2024-02-13: the last two Kp/ap are -1.000 / -1, Ap -1, SN 135, F10.7 -1.0, D 0
    assert kp.times[-1] == T("2024-02-13T21:00")
    assert np.isnan(kp.values[-2:, :2]).all() and kp.values[-3, 0] == 2.667
    assert kp.values[-3, 1] == 12 and kp.values[-1, 2] == 0  # the flag is still there
    assert np.isnan(daily.values[-1, 0]) and daily.values[-1, 1] == 135
    assert np.isnan(daily.values[-1, 2:4]).all() and daily.values[-1, 4] == 0


def test_gfz_bad_lines_rejected(shared):
    lines = shared(GFZ).read_bytes().decode().splitlines()
    lines[45] = lines[45][:40]  # line 46: short
    assert lines[46].startswith("2024 01 07")
    lines[46] = lines[46].replace("167.1", "16x.1")  # line 47: not a number
    lines[47] = "2024 02 30" + lines[47][10:]  # line 48: no such day
    result = indices.parse_gfz_kp("\n".join(lines).encode(), "gfz.txt")
    assert len(result.series[1].times) == 28
    assert T("2024-01-07") not in result.series[1].times
    text = [str(r) for r in result.rejected]
    assert text[0] == "line 46: 8 fields, expected 28"
    assert text[1].startswith("line 47: non-numeric field")
    assert text[2] == "line 48: impossible date"


@pytest.mark.parametrize("payload, reason", [
    (b"# Kp1 F10.7obs\n#\n", "no data line"),
    (b"", "no data line"),
    (b"\xff\xfe garbage", "not ASCII text"),
])
def test_gfz_whole_file_refused(payload, reason):
    with pytest.raises(IngestError, match=reason) as err:
        indices.parse_gfz_kp(payload, "gfz.txt")
    assert err.value.file == "gfz.txt"


def test_gfz_truncated_and_wrong_type(shared):
    data = shared(GFZ).read_bytes()
    with pytest.raises(IngestError, match="gfz.txt at line 71: truncated file: the last line"):
        indices.parse_gfz_kp(data[:-60], "gfz.txt")
    with pytest.raises(IngestError, match="no data line|non-numeric|fields"):
        result = indices.parse_gfz_kp(shared(CELESTRAK).read_bytes(), "SW.txt")
        if not result.series[0].times.size:
            raise IngestError("SW.txt", "no data line")


# --- CelesTrak ----------------------------------------------------------------------------


def test_celestrak_sections(shared):
    data = shared(CELESTRAK).read_bytes()
    assert b"\r\n" in data  # CRLF as published
    result = parse(data, "SW-Last5Years.txt")
    assert result.kind == "celestrak-sw" and not result.rejected
    by_id = {ts.dataset.id: ts for ts in result.series}
    obs, kp = by_id["celestrak_daily"], by_id["celestrak_kp"]
    assert obs.dataset.kind == kp.dataset.kind == "measured"
    assert len(obs.times) == 2007 and obs.times[0] == T("2021-01-01")
    assert obs.times[-1] == T("2026-06-30") and len(kp.times) == 2007 * 8
    # 2021-01-01: Kp 0 3 7 3 3 13 7 7 (x10), sum 43, ap 0 2 3 2 2 5 3 3, Ap 2, Cp 0.0, C9 0,
    # ISN 24, F10.7adj 77.7, Q 0, Ctr81 80.4, Lst81 83.5, F10.7obs 80.4, 82.9, 85.4
    np.testing.assert_array_equal(kp.values[:8, 0], [0, 3, 7, 3, 3, 13, 7, 7])
    np.testing.assert_array_equal(kp.values[:8, 1], [0, 2, 3, 2, 2, 5, 3, 3])
    np.testing.assert_array_equal(obs.values[0], [43, 2, 0.0, 0, 24, 77.7, 0, 80.4, 83.5,
                                                  80.4, 82.9, 85.4])
    # 2026-06-30 (the last observed line): Kp 3 3 7 40 33 47 47 33, ISN 94, F10.7adj 209.3
    np.testing.assert_array_equal(kp.values[-8:, 0], [3, 3, 7, 40, 33, 47, 47, 33])
    assert obs.values[-1, 4] == 94 and obs.values[-1, 5] == 209.3
    pred, kp_pred = by_id["celestrak_daily_predicted"], by_id["celestrak_kp_predicted"]
    assert pred.dataset.kind == kp_pred.dataset.kind == "predicted"
    assert len(pred.times) == 45 and pred.times[0] == T("2026-07-01")
    assert pred.times[-1] == T("2026-08-14")
    np.testing.assert_array_equal(kp_pred.values[:8, 0], [40, 30, 7, 37, 37, 37, 37, 37])
    assert pred.values[0, 4] == 162 and pred.values[0, 5] == 205.0
    assert np.isnan(pred.values[0, 6])  # blank flux qualifier in predicted rows
    assert pred.values[0, 7] == 149.8
    monthly = by_id["celestrak_monthly_predicted"]
    assert monthly.dataset.kind == "predicted"
    assert len(monthly.times) == 182 and monthly.times[0] == T("2026-09-01")
    assert monthly.times[-1] == T("2041-10-01")
    assert np.isnan(monthly.values[:, :4]).all()  # blank Kp/Ap/Cp/C9 in monthly rows
    assert monthly.values[0, 4] == 87 and monthly.values[0, 5] == 121.1
    assert monthly.values[-1, 4] == 10 and monthly.values[-1, 5] == 70.0


def test_celestrak_truncated_or_miscounted_refused(shared):
    data = shared(CELESTRAK).read_bytes()
    with pytest.raises(IngestError, match="SW.txt: section OBSERVED has no END line"):
        indices.parse_celestrak(data[: len(data) // 3], "SW.txt")
    lines = data.split(b"\r\n")
    del lines[100]  # an observed day lost
    with pytest.raises(IngestError, match="OBSERVED has 2006 lines, NUM_OBSERVED_POINTS says"):
        indices.parse_celestrak(b"\r\n".join(lines), "SW.txt")


def test_celestrak_bad_line_rejected(shared):
    lines = shared(CELESTRAK).read_bytes().split(b"\r\n")
    assert lines[17].startswith(b"2021 01 01")  # line 18, first observed day
    lines[18] = lines[18][:30] + b" xx" + lines[18][33:]
    lines[19] = b"2021 02 30" + lines[19][10:]
    result = indices.parse_celestrak(b"\r\n".join(lines), "SW.txt")
    obs = next(ts for ts in result.series if ts.dataset.id == "celestrak_daily")
    assert len(obs.times) == 2005 and T("2021-01-02") not in obs.times
    assert [str(r) for r in result.rejected][0].startswith("OBSERVED line 19: field")
    assert str(result.rejected[1]) == "OBSERVED line 20: impossible date"


@pytest.mark.parametrize("payload, reason", [
    (b"", "no BEGIN OBSERVED"),
    (b"\xff\xfe", "not ASCII"),
    (b"DATATYPE CssiSpaceWeather\r\nEND OBSERVED\r\n", "unexpected 'END OBSERVED'"),
])
def test_celestrak_whole_file_refused(payload, reason):
    with pytest.raises(IngestError, match=reason):
        indices.parse_celestrak(payload, "SW.txt")


def test_celestrak_wrong_type(shared):
    with pytest.raises(IngestError, match="no BEGIN OBSERVED"):
        indices.parse_celestrak(shared(GFZ).read_bytes(), "SW.txt")


def test_detection(shared):
    assert detect_kind(shared(GFZ).read_bytes(), "a") == "gfz-kp"
    assert detect_kind(shared(NOWCAST).read_bytes(), "a") == "gfz-kp"
    assert detect_kind(shared(CELESTRAK).read_bytes(), "a") == "celestrak-sw"
    assert not indices.sniff_gfz_kp(shared(CELESTRAK).read_bytes()[:65536], "a")
    assert not indices.sniff_celestrak(shared(GFZ).read_bytes()[:65536], "a")


# --- pipeline and fetchers -------------------------------------------------------------


def test_pipeline_gfz(ctx, shared):
    data = shared(GFZ).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "kp.txt")
    assert report.status == "ok" and report.added == 248 + 31
    assert report.dataset == "gfz_kp,gfz_daily"
    with ctx.factory() as session:
        t, kp = store.read_parameter(session, "gfz_kp", "kp", 0, 2**62)
    assert kp[6] == 3.333 and len(t) == 248
    assert ingest_bytes(ctx.factory, ctx.settings, data, "kp.txt").status == "unchanged"
    forced = ingest_bytes(ctx.factory, ctx.settings, data, "kp.txt", force=True)
    assert (forced.added, forced.updated) == (0, 0)
    # the nowcast overlaps 2024-01-21..31: those days are the same values, not added
    now = ingest_bytes(ctx.factory, ctx.settings, shared(NOWCAST).read_bytes(), "now.txt")
    assert now.status == "ok" and now.added == 13 * 9  # 2024-02-01..13: 8 Kp + 1 daily


def test_pipeline_celestrak(ctx, shared):
    data = shared(CELESTRAK).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "SW-Last5Years.txt")
    assert report.status == "ok" and report.kind == "celestrak-sw"
    assert report.added == 2007 * 9 + 45 * 9 + 182
    with ctx.factory() as session:
        t, f107 = store.read_parameter(session, "celestrak_monthly_predicted", "f107_adj",
                                       0, 2**62)
    assert len(t) == 182 and f107[0] == 121.1
    forced = ingest_bytes(ctx.factory, ctx.settings, data, "SW.txt", force=True)
    assert (forced.added, forced.updated) == (0, 0)


@pytest.fixture
def server(tmp_path, shared):
    (tmp_path / "kp.txt").write_bytes(shared(NOWCAST).read_bytes())
    (tmp_path / "SW-Last5Years.txt").write_bytes(shared(CELESTRAK).read_bytes())
    with LocalServer(tmp_path) as srv:
        yield srv


def _settings(settings, urls):
    return settings.__class__(**{**settings.__dict__, "source_urls": urls, "http_retries": 0,
                                 "http_timeout_s": 5.0})


def test_fetch_from_local_server(server, settings):
    s = _settings(settings, {"gfz_kp": f"{server.url}/files/kp.txt",
                             "celestrak_sw": f"{server.url}/files/SW-Last5Years.txt"})
    assert len(parse(indices.fetch_gfz_kp(s), "kp.txt").series[1].times) == 24
    assert len(parse(indices.fetch_celestrak(s), "SW.txt").series) == 5


def test_fetch_failures(server, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    s = _settings(settings, {"gfz_kp": f"{server.url}/status/500",
                             "celestrak_sw": f"http://127.0.0.1:{dead}/SW.txt"})
    with pytest.raises(FetchError, match="HTTP 500"):
        indices.fetch_gfz_kp(s)
    with pytest.raises(FetchError, match="connection failed"):
        indices.fetch_celestrak(s)
