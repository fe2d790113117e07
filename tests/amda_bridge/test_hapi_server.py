"""The /hapi endpoints through the Flask test client, on SQLite and PostgreSQL."""

import gzip
import json

import numpy as np
import pytest

from amda_bridge.hapi_errors import STATUS

DAY = "start=2024-05-10T00:00:00Z&stop=2024-05-11T00:00:00Z"


def _status(resp):
    body = json.loads(resp.get_data())
    return body["status"]["code"]


def _csv_rows(resp):
    return [line.split(",") for line in resp.get_data(as_text=True).splitlines()]


def test_about_capabilities_catalog(client):
    about = client.get("/hapi/about").get_json()
    assert about["HAPI"] == "3.3" and about["status"]["code"] == 1200
    assert about["dataTest"]["query"]["dataset"] == "test_sw"
    assert about["dataTest"]["query"]["parameters"]
    caps = client.get("/hapi/capabilities").get_json()
    assert caps["outputFormats"] == ["csv", "binary", "json"]
    assert caps["catalogDepthOptions"] == ["dataset", "all"]
    cat = client.get("/hapi/catalog").get_json()
    assert [c["id"] for c in cat["catalog"]] == ["test_pred", "test_sw"]
    full = client.get("/hapi/catalog?depth=all").get_json()
    info = client.get("/hapi/info?dataset=test_sw").get_json()
    entry = next(c for c in full["catalog"] if c["id"] == "test_sw")
    del info["HAPI"], info["status"]
    assert entry["info"] == info
    resp = client.get("/hapi/catalog?depth=deep")
    assert resp.status_code == 400 and _status(resp) == 1413


def test_info_describes_parameters_and_kind(client, loaded):
    info = client.get("/hapi/info?dataset=test_sw").get_json()
    assert info["startDate"] == "2024-05-10T00:00:00.000Z"
    assert info["stopDate"] == "2024-05-13T00:00:00.000Z"  # just after the last record
    assert info["cadence"] == "PT1M" and info["x_kind"] == "measured"
    names = [p["name"] for p in info["parameters"]]
    assert names == ["Time", "speed", "density", "b_gse", "flag"]
    time, speed, density, b, flag = info["parameters"]
    assert time == {"name": "Time", "type": "isotime", "units": "UTC", "fill": None,
                    "length": 24}
    assert speed["units"] == "km/s" and speed["fill"] == "-1e+31" and speed["type"] == "double"
    assert density["units"] == "cm⁻³"  # units as in the source
    assert b["size"] == [3] and flag["units"] is None and flag["fill"] == "NaN"
    assert "maxRequestDuration" in info and "sampleStartDate" in info
    sub = client.get("/hapi/info?id=test_sw&parameters=density,flag").get_json()
    assert [p["name"] for p in sub["parameters"]] == ["Time", "density", "flag"]
    resp = client.get("/hapi/info?dataset=test_sw")
    assert resp.headers["Last-Modified"].endswith("GMT")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_predicted_dataset_says_so_and_runs_into_the_future(client):
    info = client.get("/hapi/info?dataset=test_pred").get_json()
    assert info["x_kind"] == "predicted" and "PREDICTED" in info["description"]
    now = np.datetime64("now", "s")
    stop = np.datetime64(info["stopDate"].rstrip("Z"), "s")
    assert stop > now + np.timedelta64(2, "D")  # the last record, in the future, is included
    resp = client.get(f"/hapi/data?dataset=test_pred&start={info['startDate']}"
                      f"&stop={info['stopDate']}")
    assert len(_csv_rows(resp)) == 96


def test_data_csv_values_fill_and_bounds(client, loaded):
    _, series = loaded
    resp = client.get("/hapi/data?dataset=test_sw&start=2024-05-10T00:00Z"
                      "&stop=2024-05-10T00:10Z")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = _csv_rows(resp)
    assert len(rows) == 10 and all(len(r) == 1 + 1 + 1 + 3 + 1 for r in rows)
    assert rows[0][0] == "2024-05-10T00:00:00.000Z" and rows[-1][0] == "2024-05-10T00:09:00.000Z"
    ref = series["test_sw"].values[:10]
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    expected = ref.copy()
    expected[:, :5][np.isnan(ref[:, :5])] = -1e31
    assert np.array_equal(got[:, :5], expected[:, :5])
    assert rows[5][1] == "-1e+31" and rows[7][3:6] == ["-1e+31"] * 3


