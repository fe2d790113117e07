"""Retention: raw copies and quarantined files older than STORMS_RAW_RETENTION_DAYS are
deleted, their provenance rows kept and marked; image files no row points to (an ingest
killed before its commit) are removed once old; recent files and used images stay."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path

from sqlalchemy import func, select

from ingest.pipeline import ingest_bytes, ingest_path
from jobs import tasks
from jobs.retention import prune_raw_files
from jobs.runner import run_job
from storms import app_context
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAY = 86400.0


def _age(path: Path, days: float) -> None:
    t = time.time() - days * DAY
    os.utime(path, (t, t))


def _ctx(ctx, **changes):
    return app_context.Context(dataclasses.replace(ctx.settings, **changes), ctx.engine,
                               ctx.factory)


def test_old_raw_and_quarantined_files_go_provenance_stays(ctx):
    s = ctx.settings
    # a refused file: quarantined, its row points to the copy
    bad = ingest_bytes(ctx.factory, s, b'[["time_tag","density"],["garbage"', "bad.json",
                       "swpc-products")
    assert bad.status == "refused"
    # a quarantined file from before kept_path existed: found by the checksum in its name
    legacy_sha = hashlib.sha256(b"legacy").hexdigest()
    legacy = s.quarantine_dir / f"2026-01-01T000000_{legacy_sha[:12]}_old.json"
    legacy.write_bytes(b"legacy")
    legacy.with_name(legacy.name + ".reason.txt").write_text("old.json\nbad\n")
    with ctx.factory() as session, session.begin():
        session.add(m.SourceFile(location="old.json", sha256=legacy_sha, kind="swpc-products",
                                 ingested_us=0, status="rejected", message="bad"))
    # a good file fetched with STORMS_KEEP_RAW: a gzip copy under raw/<day>/
    wind = FIXTURES / "swpc" / "rtsw_wind_1m_small.json"
    with LocalServer(wind.parent) as srv:
        c = _ctx(ctx, keep_raw=True, source_urls={
            **s.source_urls, "swpc_rtsw_wind": f"{srv.url}/files/{wind.name}",
            "swpc_plasma": "", "swpc_mag": "", "swpc_rtsw_mag": ""})
        assert run_job(c, "swpc_realtime", tasks.swpc_realtime, "me", use_lease=False) == "ok"
    with ctx.factory() as session:
        rows = {r.location.rsplit("/", 1)[-1]: r for r in session.scalars(select(m.SourceFile))}
    raw = s.data_dir / rows[wind.name].kept_path
    quarantined = s.data_dir / rows["bad.json"].kept_path
    assert raw.is_file() and raw.parent.parent == s.raw_dir and raw.name.endswith(".gz")
    assert quarantined.is_file() and quarantined.parent == s.quarantine_dir
    # a recent refusal stays
    recent = ingest_bytes(ctx.factory, s, b"not json at all {", "recent.json", "swpc-products")
    assert recent.status == "refused"

    for path in (raw, quarantined, quarantined.with_name(quarantined.name + ".reason.txt"),
                 legacy, legacy.with_name(legacy.name + ".reason.txt")):
        _age(path, 40)
    result = prune_raw_files(_ctx(ctx, raw_retention_days=30))
    assert result.records == 5
    assert "5 raw or quarantined files older than 30 days deleted, 3 provenance rows marked" \
        in result.message
    assert not raw.exists() and not raw.parent.exists()  # the empty day folder too
    assert not quarantined.exists() and not legacy.exists()
    left = sorted(p.name for p in s.quarantine_dir.iterdir())
    assert len(left) == 2 and all("recent.json" in n for n in left)
    with ctx.factory() as session:
        after = {r.location.rsplit("/", 1)[-1]: r for r in session.scalars(select(m.SourceFile))}
    assert set(after) == {wind.name, "bad.json", "old.json", "recent.json"}  # all kept
    assert after[wind.name].purged_us and after[wind.name].status == "ok"
    assert after["bad.json"].purged_us and after["old.json"].purged_us
    assert after["old.json"].kept_path == f"quarantine/{legacy.name}"
    assert after["recent.json"].purged_us is None
    # the data of the purged raw file are still there
    with ctx.factory() as session:
        assert session.scalar(select(func.count()).select_from(m.RecordBlock)) > 0

    again = prune_raw_files(_ctx(ctx, raw_retention_days=30))
    assert again.records == 0 and "0 provenance rows marked" in again.message


def test_a_copy_gone_otherwise_is_marked(sqlite_ctx):
    s = sqlite_ctx.settings
    ingest_bytes(sqlite_ctx.factory, s, b"{nope", "gone.json", "swpc-products")
    with sqlite_ctx.factory() as session, session.begin():
        row = session.scalars(select(m.SourceFile)).one()
        row.ingested_us = 0  # long ago
        (s.data_dir / row.kept_path).unlink()  # deleted by hand
    prune_raw_files(_ctx(sqlite_ctx, raw_retention_days=30))
    with sqlite_ctx.factory() as session:
        assert session.scalars(select(m.SourceFile)).one().purged_us is not None


def test_orphaned_image_files_are_removed(ctx):
    s = ctx.settings
    report = ingest_path(ctx.factory, s, FIXTURES / "climso" /
                         "imoa_06563_l1_20240510_09472619_emi1.fts.bz2")
    assert report.status == "ok"
    with ctx.factory() as session:
        image = session.scalars(select(m.SolarImage)).one()
    kept = [s.files_dir / image.file_path, s.files_dir / image.preview_path]
    folder = kept[0].parent
    orphan = folder / "imoa_06563_l1_20240511_00000000_emi1.fts"  # its commit never came
    orphan.write_bytes(b"SIMPLE  =                    T")
    young = folder / "imoa_06563_l1_20240512_00000000_emi1.fts"  # an ingest still running
    young.write_bytes(b"SIMPLE  =                    T")
    for path in (*kept, orphan):
        _age(path, 3)
    result = prune_raw_files(_ctx(ctx, raw_retention_days=0))
    assert result.message == "retention off; 1 orphaned image files removed"
    assert not orphan.exists() and young.exists() and all(p.exists() for p in kept)
