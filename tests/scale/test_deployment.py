"""The deployment of the README, for real: `storms serve --workers 3 --no-jobs` and
`storms jobs run` on PostgreSQL; a worker killed with SIGKILL under load is replaced and
nothing answers 500; the jobs run in the scheduler process only."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import select

from storms import models as m

from .conftest import STORMS, load_real


def _children(pid: int) -> list[int]:
    out = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in text.splitlines()
                     if line.startswith("PPid:")), None)
        if ppid == pid:
            out.append(int(status.parent.name))
    return sorted(out)


def test_three_workers_survive_a_killed_worker(pg_store, serve):
    load_real(pg_store)
    server = serve(pg_store, "--workers", "3", "--threads", "4", "--no-jobs")
    jobs_env = {**pg_store.env, "STORMS_JOBS": "detect_shocks:1,alerts:1"}
    scheduler = subprocess.Popen([str(STORMS), "jobs", "run"], env=jobs_env,
                                 cwd=pg_store.root, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while len(_children(server.proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = _children(server.proc.pid)
    assert len(workers) == 3, workers

    codes: list[int] = []
    stop = threading.Event()
    paths = ["/hapi/catalog", "/health", "/hapi/info?id=swpc_rt_plasma",
             "/hapi/data?id=swpc_rt_plasma&time.min=2026-04-12T00:00Z"
             "&time.max=2026-04-13T00:00Z"]

    def client(k: int):
        session = requests.Session()
        i = k
        while not stop.is_set():
            try:
                codes.append(session.get(server.base + paths[i % len(paths)],
                                         timeout=10).status_code)
            except requests.ConnectionError:
                codes.append(-1)  # the killed worker's in-flight request
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.kill(workers[0], signal.SIGKILL)
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(15)

    scheduler.terminate()
    scheduler.wait(30)
    with pg_store.ctx.factory() as session:
        runs = session.scalars(select(m.JobRun)).all()
    assert {r.job for r in runs} == {"detect_shocks", "alerts"}, [r.job for r in runs]
    assert {r.worker.split(":")[1] for r in runs} == {str(scheduler.pid)}  # only there
    assert all(r.status in ("ok", "skipped") for r in runs), [(r.job, r.status) for r in runs]

    replaced = _children(server.proc.pid)
    assert len(replaced) == 3 and workers[0] not in replaced, (workers, replaced)
    assert 500 not in codes and len(codes) > 50
    assert codes.count(-1) <= 8, "only requests in flight on the killed worker may fail"
    assert codes[-20:].count(200) == 20  # and service goes on
    print(f"\nkilled worker: {len(codes)} requests, {codes.count(-1)} cut, "
          f"codes {sorted(set(codes))}")
