"""The REST API on SQLite and PostgreSQL: propagation against the closed-form DBM and the
published worked values, exports parsed back, the token on every write, alert rules,
events, datasets, images, status; errors as RFC 9457 problems naming the parameter."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
from astropy.io.votable import parse as parse_votable
from scipy.optimize import brentq

from ingest.base import DatasetSpec, ParameterSpec
from propagation.constants import AU_KM, R_SUN_KM
from storms import models as m
from storms.propagate import Request, run
from web import create_app

from .page_data import cme, ips, minutes, put_events, put_series, us

TOKEN = {"Authorization": "Bearer test-token"}
SPEC = DatasetSpec("api_plasma", "API test plasma", "test", 60.0,
                   (ParameterSpec("speed", "km/s"), ParameterSpec("b_gsm", "nT", size=3)))


def dbm_transit_h(distance_km, v0, w, gamma, r0_km):
    """Closed-form DBM (Vršnak et al. 2013), solved for the time at ``distance_km``."""
    s = 1.0 if v0 >= w else -1.0

    def r(t):
        return r0_km + w * t + s * math.log1p(s * gamma * (v0 - w) * t) / gamma - distance_km

    return brentq(r, 1.0, 30 * 86400.0) / 3600.0


def test_closed_form_reproduces_the_published_values():
    """../shared/reference/propagation.md: 20 Rs -> 1 AU, (1000, 400, 0.2e-7): 52.92 h;
    (500, 400, 0.2e-7): 78.65 h; worked example 19.33 Rs -> 215 Rs: 46.87 h."""
    assert dbm_transit_h(AU_KM, 1000, 400, 0.2e-7, 20 * R_SUN_KM) == pytest.approx(52.92, abs=0.01)
    assert dbm_transit_h(AU_KM, 500, 400, 0.2e-7, 20 * R_SUN_KM) == pytest.approx(78.65, abs=0.01)
    assert dbm_transit_h(215 * 695_700, 1273, 400, 0.2e-7, 19.33 * 695_700) == \
        pytest.approx(46.87, abs=0.01)


@pytest.fixture
def client(ctx):
    return create_app(context=ctx).test_client()


def test_propagate_dbm_matches_closed_form_and_the_engine(client):
    q = ("/api/v1/propagate?model=dbm&time=2024-05-10T18:00:00Z&targets=earth,mars"
         "&speed=1000&w=400&gamma=2e-8&r0=20&lon=0&lat=0&half_width=60")
    resp = client.get(q)
    assert resp.status_code == 200, resp.data
    rows = {r["target"]: r for r in resp.get_json()}
    earth = rows["Earth"]
    assert earth["hit"]
    expected = dbm_transit_h(earth["distance_au"] * AU_KM, 1000, 400, 2e-8, 20 * R_SUN_KM)
    # the apex goes along lat 0 while Earth is 3.2 deg south of it (May): the self-similar
    # front meets Earth a little behind its apex, ~3 min later than the 1D closed form
    assert earth["transit_hours"] == pytest.approx(expected, abs=0.1)
    assert earth["transit_hours"] >= expected
    engine = run(Request(model="dbm", source="Sun", time="2024-05-10T18:00:00Z",
                         targets=["earth", "mars"], speed_kms=1000, w_kms=400,
                         gamma_per_km=2e-8, r0_rsun=20, half_width_deg=60))
    assert [r["arrival_time"] for r in engine] == [rows["Earth"]["arrival_time"],
                                                   rows["Mars"]["arrival_time"]]
    post = client.post("/api/v1/propagate", json={
        "model": "dbm", "time": "2024-05-10T18:00:00Z", "targets": ["earth", "mars"],
        "speed": 1000, "w": 400, "gamma": 2e-8, "r0": 20, "half_width": 60})
    assert post.status_code == 200
    assert [r["arrival_time"] for r in post.get_json()] == [r["arrival_time"] for r in engine]


def test_propagate_exports_parse_back(client):
    base = ("/api/v1/propagate?model=dbm&time=2024-05-10T18:00:00Z&targets=earth,mars"
            "&speed=1200&ensemble=200&sigma_speed=100&seed=3")
    results = client.get(base).get_json()
    by_target = {r["target"]: r for r in results}
    rows = list(csv.DictReader(io.StringIO(client.get(base + "&format=csv").get_data(
        as_text=True))))
    assert {r["target"]: r["arrival_time"] or None for r in rows} == {
        t: r["arrival_time"] for t, r in by_target.items()}
    table = parse_votable(io.BytesIO(client.get(base + "&format=votable").data)).get_first_table()
    assert list(table.array["target"]) == [r["target"] for r in results]
    assert table.fields[3].unit == "h"
    hits = [i for i, r in enumerate(results) if r["hit"]]
    assert hits and np.allclose(table.array["transit_hours"][hits],
                                [results[i]["transit_hours"] for i in hits])
    amda = client.get(base + "&format=amda").get_data(as_text=True).splitlines()
    assert amda[1].startswith("# Name:")
    pairs = [line.split() for line in amda if not line.startswith("#")]
    earth = by_target["Earth"]
    assert pairs[0][0] == earth["arrival_p05"][:23] and pairs[0][1] == earth["arrival_p95"][:23]


@pytest.mark.parametrize("query, parameter", [
    ("model=dbm&time=2024-05-10&targets=earth&speed=-5", "speed"),
    ("model=xyz&time=2024-05-10&targets=earth", "model"),
    ("model=dbm&time=yesterday&targets=earth", "time"),
    ("model=dbm&time=2024-05-10&targets=pluto-x", "targets"),
    ("model=dbm&time=2024-05-10", "targets"),
    ("model=dbm&time=2024-05-10&targets=earth&half_width=nan", "half_width"),
    ("model=dbm&time=2024-05-10&targets=earth&colour=red", "colour"),
    ("model=sw&time=2024-05-10&targets=earth", "dataset"),
])
def test_bad_propagation_inputs_name_the_parameter(client, query, parameter):
    resp = client.get("/api/v1/propagate?" + query)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 400 and body["errors"][0]["parameter"] == parameter, body


def test_alert_rules_need_the_token_and_are_validated(client, ctx):
    put_series(ctx, SPEC, minutes(us("2024-05-10T12:00"), 10),
               {"speed": np.full(10, 450.0), "b_gsm": np.zeros((10, 3))})
    rule = {"name": "fast wind", "dataset_id": "api_plasma", "parameter": "speed",
            "operator": ">", "threshold": 600.0, "duration_s": 600,
            "webhook_url": "http://127.0.0.1:9/hook"}
    assert client.post("/api/v1/alert-rules", json=rule).status_code == 401
    assert client.post("/api/v1/alert-rules", json=rule,
                       headers={"Authorization": "Bearer nope"}).status_code == 401
    created = client.post("/api/v1/alert-rules", json=rule, headers=TOKEN)
    assert created.status_code == 201, created.data
    rid = created.get_json()["id"]
    assert client.post("/api/v1/alert-rules", json=rule, headers=TOKEN).status_code == 409
    for bad, field in [({"parameter": "nope"}, "parameter"), ({"operator": "=="}, "operator"),
                       ({"dataset_id": "unknown"}, "dataset_id"),
                       ({"threshold": "high"}, "threshold"),
                       ({"email_to": "not an address"}, "email_to"),
                       ({"component": 3, "parameter": "b_gsm"}, "component")]:
        resp = client.put(f"/api/v1/alert-rules/{rid}", json=bad, headers=TOKEN)
        assert resp.status_code == 400 and resp.get_json()["errors"][0]["parameter"] == field
    ok = client.put(f"/api/v1/alert-rules/{rid}", json={"threshold": 700.0,
                                                        "parameter": "b_gsm",
                                                        "component": 2}, headers=TOKEN)
    assert ok.status_code == 200 and ok.get_json()["threshold"] == 700.0
    assert client.get(f"/api/v1/alert-rules/{rid}").get_json()["component"] == 2
    assert client.delete(f"/api/v1/alert-rules/{rid}").status_code == 401
    assert client.delete(f"/api/v1/alert-rules/{rid}", headers=TOKEN).status_code == 200
    assert client.get(f"/api/v1/alert-rules/{rid}").status_code == 404


def test_writes_refused_when_no_token_is_configured(ctx):
    from dataclasses import replace

    from storms.app_context import Context

    open_ctx = Context(settings=replace(ctx.settings, api_token=None), engine=ctx.engine,
                       factory=ctx.factory)
    resp = create_app(context=open_ctx).test_client().post(
        "/api/v1/alerts/1/close", headers=TOKEN)
    assert resp.status_code == 403 and "STORMS_API_TOKEN" in resp.get_json()["detail"]


def test_alerts_acknowledge_and_close(client, ctx):
    with ctx.factory.begin() as s:
        rule = m.AlertRule(name="bz", dataset_id="x", parameter="bz", component=0,
                           operator="<", threshold=-10, duration_s=1800, severity="warning",
                           enabled=True)
        s.add(rule)
        s.flush()
        s.add(m.Alert(rule_id=rule.id, state="open", opened_us=us("2024-05-10T17:00"),
                      message="Bz < -10 nT for 30 min", notified=False))
    alerts = client.get("/api/v1/alerts?state=open").get_json()
    assert [a["message"] for a in alerts] == ["Bz < -10 nT for 30 min"]
    aid = alerts[0]["id"]
    assert client.post(f"/api/v1/alerts/{aid}/acknowledge").status_code == 401
    assert client.post(f"/api/v1/alerts/{aid}/acknowledge",
                       headers=TOKEN).get_json()["state"] == "acknowledged"
    closed = client.post(f"/api/v1/alerts/{aid}/close", headers=TOKEN).get_json()
    assert closed["state"] == "closed" and closed["closed"]
    assert client.get("/api/v1/alerts?state=open").get_json() == []
    assert client.post("/api/v1/alerts/99999/close", headers=TOKEN).status_code == 404


def test_events_filters_and_event_with_arrivals(client, ctx):
    ids = put_events(ctx, [cme("CME-1", "2024-05-10T06:00Z", speed=1200),
                           ips("IPS-1", "2024-05-12T00:00Z", "Earth")])
    with ctx.factory.begin() as s:
        s.add(m.Prediction(model="dbem", model_version="t", event_id=ids["CME-1"],
                           event_key="CME-1", target="Earth", issued_us=0,
                           departure_us=us("2024-05-10T06:00"), hit=True,
                           hit_probability=0.9, arrival_us=us("2024-05-11T22:00"),
                           parameters={}))
    listed = client.get("/api/v1/events?type=CME").get_json()
    assert listed["total"] == 1 and listed["items"][0]["source_id"] == "CME-1"
    assert client.get("/api/v1/events?type=IPS&start=2024-05-11T00:00Z").get_json()[
        "total"] == 1
    assert client.get("/api/v1/events?start=2024-06-01").get_json()["total"] == 0
    event = client.get(f"/api/v1/events/{ids['CME-1']}").get_json()
    assert [a["speed_km_s"] for a in event["analyses"]] == [960.0, 1200]
    assert [a["most_accurate"] for a in event["analyses"]] == [False, True]
    pred = event["predictions"][0]
    assert pred["observed"].startswith("2024-05-12T00:00")
    assert pred["error_hours"] == pytest.approx(-2.0)
    assert client.get("/api/v1/events/2147483648").status_code == 404
    assert client.get("/api/v1/events/0").status_code == 404


def test_dataset_data_is_reduced_keeping_peaks(client, ctx):
    t = minutes(us("2024-05-17T00:00"), 7 * 1440)
    speed = np.full(len(t), 400.0)
    speed[5000] = 1500.0
    put_series(ctx, SPEC, t, {"speed": speed, "b_gsm": np.zeros((len(t), 3))})
    info = client.get("/api/v1/datasets/api_plasma").get_json()
    assert [p["name"] for p in info["parameters"]] == ["speed", "b_gsm"]
    data = client.get("/api/v1/datasets/api_plasma/data?parameters=speed&start=2024-05-10"
                      "&stop=2024-05-17T00:00:01Z&max_points=1000").get_json()
    comp = data["parameters"][0]["components"][0]
    assert data["parameters"][0]["records"] == 7 * 1440
    assert len(comp["values"]) <= 1000 and max(comp["values"]) == 1500.0
    vec = client.get("/api/v1/datasets/api_plasma/data?parameters=b_gsm").get_json()
    assert len(vec["parameters"][0]["components"]) == 3
    bad = client.get("/api/v1/datasets/api_plasma/data?parameters=nope")
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["parameter"] == "parameters"
    assert client.get("/api/v1/datasets/nope").status_code == 404


def test_positions_and_status(client):
    pos = client.get("/api/v1/positions?bodies=earth,mars&time=2024-05-10T00:00:00Z"
                     "&frame=HEE").get_json()
    earth = next(p for p in pos if p["body"] == "Earth")
    assert earth["x_au"] == pytest.approx(1.0097, abs=1e-3) and abs(earth["y_au"]) < 1e-9
    status = client.get("/api/v1/status").get_json()
    assert {j["name"] for j in status["jobs"]} >= {"swpc_realtime", "donki_events"}
    assert client.get("/api/v1/positions?bodies=vulcan&time=2024-05-10").status_code == 400


def test_openapi_document_lists_every_route(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    app_rules = {r.rule for r in client.application.url_map.iter_rules()
                 if r.rule.startswith("/api/v1/") and r.rule != "/api/v1/openapi.json"}
    import re as _re

    documented = {"/api/v1" + _re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    normalised = {_re.sub(r"<int:(\w+)>", r"<\1>", r) for r in app_rules}
    assert normalised == documented
    assert doc["paths"]["/alert-rules"]["post"]["security"] == [{"bearer": []}]
