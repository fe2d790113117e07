"""HELIO4CAST ICMECAT CSV: the ground truth of observed ICME arrivals.

Independent reader: pandas (the catalogue's own tool) re-reads the real file; counts
per spacecraft and empty cells were counted with the csv module beforehand.
"""

from __future__ import annotations

import math
import socket
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from ingest import icmecat
from ingest.base import IngestError
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

CATALOG = "catalogs/HELIO4CAST_ICMECAT_v23.csv"
HEADER = (",icmecat_id,sc_insitu,icme_start_time,mo_start_time,mo_end_time,"
          "mo_sc_heliodistance,icme_speed_mean\n")
SPACECRAFT = {"Wind": 551, "STEREO-A": 363, "ULYSSES": 279, "SolarOrbiter": 159,
              "STEREO-B": 150, "PSP": 145, "VEX": 93, "MESSENGER": 87, "BepiColombo": 86,
              "Juno": 53, "MAVEN": 10}


@pytest.fixture
def server(shared):
    """A real HTTP server (ThreadingHTTPServer, 127.0.0.1, port 0) over ../shared/data."""
    with LocalServer(shared(CATALOG).parents[1]) as srv:
        yield srv


def _settings(settings, url: str):
    return settings.__class__(**{**settings.__dict__, "http_retries": 0,
                                 "source_urls": {**settings.source_urls, "icmecat": url}})


def test_whole_catalogue(shared):
    path = shared(CATALOG)
    result = parse(path.read_bytes(), path.name)  # kind detected from the header
    assert result.kind == "icmecat" and not result.rejected
    events = result.events
    assert len(events) == 1976 and len({e.source_id for e in events}) == 1976
    assert {(e.kind, e.source) for e in events} == {("ICME", "ICMECAT")}
    assert Counter(e.location for e in events) == SPACECRAFT
    newest, oldest = events[0], events[-1]  # newest first in the file
    assert newest.source_id == "ICME_STEREO_A_MOESTL_20250810_01"
    assert newest.location == "STEREO-A"
    assert (newest.start, newest.peak, newest.end) == (
        np.datetime64("2025-08-10T05:17"), np.datetime64("2025-08-10T13:07"),
        np.datetime64("2025-08-11T08:20"))
    assert newest.attributes["mo_sc_heliodistance"] == 0.9587
    assert newest.attributes["mo_sc_long_heeq"] == 44.72
    assert newest.attributes["icme_speed_mean"] == 504.1
    assert newest.attributes["mo_expansion_speed"] is None  # empty cell
    assert oldest.start == np.datetime64("1990-12-11T04:00") and oldest.location == "ULYSSES"
    assert all(a.start >= b.start for a, b in zip(events[:-1], events[1:], strict=True))
    assert sum(e.attributes["sheath_pdyn_mean"] is None for e in events) == 1085
    assert sum(e.attributes["mo_sc_heliodistance"] is None for e in events) == 4
    assert len(newest.attributes) == 33  # every numeric column, no index, no id/times
    # kept as published although its ICME starts after its magnetic obstacle
    odd = next(e for e in events if e.source_id == "ICME_STEREO_A_JIAN_20120315_01")
    assert odd.start == np.datetime64("2012-03-15T22:31") > odd.peak


def test_values_against_pandas(shared):
    path = shared(CATALOG)
    frame = pd.read_csv(path, index_col=0)
    events = {e.source_id: e for e in icmecat.parse_icmecat(path.read_bytes(), path.name).events}
    assert len(frame) == len(events)
    numeric = [c for c in frame.columns if c not in icmecat.REQUIRED]
    for _, row in frame.sample(200, random_state=1).iterrows():
        ev = events[row["icmecat_id"]]
        assert ev.start == np.datetime64(pd.Timestamp(row["icme_start_time"]).tz_localize(None))
        assert ev.end == np.datetime64(pd.Timestamp(row["mo_end_time"]).tz_localize(None))
        for col in numeric:
            ours, ref = ev.attributes[col], row[col]
            assert (ours is None) if math.isnan(ref) else ours == ref, (ev.source_id, col)
    gannon = events["ICME_Wind_MOESTL_20240510_01"]  # the 2024-05-10 storm at L1
    assert (gannon.start, gannon.peak, gannon.end) == (
        np.datetime64("2024-05-10T16:37"), np.datetime64("2024-05-10T19:10"),
        np.datetime64("2024-05-10T22:04"))
    assert gannon.attributes["mo_sc_heliodistance"] == 1.0008


