"""HELIO4CAST ICMECAT CSV: the ground truth of observed ICME arrivals."""

import numpy as np
import pytest
from sqlalchemy import func, select

from ingest import icmecat
from ingest.base import IngestError
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

CATALOG = "catalogs/HELIO4CAST_ICMECAT_v23.csv"
HEADER = (",icmecat_id,sc_insitu,icme_start_time,mo_start_time,mo_end_time,"
          "mo_sc_heliodistance,icme_speed_mean\n")


def test_whole_catalogue(shared):
    result = parse(shared(CATALOG).read_bytes(), "HELIO4CAST_ICMECAT_v23.csv")
    assert result.kind == "icmecat" and not result.rejected
    events = result.events
    assert len(events) == 1976
    newest, oldest = events[0], events[-1]  # newest first in the file
    assert newest.source_id == "ICME_STEREO_A_MOESTL_20250810_01"
    assert newest.location == "STEREO-A"
    assert newest.start == np.datetime64("2025-08-10T05:17")
    assert newest.peak == np.datetime64("2025-08-10T13:07")
    assert newest.end == np.datetime64("2025-08-11T08:20")
    assert newest.attributes["mo_sc_heliodistance"] == 0.9587
    assert newest.attributes["icme_speed_mean"] == 504.1
    assert newest.attributes["mo_expansion_speed"] is None  # empty cell
    assert oldest.start == np.datetime64("1990-12-11T04:00") and oldest.location == "ULYSSES"
    spacecraft = {e.location for e in events}
    assert {"Wind", "STEREO-A", "PSP", "SolarOrbiter", "BepiColombo"} <= spacecraft


def test_bad_rows_rejected():
    text = HEADER + (
        "0,ICME_A_01,Wind,2024-05-10T17:05Z,2024-05-11T02:00Z,2024-05-11T20:00Z,1.0,700.0\n"
        "1,ICME_A_02,Wind,yesterday,,,1.0,400.0\n"
        "2,,Wind,2024-05-01T00:00Z,,,1.0,400.0\n")
    result = icmecat.parse_icmecat(text.encode(), "ic.csv")
    assert [e.source_id for e in result.events] == ["ICME_A_01"]
    assert [r.record for r in result.rejected] == ["line 3", "line 4"]


@pytest.mark.parametrize("payload, reason", [
    (b"a,b\n1,2\n", "missing columns"), (HEADER.encode() + b"0,x,y,bad,,,1,2\n", "no readable"),
])
def test_refused(payload, reason):
    with pytest.raises(IngestError, match=reason):
        icmecat.parse_icmecat(payload, "ic.csv")


def test_pipeline_and_fetch(ctx, shared, tmp_path):
    (tmp_path / "icmecat.csv").write_bytes(shared(CATALOG).read_bytes())
    with LocalServer(tmp_path) as srv:
        s = ctx.settings.__class__(**{**ctx.settings.__dict__, "source_urls": {
            "icmecat": f"{srv.url}/files/icmecat.csv"}})
        data = icmecat.fetch_icmecat(s)
    report = ingest_bytes(ctx.factory, ctx.settings, data, "icmecat.csv")
    assert report.status == "ok" and report.added == 1976
    with ctx.factory() as session:
        n = session.scalar(select(func.count()).select_from(m.Event).where(m.Event.kind == "ICME"))
    assert n == 1976
    again = ingest_bytes(ctx.factory, ctx.settings, data, "icmecat.csv", force=True)
    assert (again.added, again.updated) == (0, 0)
