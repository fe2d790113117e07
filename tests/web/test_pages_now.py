"""The Now page (``/``) and its JSON (``/now/data.json``) on data the tests insert."""

import json
import re

import numpy as np
import pytest

from ingest.indices import GFZ_KP
from ingest.swpc import PRODUCT_MAG, PRODUCT_PLASMA, RTSW_MAG, RTSW_WIND
from storms import models as m
from storms.timeutil import now_us
from web import create_app
from web.pages import now as now_page

from .page_data import DAY_US, HOUR_US, MINUTE_US, minutes, put_series, us

END = us("2020-03-01T12:00")


@pytest.fixture
def app(ctx):
    return create_app(context=ctx)


def _plasma(ctx, end=END, n=2 * 1440, density=5.0, speed=400.0, last=(10.0, 500.0)):
    """``n`` minutes of constant plasma ending at ``end``; the last record differs."""
    t = minutes(end, n)
    dens = np.full(n, density)
    spd = np.full(n, speed)
    dens[-1], spd[-1] = last
    put_series(ctx, PRODUCT_PLASMA, t, {"density": dens, "speed": spd,
                                        "temperature": np.full(n, 1e5)})
    return t


def _mag(ctx, end=END, n=2 * 1440, bz=-3.0):
    t = minutes(end, n)
    b = np.column_stack([np.ones(n), np.full(n, 2.0), np.full(n, bz)])
    put_series(ctx, PRODUCT_MAG, t, {"b_gsm": b, "bt": np.full(n, 6.0)})
    return t


def _data(client, window="24h"):
    resp = client.get(f"/now/data.json?window={window}")
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "application/json"
    assert "no-store" in resp.headers["Cache-Control"]
    return json.loads(resp.data)  # strict: NaN would not parse as the browser sees it


def _trace(data, name):
    return next(t for t in data["figure"]["data"] if t["name"] == name)


def test_dynamic_pressure_formula():
    # P = 1.6726e-6 n v^2 nPa (m_p n v^2 in SI)
    assert now_page.dynamic_pressure_npa(10.0, 500.0) == pytest.approx(1.6726e-6 * 10 * 500**2,
                                                                        rel=1e-4)
    assert now_page.dynamic_pressure_npa(5.0, 400.0) == pytest.approx(1.33809, rel=1e-4)


def test_window_ends_at_latest_record_and_pressure_is_shown(app, ctx):
    _plasma(ctx)
    _mag(ctx, end=END - MINUTE_US)
    client = app.test_client()
    data = _data(client)
    # the data are years old: the window ends at the last record, not the wall clock
    assert data["end_ms"] == END // 1000
    assert data["start_ms"] == (END - DAY_US) // 1000
    # plotly gets zone-less UTC strings (it would shift epoch ms to the browser's zone)
    assert data["figure"]["layout"]["xaxis"]["range"] == ["2020-02-29T12:00:00",
                                                          "2020-03-01T12:00:00"]
    assert data["figure"]["layout"]["xaxis"]["type"] == "date"
    pressure = _trace(data, "Pressure")
    assert pressure["y"][-1] == pytest.approx(1.6726e-6 * 10 * 500**2, abs=1e-3)  # 4.182
    assert pressure["y"][0] == pytest.approx(1.6726e-6 * 5 * 400**2, abs=1e-3)  # 1.338
    assert pressure["x"][-1] == "2020-03-01T12:00:00"
    # every panel shares the one x axis (one zoom for all), each has its own y axis
    assert {t["xaxis"] for t in data["figure"]["data"]} == {"x"}
    assert len({t["yaxis"] for t in data["figure"]["data"]}) == 5
    tiles = {t["quantity"]: t for t in data["tiles"]}
    assert tiles["pressure"]["text"] == "4.18"
    assert tiles["speed"]["text"] == "500" and tiles["bz"]["text"] == "-3.0"
    page = client.get("/")
    assert page.status_code == 200
    html = page.data.decode()
    assert re.search(r'data-quantity="pressure".*?tile-value">4\.18<', html, re.S)
    assert "2020-03-01 12:00" in html  # data end shown
    assert 'src="/vendor/plotly.min.js"' in html and "now.js" in html
    # the embedded JSON is the same document as the endpoint's
    embedded = re.search(r'<script type="application/json" id="now-data"[^>]*>(.*?)</script>',
                         html, re.S).group(1)
    assert json.loads(embedded)["end_ms"] == data["end_ms"]


