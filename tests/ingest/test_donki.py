"""DONKI events and notifications: counts and values read independently from the JSON."""

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from ingest import donki
from ingest.base import IngestError
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "donki"
KINDS = ["CME", "FLR", "GST", "IPS", "SEP", "HSS", "MPC", "RBE", "notifications"]


def _file(shared, kind):
    return shared(f"donki/{kind}_2024-05-01_2024-05-31.json")


@pytest.mark.parametrize("kind", KINDS)
def test_every_endpoint_every_record(shared, kind):
    path = _file(shared, kind)
    raw = json.loads(path.read_bytes())
    result = parse(path.read_bytes(), path.name)
    assert result.kind == "donki" and not result.rejected
    assert len(result.events) == len(raw)
    expected = "NOTE" if kind == "notifications" else kind
    assert {e.kind for e in result.events} == {expected}


def test_cme_analyses_and_enlil(shared):
    result = parse(_file(shared, "CME").read_bytes(), "CME.json")
    cmes = result.events
    assert len(cmes) == 144
    analyses = [a for c in cmes for a in c.analyses]
    assert len(analyses) == 181
    assert sum(1 for a in analyses if a.attributes["enlil"]) == 107
    first = cmes[0]
    assert first.source_id == "2024-05-01T00:48:00-CME-001"
    assert first.start == np.datetime64("2024-05-01T00:48")  # no seconds in the source
    assert first.location is None  # sourceLocation ""
    with_enlil = next(c for c in cmes if any(a.attributes["enlil"] for a in c.analyses))
    a = with_enlil.analyses[0]
    assert (a.speed_kms, a.longitude_deg, a.latitude_deg, a.half_width_deg) == (794.0, 65.0,
                                                                               -22.0, 42.0)
    assert a.most_accurate and a.time21_5 == np.datetime64("2024-05-01T11:11")
    impacts = a.attributes["enlil"][0]["impacts"]
    assert {"location": "Mars", "arrival_time": "2024-05-05T16:00Z",
            "glancing_blow": True} in impacts


def test_flares_and_storms(shared):
    flares = parse(_file(shared, "FLR").read_bytes(), "FLR.json").events
    classes = [f.attributes["class_type"][0] for f in flares]
    assert classes.count("M") == 155 and classes.count("X") == 21
    assert flares[0].peak == np.datetime64("2024-05-01T14:32") and flares[0].location == "S07W71"
    storms = parse(_file(shared, "GST").read_bytes(), "GST.json").events
    assert max(s.attributes["kp_max"] for s in storms) == 9.0  # the 2024-05-10 storm
    big = next(s for s in storms if s.attributes["kp_max"] == 9.0)
    assert str(big.start).startswith("2024-05-10")


def test_notifications_newest_first(shared):
    notes = parse(_file(shared, "notifications").read_bytes(), "n.json").events
    assert notes[0].source_id == "20240531-AL-002"
    assert notes[0].summary == "Space Weather Notification - X1.1 Flare"
    assert notes[0].start > notes[-1].start


def test_quirks_fixture_rejects_bad_records_keeps_good():
    result = donki.parse_donki((FIXTURES / "quirks.json").read_bytes(), "quirks.json")
    assert [e.kind for e in result.events] == ["CME", "FLR"]
    cme, flr = result.events
    assert cme.analyses[0].longitude_deg is None and cme.linked_ids == []
    assert flr.end is None and flr.linked_ids == ["2024-05-10T06:54:00-CME-001"]
    assert [r.record for r in result.rejected] == ["record 2", "record 3", "record 4"]


@pytest.mark.parametrize("payload, reason", [
    (b'[{"activityID": ', "not valid JSON"), (b'{"a": 1}', "JSON array"),
    (b'[{"x": 1}]', "no readable DONKI record"),
])
def test_refused(payload, reason):
    with pytest.raises(IngestError, match=reason):
        donki.parse_donki(payload, "d.json")


def test_empty_answer_is_valid():
    assert donki.parse_donki(b"[]", "d.json").events == []


def test_pipeline_links_and_reingest(ctx, shared):
    data = _file(shared, "GST").read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "GST.json")
    assert report.status == "ok" and report.added == 5 and report.dataset == "events"
    cme = _file(shared, "CME").read_bytes()
    assert ingest_bytes(ctx.factory, ctx.settings, cme, "CME.json").added == 144
    again = ingest_bytes(ctx.factory, ctx.settings, cme, "CME.json", force=True)
    assert (again.added, again.updated) == (0, 0)
    with ctx.factory() as s:
        assert s.scalar(select(func.count()).select_from(m.CMEAnalysis)) == 181
        gst = s.scalars(select(m.Event).where(m.Event.kind == "GST")).first()
        assert [link.linked_source_id for link in gst.links] == [
            "2024-05-02T07:46:00-IPS-001", "2024-05-02T15:49:00-MPC-001"]


def test_fetch_builds_query(shared, tmp_path, settings):
    (tmp_path / "FLR").write_bytes(_file(shared, "FLR").read_bytes())
    with LocalServer(tmp_path) as srv:
        s = settings.__class__(**{**settings.__dict__,
                                  "source_urls": {"donki": f"{srv.url}/files/{{kind}}"}})
        body = donki.fetch_donki("FLR", "2024-05-01", "2024-05-31", s)
        assert len(parse(body, "FLR.json").events) == 179
        assert "/files/FLR?startDate=2024-05-01&endDate=2024-05-31" in srv.hits