def test_start_inclusive_stop_exclusive_and_both_time_forms(client):
    a = client.get("/hapi/data?dataset=test_sw&start=2024-05-10T00:01Z&stop=2024-05-10T00:03Z")
    assert [r[0] for r in _csv_rows(a)] == ["2024-05-10T00:01:00.000Z", "2024-05-10T00:02:00.000Z"]
    b = client.get("/hapi/data?id=test_sw&time.min=2024-131T00:01Z&time.max=2024-131T00:03:00.000Z")
    assert a.get_data() == b.get_data()
    c = client.get("/hapi/data?dataset=test_sw&start=2024-05-10&stop=2024-05-10T00:03")
    assert len(_csv_rows(c)) == 3


def test_parameter_subsets_time_only_and_header(client):
    r = client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=density,flag")
    assert all(len(row) == 3 for row in _csv_rows(r))
    t = client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=Time")
    assert all(len(row) == 1 for row in _csv_rows(t)) and len(_csv_rows(t)) == 1440
    t2 = client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=Time,speed")
    assert len(_csv_rows(t2)[0]) == 2
    everything = client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=")
    plain = client.get(f"/hapi/data?dataset=test_sw&{DAY}")
    assert everything.get_data() == plain.get_data()
    h = client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=b_gse&include=header")
    text = h.get_data(as_text=True)
    header = "".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    meta = json.loads(header)
    assert meta["format"] == "csv" and [p["name"] for p in meta["parameters"]] == ["Time", "b_gse"]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    assert body == client.get(f"/hapi/data?dataset=test_sw&{DAY}&parameters=b_gse").get_data(
        as_text=True)


def test_binary_and_json(client, loaded):
    _, series = loaded
    r = client.get(f"/hapi/data?dataset=test_sw&{DAY}&format=binary")
    assert r.mimetype == "application/octet-stream"
    rec = np.frombuffer(r.get_data(), dtype=[("t", "S24"), ("v", "<f8", (6,))])
    assert len(rec) == 1440 and rec["t"][0] == b"2024-05-10T00:00:00.000Z"
    ref = series["test_sw"].values[:1440].copy()
    ref[:, :5][np.isnan(ref[:, :5])] = -1e31
    assert np.array_equal(rec["v"][:, :5], ref[:, :5])
    assert np.isnan(rec["v"][:, 5]).sum() == np.isnan(ref[:, 5]).sum()
    h = client.get(f"/hapi/data?dataset=test_sw&{DAY}&format=binary&include=header").get_data()
    assert h.startswith(b"#{") and h.endswith(r.get_data())
    assert b'"format": "binary"' in h
    j = client.get(f"/hapi/data?dataset=test_sw&{DAY}&format=json&parameters=speed,b_gse")
    doc = j.get_json()
    assert doc["format"] == "json" and len(doc["data"]) == 1440
    assert doc["data"][0][0] == "2024-05-10T00:00:00.000Z"
    assert doc["data"][7][2] == [-1e31, -1e31, -1e31] and len(doc["data"][0]) == 3


def test_no_data_is_1201_with_empty_body(client):
    r = client.get("/hapi/data?dataset=test_sw&start=2024-05-10T00:00:10Z"
                   "&stop=2024-05-10T00:00:20Z")
    assert r.status_code == 200 and "1201" in r.status and r.get_data() == b""
    h = client.get("/hapi/data?dataset=test_sw&start=2024-05-10T00:00:10Z"
                   "&stop=2024-05-10T00:00:20Z&include=header")
    assert b'"code": 1201' in h.get_data()
    j = client.get("/hapi/data?dataset=test_sw&start=2024-05-10T00:00:10Z"
                   "&stop=2024-05-10T00:00:20Z&format=json").get_json()
    assert j["status"]["code"] == 1201 and j["data"] == []


def test_gzip_when_accepted(client):
    plain = client.get(f"/hapi/data?dataset=test_sw&{DAY}")
    z = client.get(f"/hapi/data?dataset=test_sw&{DAY}", headers={"Accept-Encoding": "gzip"})
    assert z.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(z.get_data()) == plain.get_data()


