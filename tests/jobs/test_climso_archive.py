"""The CLIMSO archive scan: directory indexes (Apache, nginx), new files only, newest
first, a bounded batch per scan, truncated and failing files retried and reported,
refused files not fetched again. A real local HTTP server serves the synthetic CLIMSO
FITS of tests/fixtures/climso."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.archive import Entry, list_files, parse_index
from jobs import tasks
from jobs.climso import FITS_FILE, newest_first
from jobs.runner import run_job
from storms import app_context
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "climso"
C1 = "imoa_06563_c1_20240313_09472619_bri1.fts.bz2"
C2 = "imoa_10747_c2_20240313_10000050_bri1.fts.bz2"
L1 = "imoa_06563_l1_20240510_09472619_emi1.fts.bz2"

APACHE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of /climso/data</title></head><body>
<h1>Index of /climso/data</h1><table>
<tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a>
</th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td>
<a href="/climso/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr>
<tr><td><a href="2024/">2024/</a></td><td align="right">2024-05-10 10:00  </td></tr>
<tr><td><a href="imoa_06563_l1_20240510_09472619_emi1.fts.bz2">imoa_06563_l1_20240510_094..&gt;</a>
</td><td align="right">2024-05-10 09:48  </td><td align="right">4.1M</td></tr>
<tr><td><a href="notes%20and%20readme.txt">notes and readme.txt</a></td></tr>
<tr><td><a href="https://elsewhere.example/x.fts">mirror</a></td></tr>
<tr><td><a href="../other/y.fts">sibling</a></td></tr>
</table><address>Apache/2.4.57 (Debian) Server at example Port 443</address></body></html>
"""
NGINX = """<html>
<head><title>Index of /climso/data/2024/</title></head>
<body>
<h1>Index of /climso/data/2024/</h1><hr><pre><a href="../">../</a>
<a href="03/">03/</a>                                                13-Mar-2024 10:00       -
<a href="/climso/data/2024/05/">05/</a>                                  10-May-2024 10:00       -
<a href="imoa_10747_c2_20240313_10000050_bri1.fts.bz2">imoa_10..&gt;</a> 13-Mar-2024 10:01 53812
<a href="imoa_10747_c2_20240313_10000050_bri1.fts.bz2#x">duplicate</a>
</pre><hr></body>
</html>
"""


def test_apache_index():
    base = "https://example.org/climso/data"  # a folder URL without its slash
    entries = parse_index(APACHE, base)
    assert entries == [
        Entry("2024", "https://example.org/climso/data/2024/", True),
        Entry(L1, f"https://example.org/climso/data/{L1}", False),
        Entry("notes and readme.txt", "https://example.org/climso/data/notes%20and%20readme.txt",
              False),
    ]  # sort links, the parent, another site and a sibling folder are not entries
    assert [e.name for e in entries if FITS_FILE.search(e.name)] == [L1]


def test_nginx_index():
    base = "https://example.org/climso/data/2024/"
    entries = parse_index(NGINX.encode(), base)
    assert [(e.name, e.is_dir) for e in entries] == [("03", True), ("05", True), (C2, False)]
    assert entries[1].url == "https://example.org/climso/data/2024/05/"


def test_newest_first_by_the_time_in_the_name():
    names = [C1, "lasco_c2_25299383_s.fts", L1, C2, "20181209_180305_kcor_l1.5_rebinned.fits"]
    ordered = [e.name for e in newest_first([Entry(n, n, False) for n in names])]
    assert ordered == [L1, C2, C1, "20181209_180305_kcor_l1.5_rebinned.fits",
                       "lasco_c2_25299383_s.fts"]


@pytest.fixture
def archive(tmp_path):
    """archive/2024/03/{C1,C2}, archive/2024/05/{L1}, plus files that are not FITS."""
    root = tmp_path / "www"
    for sub, name in (("2024/03", C1), ("2024/03", C2), ("2024/05", L1)):
        (root / "archive" / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, root / "archive" / sub / name)
    (root / "archive" / "README.txt").write_text("CLIMSO archive\n")
    (root / "archive" / "2024" / "05" / "movie.mp4").write_bytes(b"\0" * 100)
    with LocalServer(root) as srv:
        yield srv, root / "archive"


def _with(ctx, url, **changes):
    settings = dataclasses.replace(
        ctx.settings, source_urls={**ctx.settings.source_urls, "climso_archive": url},
        http_retries=1, **changes)
    return app_context.Context(settings, ctx.engine, ctx.factory)


def _file_hits(srv) -> dict[str, int]:
    return {p.rsplit("/", 1)[-1]: n for p, n in srv.hits.items() if FITS_FILE.search(p)}


def test_list_files_walks_the_folders_newest_first(archive):
    srv, _ = archive
    files = list_files(f"{srv.url}/index/archive/", FITS_FILE, retries=0)
    assert [f.name for f in files] == [L1, C1, C2]  # 2024/05 before 2024/03
    assert all(f.url.startswith(f"{srv.url}/index/archive/2024/") for f in files)
    assert list_files(f"{srv.url}/index/archive/", FITS_FILE, depth=0, retries=0) == []


