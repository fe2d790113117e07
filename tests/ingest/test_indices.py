"""GFZ Kp/ap and CelesTrak space-weather files, on the real files."""

import numpy as np
import pytest

from ingest import indices
from ingest.base import IngestError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

GFZ = "indices/Kp_ap_Ap_SN_F107_since_2024_excerpt.txt"
NOWCAST = "indices/Kp_ap_Ap_SN_F107_nowcast.txt"
CELESTRAK = "indices/SW-Last5Years.txt"


def test_gfz_month(shared):
    result = parse(shared(GFZ).read_bytes(), "Kp_since_2024.txt")
    kp, daily = result.series
    assert result.kind == "gfz-kp" and kp.dataset.id == "gfz_kp"
    assert len(kp.times) == 31 * 8 and len(daily.times) == 31
    # 2024-01-01: Kp 0.667 0.333 0.667 1.333 2.000 3.000 3.333 4.000, ap 3 2 3 5 7 15 18 27
    np.testing.assert_array_equal(kp.values[:8, 0], [0.667, 0.333, 0.667, 1.333, 2, 3, 3.333, 4])
    np.testing.assert_array_equal(kp.values[:8, 1], [3, 2, 3, 5, 7, 15, 18, 27])
    assert kp.times[7] == np.datetime64("2024-01-01T21:00")
    np.testing.assert_array_equal(daily.values[0], [10, 54, 135.7, 131.2, 1])


def test_gfz_nowcast_missing_values(shared):
    kp, daily = parse(shared(NOWCAST).read_bytes(), "nowcast.txt").series
    # 2024-02-13: the last two Kp/ap are -1.000 / -1, Ap -1, F10.7 -1.0
    assert kp.times[-1] == np.datetime64("2024-02-13T21:00")
    assert np.isnan(kp.values[-2:, :2]).all() and kp.values[-3, 0] == 2.667
    assert np.isnan(daily.values[-1, 0]) and daily.values[-1, 1] == 135
    assert np.isnan(daily.values[-1, 2:4]).all() and daily.values[-1, 4] == 0


def test_celestrak_sections(shared):
    data = shared(CELESTRAK).read_bytes()
    assert b"\r\n" in data  # CRLF as published
    result = parse(data, "SW-Last5Years.txt")
    by_id = {ts.dataset.id: ts for ts in result.series}
    obs, kp = by_id["celestrak_daily"], by_id["celestrak_kp"]
    assert len(obs.times) == 2007 and obs.times[0] == np.datetime64("2021-01-01")
    assert obs.times[-1] == np.datetime64("2026-06-30")
    # 2021-01-01: Kp 0 3 7 3 3 13 7 7 (x10), sum 43, ap 0 2 3 2 2 5 3 3, Ap 2, ISN 24, F10.7 77.7
    np.testing.assert_array_equal(kp.values[:8, 0], [0, 3, 7, 3, 3, 13, 7, 7])
    np.testing.assert_array_equal(kp.values[:8, 1], [0, 2, 3, 2, 2, 5, 3, 3])
    np.testing.assert_array_equal(obs.values[0, :6], [43, 2, 0.0, 0, 24, 77.7])
    pred = by_id["celestrak_daily_predicted"]
    assert pred.dataset.kind == "predicted" and len(pred.times) == 45
    monthly = by_id["celestrak_monthly_predicted"]
    assert len(monthly.times) == 182 and monthly.times[-1] == np.datetime64("2041-10-01")
    assert np.isnan(monthly.values[0, :4]).all()  # blank Kp/Ap fields in monthly rows
    assert monthly.values[0, 4] == 87 and monthly.values[0, 5] == 121.1
    assert not result.rejected


def test_truncated_celestrak_refused(shared):
    data = shared(CELESTRAK).read_bytes()
    with pytest.raises(IngestError, match="no END line"):
        indices.parse_celestrak(data[: len(data) // 3], "SW.txt")


def test_gfz_bad_lines_rejected(shared):
    lines = shared(GFZ).read_bytes().decode().splitlines()
    lines[45] = lines[45][:40]
    assert lines[46].startswith("2024 01 07")
    lines[46] = lines[46].replace("167.1", "16x.1")
    result = indices.parse_gfz_kp("\n".join(lines).encode(), "gfz.txt")
    assert len(result.series[1].times) == 29
    text = " ".join(str(r) for r in result.rejected)
    assert "line 46:" in text and "line 47: non-numeric" in text


def test_gfz_empty_of_data():
    with pytest.raises(IngestError, match="no data line"):
        indices.parse_gfz_kp(b"# Kp1 F10.7obs\n#\n", "gfz.txt")


def test_pipeline_and_fetch(ctx, shared, tmp_path):
    (tmp_path / "kp.txt").write_bytes(shared(GFZ).read_bytes())
    with LocalServer(tmp_path) as srv:
        s = ctx.settings.__class__(**{**ctx.settings.__dict__,
                                      "source_urls": {"gfz_kp": f"{srv.url}/files/kp.txt"}})
        data = indices.fetch_gfz_kp(s)
    report = ingest_bytes(ctx.factory, ctx.settings, data, "kp.txt")
    assert report.status == "ok" and report.added == 248 + 31
    with ctx.factory() as session:
        t, kp = store.read_parameter(session, "gfz_kp", "kp", 0, 2**62)
    assert kp[6] == 3.333 and len(t) == 248
