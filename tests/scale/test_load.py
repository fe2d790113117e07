"""Load: 50 concurrent clients (wrk, a second process on loopback) on HAPI, pages and API
for STORMS_LOAD_SECONDS (default 60 s): PostgreSQL with 4 gunicorn workers, then SQLite
with the default single worker. Zero errors; p50/p99 written to test-artifacts/scale."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timedelta

import requests

from .conftest import ARTIFACTS, load_real

SECONDS = int(os.environ.get("STORMS_LOAD_SECONDS", "60"))
CONNECTIONS = 50
PAGES = ["/", "/status", "/events", "/climso", "/planets", "/scoreboard", "/propagate"]
API = ["/api/v1/status", "/api/v1/events?limit=20", "/api/v1/datasets"]

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def _mixed_paths(base: str) -> list[str]:
    """HAPI requests for one day of every dataset, the catalog, the pages and the API."""
    catalog = requests.get(base + "/hapi/catalog", timeout=10).json()["catalog"]
    paths = ["/hapi/catalog", "/hapi/capabilities"]
    for entry in catalog[:8]:
        info = requests.get(base + "/hapi/info", params={"id": entry["id"]}, timeout=10).json()
        stop = datetime.fromisoformat(info["stopDate"].replace("Z", "+00:00"))
        start = max(stop - timedelta(days=1),
                    datetime.fromisoformat(info["startDate"].replace("Z", "+00:00")))
        paths.append(f"/hapi/info?id={entry['id']}")
        paths.append(f"/hapi/data?id={entry['id']}&time.min={start:%Y-%m-%dT%H:%M:%SZ}"
                     f"&time.max={stop:%Y-%m-%dT%H:%M:%SZ}")
    for path in PAGES + API:
        if requests.get(base + path, timeout=30).status_code == 200:
            paths.append(path)
    return paths


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def run_wrk(wrk: str, base: str, paths: list[str], tmp_path, threads: int = 2) -> dict:
    script = tmp_path / "mixed.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run([wrk, f"-t{threads}", f"-c{CONNECTIONS}", f"-d{SECONDS}s",
                          "--timeout", "10s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, timeout=SECONDS + 60).stdout
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    assert set(lat) == {"50", "75", "90", "99"}, f"wrk printed no latency distribution:\n{out}"
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": requests_done,
            "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _ms(lat["50"]), "p90_ms": _ms(lat["90"]), "p99_ms": _ms(lat["99"]),
            "socket_errors": sum(map(int, sock.groups())) if sock else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "paths": len(paths), "seconds": SECONDS, "connections": CONNECTIONS, "raw": out}


def _record(name: str, result: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"load_{name}.json").write_text(json.dumps(result, indent=1))
    print(f"\nload {name}: {result['requests']} requests, {result['requests_per_s']:.0f}/s, "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"errors {result['socket_errors']}, non-2xx {result['non_2xx']}")


def test_load_postgresql_four_workers(pg_store, serve, wrk, tmp_path):
    load_real(pg_store)
    server = serve(pg_store, "--workers", "4", "--threads", "8", "--no-jobs")
    paths = _mixed_paths(server.base)
    assert len(paths) >= 10
    result = run_wrk(wrk, server.base, paths, tmp_path)
    _record("postgresql_4_workers", result)
    assert result["requests"] > 100
    assert result["non_2xx"] == 0 and result["socket_errors"] == 0, result["raw"]


def test_load_sqlite_one_worker(sqlite_store, serve, wrk, tmp_path):
    load_real(sqlite_store)
    server = serve(sqlite_store, "--no-jobs")
    paths = _mixed_paths(server.base)
    result = run_wrk(wrk, server.base, paths, tmp_path)
    _record("sqlite_1_worker", result)
    assert result["requests"] > 100
    assert result["non_2xx"] == 0 and result["socket_errors"] == 0, result["raw"]
