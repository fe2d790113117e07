"""pyvo against the real server (SQLite and PostgreSQL): sync, async, tables, overflow."""

from __future__ import annotations

import pytest

from tests.amda_bridge.tap_support import live_server, make_app, populate

pyvo = pytest.importorskip("pyvo")


@pytest.fixture
def tap_url(ctx):
    populate(ctx)
    with live_server(make_app(ctx)) as url:
        yield url


def test_run_sync_and_hashlist(tap_url):
    svc = pyvo.dal.TAPService(tap_url)
    res = svc.run_sync("SELECT granule_uid, time_min, target_name FROM "
                       "storms_predictions.epn_core WHERE ivo_hashlist_has(target_name, "
                       "'earth') = 1 ORDER BY time_min")
    table = res.to_table()
    assert list(table["target_name"]) == ["Earth", "Earth"]
    assert table["time_min"].unit == "d"
    assert svc.maxrec == 20000 and svc.hardlimit == 200000


def test_overflow(tap_url):
    svc = pyvo.dal.TAPService(tap_url)
    res = svc.run_sync("SELECT * FROM storms_events.epn_core", maxrec=3)
    assert len(res) == 3 and res.query_status == "OVERFLOW"


def test_run_async_and_jobs(tap_url):
    svc = pyvo.dal.TAPService(tap_url)
    res = svc.run_async("SELECT granule_uid FROM storms_images.epn_core ORDER BY granule_uid")
    assert len(res) == 8
    job = svc.submit_job("SELECT COUNT(*) AS n FROM storms_timeseries.epn_core")
    job.run().wait(timeout=30)
    assert job.phase == "COMPLETED"
    assert int(job.fetch_result().to_table()["n"][0]) == 3
    job.delete()


def test_tables_and_errors(tap_url):
    svc = pyvo.dal.TAPService(tap_url)
    names = [t.name for t in svc.tables]
    assert "storms_images.epn_core" in names and "TAP_SCHEMA.columns" in names
    cols = {c.name: c for c in svc.tables["storms_events.epn_core"].columns}
    assert cols["time_min"].ucd == "time.start;obs"
    with pytest.raises(pyvo.dal.DALQueryError, match="unknown column"):
        svc.run_sync("SELECT bogus FROM storms_events.epn_core")
