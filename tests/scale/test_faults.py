"""Faults: PostgreSQL restarted while serving and ingesting; the raw-file disk full.

The PostgreSQL test restarts this machine's server (pg_ctlcluster), so it runs in the
scale suite only, and only where the server is local and the suite may restart it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
import requests
from sqlalchemy import func, select

from ingest.pipeline import ingest_bytes
from storms import models as m
from storms import store as st
from storms.database import is_unavailable

from .conftest import ARTIFACTS, missing

FILES = 120
ROWS = 1440  # one day of 1-minute records per file


def plasma_file(day: int) -> bytes:
    """A SWPC plasma product of one day (day 0 = 2024-05-01), values known."""
    t0 = np.datetime64("2024-05-01T00:00") + np.timedelta64(day, "D")
    rows = [["time_tag", "density", "speed", "temperature"]]
    for i in range(ROWS):
        t = str(t0 + np.timedelta64(i, "m")).replace("T", " ") + ":00.000"
        rows.append([t, f"{5 + day % 7}.00", f"{400 + i % 300}.0", "100000"])
    return json.dumps(rows).encode()


def _restart_command() -> list[str]:
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True)
    if clusters.returncode != 0 or not clusters.stdout.strip():
        missing("no local PostgreSQL cluster to restart (pg_lsclusters)")
    version, name = clusters.stdout.split()[:2]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart",
            "-m", "fast"]


def test_postgresql_restart_while_serving_and_ingesting(pg_store, serve):
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None:
        missing("restarting PostgreSQL needs root and pg_ctlcluster")
    restart = _restart_command()
    ingest_bytes(pg_store.ctx.factory, pg_store.settings, plasma_file(0), "day0.json")
    server = serve(pg_store, "--workers", "2", "--no-jobs")
    url = (server.base + "/hapi/data?id=swpc_rt_plasma&time.min=2024-05-01T00:00Z"
           "&time.max=2024-05-01T06:00Z")
    assert requests.get(url, timeout=10).status_code == 200

    answers: list[tuple[float, int]] = []
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            try:
                code = requests.get(url, timeout=5).status_code
            except requests.RequestException:
                code = -1
            answers.append((time.monotonic(), code))
            time.sleep(0.02)

    done: list[int] = []
    retries = [0]

    def ingest_all():
        for day in range(1, FILES):
            data = plasma_file(day)
            while True:
                try:
                    report = ingest_bytes(pg_store.ctx.factory, pg_store.settings, data,
                                          f"day{day}.json")
                    assert report.status in ("ok", "unchanged"), report
                    done.append(day)
                    break
                except Exception as exc:
                    assert is_unavailable(exc), exc
                    retries[0] += 1
                    time.sleep(0.2)

    poller = threading.Thread(target=poll)
    ingester = threading.Thread(target=ingest_all)
    poller.start()
    ingester.start()
    while len(done) < 5 and ingester.is_alive():  # restart in the middle of the ingest
        time.sleep(0.01)
    t_restart = time.monotonic()
    subprocess.run(restart, check=True, capture_output=True, timeout=60)
    t_back = time.monotonic()
    ingester.join(120)
    time.sleep(1.0)
    stop.set()
    poller.join(10)

    after = [(t, c) for t, c in answers if t > t_back]
    first_ok = next((t for t, c in after if c == 200), None)
    codes = sorted({c for _, c in answers})
    outcome = {"restart_s": round(t_back - t_restart, 2),
               "recovered_after_s": None if first_ok is None else round(first_ok - t_back, 2),
               "answers": len(answers), "codes": codes,
               "ingest_retries": retries[0], "files": len(done) + 1}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "fault_pg_restart.json").write_text(json.dumps(outcome, indent=1))
    print("\nPostgreSQL restart:", outcome)

    assert 500 not in codes, outcome  # 503 (Retry-After) while down, never 500
    assert first_ok is not None and first_ok - t_back < 5.0, outcome
    assert sorted(done) == list(range(1, FILES))
    assert retries[0] > 0, "the restart did not hit the ingest: the test proves nothing"
    with pg_store.ctx.factory() as s:  # nothing lost, nothing twice
        assert st.count_records(s, "swpc_rt_plasma") == FILES * ROWS
        n_files = s.scalar(select(func.count()).select_from(m.SourceFile)
                           .where(m.SourceFile.status == "ok"))
        assert n_files == FILES
        t, v = st.read_series(s, "swpc_rt_plasma", 0, 2**62)
    assert len(t) == FILES * ROWS and np.all(np.diff(t) > 0)


def test_raw_disk_full_is_a_clear_error_and_leaves_nothing(sqlite_store, tmp_path):
    """A FITS image whose kept copy cannot be written: the ingest is refused with the
    reason, no image row and no half-written file remain."""
    if os.geteuid() != 0:
        missing("mounting a tiny tmpfs needs root")
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "climso"
    fits_files = sorted(fixture.glob("*.fts*"))
    if not fits_files:
        pytest.skip("no CLIMSO fixture")
    images = sqlite_store.settings.files_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(images)],
                             capture_output=True)
    if mounted.returncode != 0:
        missing(f"cannot mount tmpfs: {mounted.stderr.decode()}")
    try:
        report = ingest_bytes(sqlite_store.ctx.factory, sqlite_store.settings,
                              fits_files[0].read_bytes(), str(fits_files[0]))
        assert report.status == "refused"
        assert any("No space left" in e or "ENOSPC" in e or "space" in e.lower()
                   for e in report.errors), report.errors
        with sqlite_store.ctx.factory() as s:
            assert s.scalar(select(func.count()).select_from(m.SolarImage)) == 0
        assert [p for p in images.rglob("*") if p.is_file()] == []
    finally:
        subprocess.run(["umount", str(images)], check=False)
