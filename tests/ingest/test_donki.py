"""DONKI events and notifications: counts and values read independently from the JSON.

The expected numbers were counted with jq on the real answers (and agree with the data
README): 144 CMEs, 181 analyses, 107 with WSA-ENLIL runs (172 runs), 179 flares
(3 C, 155 M, 21 X), 5 storms, 14 shocks (10 Earth, 4 STEREO A), 14 SEP, 3 HSS, 2 MPC,
1 RBE, 172 notifications.
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from ingest import donki
from ingest.base import IngestError
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "donki"
COUNTS = {"CME": 144, "FLR": 179, "GST": 5, "IPS": 14, "SEP": 14, "HSS": 3, "MPC": 2, "RBE": 1,
          "notifications": 172}
ID_KEYS = {"CME": "activityID", "IPS": "activityID", "FLR": "flrID", "GST": "gstID",
           "SEP": "sepID", "HSS": "hssID", "MPC": "mpcID", "RBE": "rbeID",
           "notifications": "messageID"}
START_KEYS = {"CME": "startTime", "GST": "startTime", "FLR": "beginTime",
              "notifications": "messageIssueTime"}


def _path(shared, kind: str) -> Path:
    return shared(f"donki/{kind}_2024-05-01_2024-05-31.json")


def _utc(text: str) -> np.datetime64:
    """``YYYY-MM-DDTHH:MMZ`` read with strptime, independently of the parser."""
    return np.datetime64(datetime.strptime(text, "%Y-%m-%dT%H:%MZ"), "s")


@pytest.fixture
def server(shared):
    """A real HTTP server (ThreadingHTTPServer, 127.0.0.1, port 0) over ../shared/data."""
    with LocalServer(_path(shared, "GST").parents[1]) as srv:
        yield srv


def _settings(settings, url: str, retries: int = 0):
    return settings.__class__(**{**settings.__dict__, "http_retries": retries,
                                 "source_urls": {**settings.source_urls, "donki": url}})


# --- every real answer ------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(COUNTS))
def test_every_endpoint_every_record(shared, kind):
    path = _path(shared, kind)
    raw = json.loads(path.read_bytes())
    assert len(raw) == COUNTS[kind]
    result = parse(path.read_bytes(), path.name)  # kind detected from the content
    assert result.kind == "donki" and not result.rejected
    events = result.events
    assert len(events) == COUNTS[kind]
    expected_kind = "NOTE" if kind == "notifications" else kind
    assert {e.kind for e in events} == {expected_kind} and {e.source for e in events} == {"DONKI"}
    assert [e.source_id for e in events] == [r[ID_KEYS[kind]] for r in raw]
    start_key = START_KEYS.get(kind, "eventTime")
    assert [e.start for e in events] == [_utc(r[start_key]) for r in raw]
    for e, r in zip(events, raw, strict=True):
        assert e.linked_ids == [x["activityID"] for x in (r.get("linkedEvents") or [])]
        json.dumps(e.attributes)  # JSON-able for the database


def test_cme_analyses_and_enlil(shared):
    cmes = parse(_path(shared, "CME").read_bytes(), "CME.json").events
    analyses = [a for c in cmes for a in c.analyses]
    assert len(analyses) == 181
    assert sum(1 for a in analyses if a.attributes["enlil"]) == 107
    assert sum(len(a.attributes["enlil"]) for a in analyses) == 172
    assert sum(a.longitude_deg is None for a in analyses) == 27  # null longitude quirk
    assert {a.catalog for a in analyses} == {"M2M_CATALOG"}  # inherited from the CME
    assert sum(c.location is None for c in cmes) == 68  # sourceLocation ""
    first = cmes[0]
    assert first.source_id == "2024-05-01T00:48:00-CME-001"
    assert first.start == np.datetime64("2024-05-01T00:48")  # no seconds in the source
    assert first.location is None and first.linked_ids == []  # "" and null
    cme = next(c for c in cmes if c.source_id == "2024-05-01T06:36:00-CME-001")
    assert cme.location == "S20W65" and len(cme.analyses) == 3
    a0, a1, a2 = cme.analyses
    assert (a0.speed_kms, a0.longitude_deg, a0.latitude_deg, a0.half_width_deg) == (
        794, 65, -22, 42)
    assert a0.most_accurate and a1.most_accurate and not a2.most_accurate  # two "most"
    assert a0.time21_5 == np.datetime64("2024-05-01T11:11")
    run = a0.attributes["enlil"][0]
    assert run["estimated_shock_arrival_time"] is None and run["au"] == 2
    assert {"location": "Mars", "arrival_time": "2024-05-05T16:00Z",
            "glancing_blow": True} in run["impacts"]
    assert len(run["impacts"]) == 5
    run = a1.attributes["enlil"][0]
    assert run["estimated_shock_arrival_time"] == "2024-05-04T04:46Z"
    assert run["rmin_re"] == 6.1 and run["kp"]["kp_90"] == 3
    assert [i["location"] for i in run["impacts"]] == ["Parker Solar Probe", "STEREO A", "Lucy"]


def test_flares(shared):
    flares = parse(_path(shared, "FLR").read_bytes(), "FLR.json").events
    assert Counter(f.attributes["class_type"][0] for f in flares) == {"C": 3, "M": 155, "X": 21}
    assert flares[0].peak == np.datetime64("2024-05-01T14:32") and flares[0].location == "S07W71"
    assert flares[0].end == np.datetime64("2024-05-01T14:37")
    biggest = next(f for f in flares if f.attributes["class_type"] == "X8.7")
    assert biggest.source_id == "2024-05-14T16:46:00-FLR-001"
    assert biggest.peak == np.datetime64("2024-05-14T16:51") and biggest.location == "S19W90"
    assert biggest.attributes["active_region"] == 13664 and biggest.summary == "X8.7 flare"


def test_storms_shocks_and_others(shared):
    storms = parse(_path(shared, "GST").read_bytes(), "GST.json").events
    assert [s.attributes["kp_max"] for s in storms] == [6.67, 9, 6.33, 6, 6]
    big = storms[1]
    assert big.source_id == "2024-05-10T15:00:00-GST-001"
    assert big.start == np.datetime64("2024-05-10T15:00") and len(big.attributes["kp"]) == 13
    assert big.attributes["kp"][2] == {"time": "2024-05-11T00:00Z", "kp": 9, "source": "NOAA"}
    assert big.linked_ids[-1] == "2024-05-10T16:36:00-IPS-001" and len(big.linked_ids) == 6
    assert big.summary == "Geomagnetic storm, Kp max 9"
    shocks = parse(_path(shared, "IPS").read_bytes(), "IPS.json").events
    assert Counter(s.location for s in shocks) == {"Earth": 10, "STEREO A": 4}
    rbe = parse(_path(shared, "RBE").read_bytes(), "RBE.json").events[0]
    assert rbe.source_id == "2024-05-15T13:55:00-RBE-001" and len(rbe.linked_ids) == 7
    assert rbe.attributes["instruments"] == ["GOES-P: SEISS >2MeV"]


def test_notifications_newest_first(shared):
    raw = json.loads(_path(shared, "notifications").read_bytes())
    notes = parse(_path(shared, "notifications").read_bytes(), "n.json").events
    assert notes[0].source_id == "20240531-AL-002"
    assert notes[0].start == np.datetime64("2024-05-31T22:14")
    assert notes[-1].start == np.datetime64("2024-05-01T00:38")
    assert all(a.start >= b.start for a, b in zip(notes[:-1], notes[1:], strict=True))
    assert notes[0].summary == "Space Weather Notification - X1.1 Flare"
    assert Counter(n.attributes["message_type"] for n in notes) == {
        "FLR": 72, "CME": 51, "SEP": 16, "GST": 15, "Report": 6, "IPS": 5, "MPC": 5, "RBE": 2}
    assert [n.attributes["body"] for n in notes] == [r["messageBody"] for r in raw]
    assert max(len(n.attributes["body"]) for n in notes) > 5000  # long bodies kept whole


def test_sniffer_on_every_shared_file(shared):
    root = _path(shared, "GST").parents[1]
    for p in sorted(root.rglob("*")):
        if not p.is_file() or p.suffix == ".md":
            continue
        head = p.read_bytes()[:65536]
        is_donki = p.parent.name == "donki"
        assert donki.sniff_donki(head, p.name) == is_donki, p
        if is_donki:
            assert detect_kind(head, p.name) == "donki"


# --- quirks and bad input ---------------------------------------------------------------

def test_quirks_fixture_rejects_bad_records_keeps_good():
    result = donki.parse_donki((FIXTURES / "quirks.json").read_bytes(), "quirks.json")
    assert [e.kind for e in result.events] == ["CME", "FLR"]
    cme, flr = result.events
    assert cme.analyses[0].longitude_deg is None and cme.linked_ids == []  # null, null
    assert cme.location is None and cme.summary is None  # "" and ""
    assert cme.analyses[0].attributes["enlil"] == [] and cme.analyses[0].catalog == "M2M_CATALOG"
    assert flr.end is None and flr.linked_ids == ["2024-05-10T06:54:00-CME-001"]
    assert [(r.record, r.reason) for r in result.rejected] == [
        ("record 2", "ValueError: unreadable time 'not a time'"),
        ("record 3", "ValueError: not an object"),
        ("record 4", "ValueError: no DONKI identifier (activityID, flrID, gstID, ...)")]


def test_refused(shared):
    cme = _path(shared, "CME").read_bytes()
    csv = shared("catalogs/HELIO4CAST_ICMECAT_v23.csv").read_bytes()
    swpc = shared("swpc/plasma-7-day_2026-04-11_to_2026-04-18.json").read_bytes()
    cdf = shared("cdf/ac_k2_mfi_20220101_v03.cdf").read_bytes()
    cases = [(b"", "not valid JSON"), (cme[: len(cme) // 2], "not valid JSON"),
             (b"\x00\xffgarbage", "not valid JSON"), (csv, "not valid JSON"),
             (cdf, "not valid JSON"), (b'{"a": 1}', "expected a JSON array"),
             (swpc, "no readable DONKI record"), (b'[{"x": 1}]', "no readable DONKI record")]
    for payload, reason in cases:
        with pytest.raises(IngestError, match=reason) as err:
            donki.parse_donki(payload, "d.json")
        assert err.value.file == "d.json"


def test_empty_answer_is_valid():
    assert donki.parse_donki(b"[]", "d.json").events == []


def test_bad_records_through_pipeline(sqlite_ctx):
    data = (FIXTURES / "quirks.json").read_bytes()
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, data, "quirks.json")
    assert (report.kind, report.status, report.added, report.rejected) == ("donki", "ok", 2, 3)
    assert report.errors[0] == "record 2: ValueError: unreadable time 'not a time'"
    cut = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, data[:300], "cut.json",
                       kind="donki")
    assert cut.status == "refused" and cut.errors[0].startswith("cut.json: not valid JSON")


# --- pipeline on SQLite and PostgreSQL --------------------------------------------------

def test_pipeline_every_file_links_and_reingest(ctx, shared):
    for kind, n in COUNTS.items():
        report = ingest_bytes(ctx.factory, ctx.settings, _path(shared, kind).read_bytes(),
                              f"{kind}.json")
        assert (report.kind, report.status, report.added, report.rejected) == (
            "donki", "ok", n, 0), kind
    with ctx.factory() as s:
        assert s.scalar(select(func.count()).select_from(m.Event)) == sum(COUNTS.values())
        assert s.scalar(select(func.count()).select_from(m.CMEAnalysis)) == 181
        gst = s.scalars(select(m.Event).where(m.Event.source_id ==
                                              "2024-05-02T15:00:00-GST-001")).one()
        assert sorted(link.linked_source_id for link in gst.links) == [
            "2024-05-02T07:46:00-IPS-001", "2024-05-02T15:49:00-MPC-001"]
        assert gst.start_us == 1714662000 * 10**6  # 2024-05-02T15:00Z
        cme_row = s.scalars(select(m.Event).where(m.Event.source_id ==
                                                  "2024-05-01T06:36:00-CME-001")).one()
        runs = [a.attributes["enlil"] for a in cme_row.analyses]
        assert sorted(len(r) for r in runs) == [1, 1, 1]
        assert {a.speed_kms for a in cme_row.analyses} == {794, 861, 821}
        note = s.scalars(select(m.Event).where(m.Event.source_id == "20240531-AL-002")).one()
        assert note.kind == "NOTE" and len(note.attributes["body"]) == 895
    cme = _path(shared, "CME").read_bytes()
    assert ingest_bytes(ctx.factory, ctx.settings, cme, "CME.json").status == "unchanged"
    again = ingest_bytes(ctx.factory, ctx.settings, cme, "CME.json", force=True)
    # (analyses load in id order, so an unchanged CME with two analyses compares equal)
    assert (again.status, again.added, again.updated) == ("ok", 0, 0)


# --- fetcher against a real local HTTP server -------------------------------------------

def test_fetch_builds_query(server, shared, settings):
    s = _settings(settings, f"{server.url}/files/donki/{{kind}}_2024-05-01_2024-05-31.json")
    body = donki.fetch_donki("FLR", "2024-05-01", "2024-05-31", s)
    assert body == _path(shared, "FLR").read_bytes()
    assert len(parse(body, "FLR.json").events) == 179
    assert server.hits["/files/donki/FLR_2024-05-01_2024-05-31.json"
                       "?startDate=2024-05-01&endDate=2024-05-31"] == 1
    body = donki.fetch_donki("notifications", "2024-05-01", "2024-05-31", s)
    assert len(parse(body, "n.json").events) == 172


def test_fetch_failures(server, settings):
    with pytest.raises(FetchError, match="HTTP 500"):
        donki.fetch_donki("CME", "2024-05-01", "2024-05-31",
                          _settings(settings, f"{server.url}/status/500"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError, match="connection failed"):
        donki.fetch_donki("CME", "2024-05-01", "2024-05-31",
                          _settings(settings, f"http://127.0.0.1:{port}/DONKI/{{kind}}"))