def test_scan_ingests_new_files_once(ctx, archive):
    srv, _ = archive
    c = _with(ctx, f"{srv.url}/index/archive/")
    assert run_job(c, "climso_archive", tasks.climso_archive, "me", use_lease=False) == "ok"
    with ctx.factory() as s:
        images = s.scalars(select(m.SolarImage).order_by(m.SolarImage.obs_us)).all()
        sources = s.scalars(select(m.SourceFile)).all()
        run = s.scalars(select(m.JobRun)).one()
        status = s.get(m.SourceStatus, f"{srv.url}/index/archive/")
    assert [(i.instrument, i.channel) for i in images] == [
        ("CLIMSO", "C1"), ("CLIMSO", "C2"), ("CLIMSO", "L1")]
    assert all((c.settings.files_dir / i.file_path).is_file() for i in images)
    assert sorted(f.location.rsplit("/", 1)[-1] for f in sources) == sorted([C1, C2, L1])
    assert all(f.status == "ok" and f.kind == "fits" for f in sources)
    assert run.records == 3 and run.message == "3 files listed, 3 new, 3 ingested"
    assert status.state == "ok"
    assert _file_hits(srv) == {C1: 1, C2: 1, L1: 1}

    # the next scan fetches the indexes only
    assert run_job(c, "climso_archive", tasks.climso_archive, "me", use_lease=False) == "ok"
    with ctx.factory() as s:
        last = s.scalars(select(m.JobRun).order_by(m.JobRun.id.desc())).first()
        assert len(s.scalars(select(m.SolarImage)).all()) == 3
    assert last.records == 0 and last.message == "3 files listed, 0 new, 0 ingested"
    assert _file_hits(srv) == {C1: 1, C2: 1, L1: 1}


def test_a_batch_per_scan_newest_first(sqlite_ctx, archive):
    srv, _ = archive
    c = _with(sqlite_ctx, f"{srv.url}/index/archive/", climso_max_files=2)
    result = tasks.climso_archive(c)
    assert result.records == 2 and "1 left for the next scans" in result.message
    with sqlite_ctx.factory() as s:
        assert set(s.scalars(select(m.SolarImage.channel))) == {"L1", "C2"}  # the newest
    assert tasks.climso_archive(c).records == 1
    assert tasks.climso_archive(c).records == 0


def test_a_file_known_by_name_is_not_fetched(sqlite_ctx, archive):
    """The same file ingested from elsewhere (a local copy) is not downloaded again."""
    from ingest.pipeline import ingest_path

    srv, folder = archive
    ingest_path(sqlite_ctx.factory, sqlite_ctx.settings, folder / "2024" / "05" / L1)
    c = _with(sqlite_ctx, f"{srv.url}/index/archive/")
    assert tasks.climso_archive(c).records == 2
    assert L1 not in _file_hits(srv)


def test_truncated_and_failing_files_are_retried_and_reported(ctx, archive):
    """A file sent half is retried (with backoff) then reported on the status page; the
    others are ingested; it is fetched again at the next scan and ingested once."""
    srv, _ = archive
    srv.faults[C2] = "truncated"
    srv.faults[C1] = "status:502"
    c = _with(ctx, f"{srv.url}/index/archive/")
    assert run_job(c, "climso_archive", tasks.climso_archive, "me", use_lease=False) == \
        "failed"
    with ctx.factory() as s:
        run = s.scalars(select(m.JobRun)).one()
        status = s.get(m.SourceStatus, f"{srv.url}/index/archive/")
        assert [i.channel for i in s.scalars(select(m.SolarImage))] == ["L1"]
        assert len(s.scalars(select(m.SourceFile)).all()) == 1  # no row for the failures
    assert run.status == "failed" and run.records == 1
    assert "2 failed" in run.message and "truncated body" in run.message
    assert "HTTP 502" in run.message
    assert status.state == "failing" and "2 of 3 files failed" in status.message
    assert _file_hits(srv)[C2] == 2 and _file_hits(srv)[C1] == 2  # retried once each

    srv.faults.clear()
    assert run_job(c, "climso_archive", tasks.climso_archive, "me", use_lease=False) == "ok"
    with ctx.factory() as s:
        channels = sorted(s.scalars(select(m.SolarImage.channel)))
        status = s.get(m.SourceStatus, f"{srv.url}/index/archive/")
    assert channels == ["C1", "C2", "L1"] and status.state == "ok"
    assert _file_hits(srv)[L1] == 1


def test_a_refused_file_is_quarantined_once(sqlite_ctx, archive):
    srv, folder = archive
    bad = "imoa_06563_c1_20240601_10000000_bri1.fts.bz2"
    (folder / "2024" / "05" / bad).write_bytes(b"BZh91AY&SY this is not bzip2")
    c = _with(sqlite_ctx, f"{srv.url}/index/archive/")
    with pytest.raises(tasks.JobFailed, match=re.escape(bad) + ": refused") as failed:
        tasks.climso_archive(c)
    assert failed.value.records == 3
    assert len(list(sqlite_ctx.settings.quarantine_dir.glob("*" + bad))) == 1
    assert tasks.climso_archive(c).records == 0  # not fetched again
    assert _file_hits(srv)[bad] == 1


def test_archive_down_and_switched_off(sqlite_ctx, archive):
    srv, _ = archive
    c = _with(sqlite_ctx, f"{srv.url}/status/503")
    with pytest.raises(Exception, match="HTTP 503"):
        tasks.climso_archive(c)
    off = _with(sqlite_ctx, "")
    assert tasks.climso_archive(off).records == 0