ERRORS = [
    ("/hapi/data?dataset=test_sw&" + DAY + "&avg=5s", 1401),
    ("/hapi/info?dataset=test_sw&foo=1", 1401),
    ("/hapi/catalog?x=1", 1401),
    ("/hapi/about?x=1", 1401),
    ("/hapi/capabilities?x=1", 1401),
    ("/hapi/data?dataset=test_sw&dataset=test_sw&" + DAY, 1400),
    ("/hapi/data?" + DAY, 1400),
    ("/hapi/info", 1400),
    ("/hapi/nonsense", 1400),
    ("/hapi/data?dataset=test_sw&id=test_sw&" + DAY, 1400),
    ("/hapi/data?dataset=test_sw&start=2024-13-01&stop=2024-05-11", 1402),
    ("/hapi/data?dataset=test_sw&stop=2024-05-11", 1402),
    ("/hapi/data?dataset=test_sw&start=2024-05-10&stop=yesterday", 1403),
    ("/hapi/data?dataset=test_sw&start=2024-05-10", 1403),
    ("/hapi/data?dataset=test_sw&start=2024-05-11&stop=2024-05-10", 1404),
    ("/hapi/data?dataset=test_sw&start=2024-05-10&stop=2024-05-10", 1404),
    ("/hapi/data?dataset=test_sw&start=2024-05-09&stop=2024-05-11", 1405),
    ("/hapi/data?dataset=test_sw&start=2024-05-12&stop=2024-05-14", 1405),
    ("/hapi/data?dataset=nope&" + DAY, 1406),
    ("/hapi/info?dataset=nope", 1406),
    ("/hapi/info?dataset=%00%01", 1406),
    ("/hapi/data?dataset=test_sw&" + DAY + "&parameters=nope", 1407),
    ("/hapi/info?dataset=test_sw&parameters=speed,nope", 1407),
    ("/hapi/data?dataset=test_sw&" + DAY + "&format=xml", 1409),
    ("/hapi/data?dataset=test_sw&" + DAY + "&include=all", 1410),
    ("/hapi/data?dataset=test_sw&" + DAY + "&parameters=density,speed", 1411),
    ("/hapi/data?dataset=test_sw&" + DAY + "&parameters=speed,speed", 1411),
    ("/hapi/info?dataset=test_sw&parameters=flag,speed", 1411),
    ("/hapi/data?dataset=test_sw&" + DAY + "&parameters=speed,Time", 1411),
    ("/hapi/info?dataset=test_sw&resolve_references=maybe", 1412),
    ("/hapi/catalog?depth=everything", 1413),
]


@pytest.mark.parametrize("url, code", ERRORS)
def test_every_error_code_with_its_http_status_and_json_body(client, url, code):
    r = client.get(url)
    assert r.status_code == STATUS[code][0]
    assert r.mimetype == "application/json"
    assert _status(r) == code and f"HAPI {code}" in r.status
    assert json.loads(r.get_data())["HAPI"] == "3.3"


def test_error_codes_cover_the_table():
    tested = {code for _, code in ERRORS} | {1200, 1201, 1408, 1500}  # tested below/above
    assert set(STATUS) - tested == {1501}  # upstream errors: this server has no upstream


def test_too_much_time_is_1408(loaded, monkeypatch):
    from amda_bridge import hapi
    from web import create_app

    ctx, _ = loaded
    monkeypatch.setattr(hapi, "MAX_REQUEST_VALUES", 6 * 1440)  # one day of all parameters
    client = create_app(context=ctx).test_client()
    assert "maxRequestDuration" in client.get("/hapi/info?dataset=test_sw").get_json()
    r = client.get("/hapi/data?dataset=test_sw&start=2024-05-10&stop=2024-05-12")
    assert r.status_code == 400 and _status(r) == 1408
    ok = client.get("/hapi/data?dataset=test_sw&start=2024-05-10&stop=2024-05-11")
    assert ok.status_code == 200
    fewer = client.get("/hapi/data?dataset=test_sw&start=2024-05-10&stop=2024-05-12"
                       "&parameters=speed")  # fewer parameters, longer span
    assert fewer.status_code == 200


def test_internal_error_is_1500_without_traceback(loaded, monkeypatch):
    from amda_bridge import hapi
    from web import create_app

    ctx, _ = loaded

    def broken(*a, **k):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(hapi.store, "iter_series_stream", broken)
    r = create_app(context=ctx).test_client().get(f"/hapi/data?dataset=test_sw&{DAY}")
    assert r.status_code == 500 and _status(r) == 1500
    assert b"secret" not in r.get_data() and b"Traceback" not in r.get_data()


def test_head_trailing_slash_and_landing_page(client):
    assert client.head(f"/hapi/data?dataset=test_sw&{DAY}").status_code == 200
    r = client.get("/hapi/info/?dataset=test_sw")
    assert r.status_code == 301 and r.headers["Location"].endswith("/hapi/info?dataset=test_sw")
    page = client.get("/hapi")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "test_sw" in text and "hapi/data?dataset=test_sw" in text and "predicted" in text
