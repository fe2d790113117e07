"""TAP 1.1 endpoints through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from tests.amda_bridge.tap_support import make_app, populate

V = "{http://www.ivoa.net/xml/VOTable/v1.3}"
UWS = "{http://www.ivoa.net/xml/UWS/v1.0}"


@pytest.fixture
def client(ctx):
    populate(ctx)
    return make_app(ctx).test_client()


def status(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return [i.get("value") for i in root.iter(f"{V}INFO") if i.get("name") == "QUERY_STATUS"]


def rows(body: bytes) -> list[list[str]]:
    root = ET.fromstring(body)
    return [[td.text or "" for td in tr] for tr in root.iter(f"{V}TR")]


def test_sync_get_post_and_spurious_parameters(client):
    q = "SELECT TOP 3 granule_uid, time_min FROM storms_images.epn_core ORDER BY time_min"
    get = client.get("/tap/sync", query_string={"REQUEST": "doQuery", "lang": "ADQL",
                                                "query": q, "FOO": "bar"})
    post = client.post("/tap/sync", data={"LANG": "ADQL", "QUERY": q, "REQUEST": "doQuery"})
    assert get.status_code == post.status_code == 200
    assert get.content_type.startswith("application/x-votable+xml")
    assert status(get.data) == ["OK"] and rows(get.data) == rows(post.data)
    assert [r[0] for r in rows(get.data)] == ["image_1", "image_2", "image_3"]


def test_maxrec_overflow_and_zero(client):
    q = {"LANG": "ADQL", "QUERY": "SELECT * FROM storms_events.epn_core", "MAXREC": "4"}
    body = client.get("/tap/sync", query_string=q).data
    assert status(body) == ["OK", "OVERFLOW"] and len(rows(body)) == 4
    body = client.get("/tap/sync", query_string={**q, "MAXREC": "0"}).data
    assert rows(body) == [] and "OVERFLOW" in status(body)
    body = client.get("/tap/sync", query_string={**q, "MAXREC": "100"}).data
    assert status(body) == ["OK"] and len(rows(body)) == 12


@pytest.mark.parametrize("params, message", [
    ({"QUERY": "SELECT * FROM storms_events.epn_core"}, "LANG"),
    ({"LANG": "SQL", "QUERY": "SELECT 1"}, "LANG"),
    ({"LANG": "ADQL", "QUERY": "SELECT nope FROM storms_events.epn_core"}, "unknown column"),
    ({"LANG": "ADQL", "QUERY": "SELECT * FROM nowhere.epn_core"}, "unknown table"),
    ({"LANG": "ADQL", "QUERY": "SELEC granule_uid"}, "error"),
    ({"LANG": "ADQL", "QUERY": "SELECT * FROM storms_events.epn_core", "MAXREC": "x"}, "MAXREC"),
    ({"LANG": "ADQL", "QUERY": "SELECT * FROM storms_events.epn_core",
      "RESPONSEFORMAT": "fits"}, "RESPONSEFORMAT"),
])
def test_errors_are_votables(client, params, message):
    resp = client.get("/tap/sync", query_string=params)
    assert resp.status_code == 400
    assert resp.content_type.startswith("application/x-votable+xml")
    assert status(resp.data) == ["ERROR"] and message in resp.get_data(as_text=True)


def test_format_alias_and_csv(client):
    resp = client.get("/tap/sync", query_string={
        "LANG": "ADQL", "FORMAT": "csv",
        "QUERY": "SELECT granule_uid, target_description FROM storms_events.epn_core "
                 "WHERE granule_uid = 'event_2'"})
    assert resp.content_type.startswith("text/csv")
    assert resp.get_data(as_text=True).splitlines() == [
        "granule_uid,target_description", "event_2,X5.8 flare & <halo> CME"]


def test_functions_and_predicates(client):
    def count(where: str) -> int:
        body = client.get("/tap/sync", query_string={
            "LANG": "ADQL",
            "QUERY": f"SELECT COUNT(*) AS n FROM storms_predictions.epn_core WHERE {where}"}).data
        assert status(body) == ["OK"], body
        return int(rows(body)[0][0])

    assert count("ivo_hashlist_has(target_name, 'EARTH') = 1") == 2
    assert count("ivo_hashlist_has(target_name, 'ear') = 1") == 0
    assert count("target_name LIKE 'Ear%'") == 2
    assert count("target_name LIKE 'ear%'") == 0
    assert count("target_name ILIKE 'ear%'") == 2
    assert count("LOWER(target_name) = 'earth'") == 2
    assert count("target_class IN ('planet', 'satellite') AND NOT time_min IS NULL") == 7
    assert count("time_min BETWEEN 2460440 AND 2460450 OR hit = 0") == 12
    assert count("target_name != 'Earth'") == 10


def test_offset_distinct_order(client):
    body = client.get("/tap/sync", query_string={
        "LANG": "ADQL", "QUERY": "SELECT DISTINCT target_class FROM "
        "storms_predictions.epn_core ORDER BY target_class OFFSET 1"}).data
    assert [r[0] for r in rows(body)] == ["planet", "satellite", "spacecraft"]


def test_tap_schema_is_queryable(client):
    body = client.get("/tap/sync", query_string={
        "LANG": "ADQL", "QUERY": "SELECT column_name, unit, ucd, \"size\" FROM TAP_SCHEMA.columns "
        "WHERE table_name = 'storms_images.epn_core' AND column_name = 'time_min'"}).data
    assert rows(body) == [["time_min", "d", "time.start;obs", ""]]
    body = client.get("/tap/sync", query_string={
        "LANG": "ADQL", "QUERY": "SELECT schema_name FROM TAP_SCHEMA.schemas "
        "ORDER BY schema_index"}).data
    assert [r[0] for r in rows(body)] == ["storms_images", "storms_events", "storms_timeseries",
                                          "storms_predictions", "TAP_SCHEMA"]


def test_vosi_documents(client):
    for path in ("/tap/capabilities", "/tap/tables", "/tap/availability", "/tap/examples"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        ET.fromstring(resp.data)
    caps = client.get("/tap/capabilities").get_data(as_text=True)
    assert 'standardID="ivo://ivoa.net/std/TAP"' in caps and 'version="1.1"' in caps
    assert "http://localhost/tap" in caps and "ivo_hashlist_has" in caps
    assert "<vosi:available>true</vosi:available>" in client.get(
        "/tap/availability").get_data(as_text=True)


def test_files_are_served_safely(client, ctx):
    root = ctx.settings.files_dir / "images" / "CLIMSO" / "2024"
    root.mkdir(parents=True)
    (root / "img1.fits").write_bytes(b"SIMPLE  =                    T" + b" " * 2850)
    (root / "img1.png").write_bytes(b"\x89PNG\r\n")
    resp = client.get("/tap/files/images/2")  # image_2 is img1
    assert resp.status_code == 200 and resp.content_type == "image/fits"
    assert resp.data.startswith(b"SIMPLE")
    assert client.get("/tap/files/previews/2").content_type == "image/png"
    assert client.get("/tap/files/images/1").status_code == 404  # file absent
    assert client.get("/tap/files/previews/1").status_code == 404  # no preview
    assert client.get("/tap/files/images/999").status_code == 404
    assert client.get("/tap/files/etc/1").status_code == 404
    with ctx.engine.begin() as conn:
        from sqlalchemy import text
        conn.execute(text("UPDATE solar_images SET file_path = '../../../etc/passwd' "
                          "WHERE id = 3"))
    assert client.get("/tap/files/images/3").status_code == 404


def _job(client, **params):
    resp = client.post("/tap/async", data={"LANG": "ADQL", **params})
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("http://localhost/tap/async/")
    return location.removeprefix("http://localhost")


def _wait(client, job: str) -> str:
    for _ in range(200):
        phase = client.get(f"{job}/phase").get_data(as_text=True)
        if phase in ("COMPLETED", "ERROR", "ABORTED"):
            return phase
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_async_lifecycle(client):
    job = _job(client, QUERY="SELECT TOP 2 granule_uid FROM storms_events.epn_core")
    assert client.get(f"{job}/phase").get_data(as_text=True) == "PENDING"
    resp = client.post(f"{job}/phase", data={"PHASE": "RUN"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("http://")
    assert _wait(client, job) == "COMPLETED"
    root = ET.fromstring(client.get(job, query_string={"WAIT": "1"}).data)
    assert root.find(f"{UWS}phase").text == "COMPLETED"
    result = client.get(f"{job}/results/result")
    assert status(result.data) == ["OK"] and len(rows(result.data)) == 2
    assert client.get(f"{job}/error").status_code == 404
    deleted = client.delete(job)
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("/tap/async")
    assert client.get(job).status_code == 404


def test_async_run_at_creation_error_and_post_delete(client):
    job = _job(client, QUERY="SELECT nope FROM storms_events.epn_core", PHASE="RUN")
    assert _wait(client, job) == "ERROR"
    err = client.get(f"{job}/error")
    assert err.status_code == 200 and status(err.data) == ["ERROR"]
    assert "nope" in err.get_data(as_text=True)
    assert client.post(job, data={"ACTION": "DELETE"}).status_code == 303
    listing = client.get("/tap/async").get_data(as_text=True)
    assert job.rsplit("/", 1)[1] not in listing