def test_sniffer_on_every_shared_file(shared):
    root = shared(CATALOG).parents[1]
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix != ".md":
            head = p.read_bytes()[:65536]
            assert icmecat.sniff_icmecat(head, p.name) == (p.name == "HELIO4CAST_ICMECAT_v23.csv")
    assert detect_kind(shared(CATALOG).read_bytes()[:65536], "x.csv") == "icmecat"


def test_bad_rows_rejected_rest_kept():
    text = HEADER + (
        "0,ICME_A_01,Wind,2024-05-10T17:05Z,2024-05-11T02:00Z,2024-05-11T20:00Z,1.0,700.0\n"
        "1,ICME_A_02,Wind,yesterday,,,1.0,400.0\n"
        "2,,Wind,2024-05-01T00:00Z,,,1.0,400.0\n"
        "3,ICME_A_04,Wind,2024-04-01T00:00Z,,,one,400.0\n"
        "4,ICME_A_05,Wind,2024-03-01T00:00Z,,,1.0,400.0\n"
        "5,ICME_A_06,Wind,2024-02-01T00:00Z,2024-02-01T0")  # cut mid-row
    result = icmecat.parse_icmecat(text.encode(), "ic.csv")
    assert [e.source_id for e in result.events] == ["ICME_A_01", "ICME_A_05"]
    assert result.events[1].peak is None and result.events[1].attributes == {
        "mo_sc_heliodistance": 1.0, "icme_speed_mean": 400.0}
    assert [(r.record, r.reason) for r in result.rejected] == [
        ("line 3", "icme_start_time: unreadable time 'yesterday'"),
        ("line 4", "no icmecat_id"),
        ("line 5", "mo_sc_heliodistance: not a number 'one'"),
        ("line 7", "5 cells, the header has 8 (a truncated row?)")]


def test_refused(shared):
    real = shared(CATALOG).read_bytes()
    donki = shared("donki/GST_2024-05-01_2024-05-31.json").read_bytes()
    cases = [(b"", "empty file"), (b"a,b\n1,2\n", "missing columns"),
             (real[:200], "header line not terminated"), (donki, "missing columns"),
             (b"\xff\xfe\x00garbage", "not UTF-8"),
             (HEADER.encode() + b"0,x,y,bad,,,1,2\n", "no readable ICME row")]
    for payload, reason in cases:
        with pytest.raises(IngestError, match=reason) as err:
            icmecat.parse_icmecat(payload, "ic.csv")
        assert err.value.file == "ic.csv"


def test_truncated_real_file(shared, sqlite_ctx):
    real = shared(CATALOG).read_bytes()
    cut = real[: len(real) // 2]
    result = icmecat.parse_icmecat(cut, "ic.csv")
    assert len(result.rejected) == 1 and "a truncated row?" in result.rejected[0].reason
    assert len(result.events) == cut.count(b"\n") - 1
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, cut, "ic.csv")
    assert (report.kind, report.status, report.rejected) == ("icmecat", "ok", 1)
    assert report.added == len(result.events)


def test_pipeline(ctx, shared):
    data = shared(CATALOG).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "HELIO4CAST_ICMECAT_v23.csv")
    assert (report.kind, report.status, report.added, report.dataset) == (
        "icmecat", "ok", 1976, "events")
    assert ingest_bytes(ctx.factory, ctx.settings, data, "again.csv").status == "unchanged"
    again = ingest_bytes(ctx.factory, ctx.settings, data, "again.csv", force=True)
    assert (again.status, again.added, again.updated) == ("ok", 0, 0)
    with ctx.factory() as session:
        n = session.scalar(select(func.count()).select_from(m.Event).where(m.Event.kind == "ICME"))
        row = session.scalars(select(m.Event).where(
            m.Event.source_id == "ICME_Wind_MOESTL_20240510_01")).one()
    assert n == 1976
    assert row.start_us == 1715359020 * 10**6  # 2024-05-10T16:37Z
    assert row.location == "Wind" and row.attributes["mo_sc_heliodistance"] == 1.0008


def test_fetch(server, shared, settings):
    body = icmecat.fetch_icmecat(_settings(settings, f"{server.url}/files/{CATALOG}"))
    assert body == shared(CATALOG).read_bytes()
    with pytest.raises(FetchError, match="HTTP 500"):
        icmecat.fetch_icmecat(_settings(settings, f"{server.url}/status/500"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError, match="connection failed"):
        icmecat.fetch_icmecat(_settings(settings, f"http://127.0.0.1:{port}/icmecat.csv"))