@pytest.mark.parametrize("window, span", [("6h", 6 * HOUR_US), ("24h", DAY_US),
                                          ("7d", 7 * DAY_US)])
def test_windows(app, ctx, window, span):
    _plasma(ctx, n=8 * 1440)
    client = app.test_client()
    data = _data(client, window)
    assert data["window"] == window
    assert data["end_ms"] - data["start_ms"] == span // 1000
    speed = _trace(data, "Speed")
    first, last = now_page.plot_times([data["start_ms"] * 1000, data["end_ms"] * 1000])
    assert first <= speed["x"][0] and speed["x"][-1] == last
    assert data["figure"]["layout"]["xaxis"]["range"] == [first, last]
    assert client.get(f"/?window={window}").status_code == 200


def test_bad_window_is_a_clear_400(app, ctx):
    client = app.test_client()
    resp = client.get("/now/data.json?window=2y")
    assert resp.status_code == 400 and "unknown window" in resp.get_json()["error"]
    page = client.get("/?window=2y", headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert b"unknown window" in page.data and b"Traceback" not in page.data


def test_seven_days_of_minutes_are_reduced_keeping_peaks(app, ctx):
    n = 7 * 1440  # 10,080 records
    t = minutes(END, n)
    rng = np.random.default_rng(1)
    speed = rng.normal(400, 20, n)
    speed[5000] = 1500.0  # a shock: must survive the reduction
    put_series(ctx, PRODUCT_PLASMA, t, {"density": np.full(n, 5.0), "speed": speed,
                                        "temperature": np.full(n, 1e5)})
    data = _data(app.test_client(), "7d")
    trace = _trace(data, "Speed")
    assert len(trace["x"]) <= now_page.MAX_POINTS + 10  # + a few gap breaks at most
    assert len(trace["x"]) > 1000
    assert max(v for v in trace["y"] if v is not None) == pytest.approx(1500.0)
    assert trace["x"] == sorted(trace["x"])


def test_gaps_break_the_line(app, ctx):
    t = np.concatenate([minutes(END - 3 * HOUR_US, 60), minutes(END, 60)])
    put_series(ctx, PRODUCT_PLASMA, t, {"density": np.full(120, 5.0),
                                        "speed": np.full(120, 400.0),
                                        "temperature": np.full(120, 1e5)})
    trace = _trace(_data(app.test_client()), "Speed")
    assert trace["y"].count(None) == 1  # one break, where 2 h are missing
    assert len(trace["y"]) == 121


def test_freshest_l1_source_is_used_and_bad_quality_dropped(app, ctx):
    _plasma(ctx, end=END)
    t = minutes(END + HOUR_US, 120)
    bad = np.zeros(len(t))
    bad[-2] = 1.0  # SWPC quality flag: not good
    put_series(ctx, RTSW_WIND, t, {"proton_density": np.full(len(t), 7.0),
                                   "proton_speed": np.full(len(t), 600.0),
                                   "proton_temperature": np.full(len(t), 1e5),
                                   "overall_quality": bad})
    data = _data(app.test_client())
    assert data["sources"]["plasma"]["id"] == "swpc_rtsw_wind"
    assert data["end_ms"] == (END + HOUR_US) // 1000
    speed = _trace(data, "Speed")["y"]
    assert speed[-1] == 600.0 and speed[-2] is None


def test_rtsw_mag_when_fresher(app, ctx):
    _mag(ctx, end=END)
    t = minutes(END + 10 * MINUTE_US, 30)
    b = np.column_stack([np.zeros(30), np.zeros(30), np.full(30, -12.0)])
    put_series(ctx, RTSW_MAG, t, {"bt": np.full(30, 12.5), "b_gsm": b,
                                  "overall_quality": np.zeros(30)})
    data = _data(app.test_client())
    assert data["sources"]["mag"]["id"] == "swpc_rtsw_mag"
    tiles = {x["quantity"]: x for x in data["tiles"]}
    assert tiles["bz"]["text"] == "-12.0" and tiles["bz"]["class"] == "bad"


def test_kp_bars_coloured_by_g_scale(app, ctx):
    _plasma(ctx)
    kp_t = END - np.arange(4)[::-1] * 3 * HOUR_US - END % (3 * HOUR_US)
    put_series(ctx, GFZ_KP, kp_t, {"kp": [2.0, 4.667, 7.0, 9.0]})
    data = _data(app.test_client())
    kp = data["kp"]["figure"]["data"][0]
    assert kp["type"] == "bar"
    assert kp["y"] == pytest.approx([2.0, 4.667, 7.0, 9.0], abs=1e-3)
    g = dict((label, colour) for _low, label, colour in now_page.G_SCALE)
    assert kp["marker"]["color"] == [g["G0"], g["G1"], g["G3"], g["G5"]]
    assert [c[0] for c in kp["customdata"]] == ["2o", "5-", "7o", "9o"]
    assert data["kp"]["note"] is None  # Kp reaches the solar-wind window
    tiles = {x["quantity"]: x for x in data["tiles"]}
    assert tiles["kp"]["text"] == "9o" and tiles["kp"]["units"] == "G5"


def test_g_levels():
    kp = np.array([0, 4.333, 4.667, 5.667, 6.667, 7.667, 8.667, 9.0, np.nan])
    labels = [now_page.G_SCALE[i][1] for i in now_page.g_level(kp)]
    assert labels == ["G0", "G0", "G1", "G2", "G3", "G4", "G4", "G5", "G0"]


def test_old_kp_is_shown_with_a_note(app, ctx):
    _plasma(ctx)
    put_series(ctx, GFZ_KP, [us("2019-01-01T00:00"), us("2019-01-01T03:00")], {"kp": [3, 4]})
    data = _data(app.test_client())
    assert "before this solar-wind window" in data["kp"]["note"]
    assert data["kp"]["figure"]["layout"]["xaxis"]["range"][1] == "2019-01-01T06:00:00"


def test_open_alerts_are_listed(app, ctx):
    _plasma(ctx)
    with ctx.factory() as s, s.begin():
        rule = m.AlertRule(name="Bz below -10 nT for 30 min", dataset_id="swpc_rt_mag",
                           parameter="b_gsm", component=2, operator="<", threshold=-10,
                           duration_s=1800, severity="warning")
        other = m.AlertRule(name="Closed rule", dataset_id="swpc_rt_mag", parameter="bt",
                            operator=">", threshold=30, severity="watch")
        s.add_all([rule, other])
        s.flush()
        s.add(m.Alert(rule_id=rule.id, state="open", opened_us=END - HOUR_US,
                      peak_value=-17.5, message="Bz low", notified=True))
        s.add(m.Alert(rule_id=other.id, state="closed", opened_us=END - DAY_US,
                      closed_us=END - HOUR_US, peak_value=35, message="over", notified=True))
    html = app.test_client().get("/").data.decode()
    assert "Bz below -10 nT for 30 min" in html and "-17.5" in html
    assert "Closed rule" not in html
    data = _data(app.test_client())
    assert "Bz below -10 nT" in data["html"]["alerts"]


def test_source_ages_coloured_when_stale(app, ctx):
    wall = now_us()
    _plasma(ctx, end=wall - 2 * MINUTE_US - wall % MINUTE_US, n=60)  # fresh
    _mag(ctx, end=wall - 2 * DAY_US, n=60)  # two days old: stale
    with ctx.factory() as s, s.begin():
        s.add(m.SourceStatus(source=ctx.settings.source_urls["swpc_plasma"], state="failing",
                             last_attempt_us=wall - MINUTE_US, last_success_us=wall - HOUR_US,
                             failures=4, message="HTTP 503"))
    html = app.test_client().get("/").data.decode()
    rows = {d: c for c, d in re.findall(r'<tr class="age-row (\w+)" data-dataset="(\w+)"', html)}
    assert rows["swpc_rt_plasma"] == "ok"
    assert rows["swpc_rt_mag"] == "bad"
    assert re.search(r'<tr class="feed-row bad"', html)
    assert "failing" in html


def test_empty_store(app, ctx):
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert b"No L1 solar-wind data in the store yet." in page.data
    data = _data(client)
    assert data["has_l1"] is False and all(t["x"] == [] for t in data["figure"]["data"])
    assert data["kp"]["figure"] is None
