"""`storms replay`: the real files of ../shared/data served at the paths of the default
source URLs; the jobs fill the store from them; with the SWPC feeds replayed live, the
whole chain runs as with `make run` on real data: alerts fire and notify (a webhook),
the solar wind is predicted at the planets, CMEs are propagated, the scoreboard fills."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from jobs import tasks
from jobs.runner import execute
from storms import app_context, config
from storms import models as m
from storms.cli import cli
from storms.replay import ReplayServer, environment
from storms.timeutil import now_us
from tests.conftest import SHARED_DATA

STORMS = Path(sys.executable).with_name("storms")


@pytest.fixture
def root(shared):
    shared("README.md")  # skip without the real files
    return SHARED_DATA


def _replayed(ctx, env: dict[str, str]) -> app_context.Context:
    """``ctx``'s database with the settings a process started with ``env`` would have."""
    settings = config.load({"STORMS_DATA_DIR": str(ctx.settings.data_dir),
                            "STORMS_DATABASE_URL": ctx.settings.database_url,
                            "STORMS_HTTP_RETRIES": "0", **env})
    return app_context.Context(settings, ctx.engine, ctx.factory)


def _run(ctx, name):
    spec = next(j for j in tasks.JOBS if j.name == name)
    return execute(ctx, name, spec.task, "replay-test", use_lease=False)


def test_environment_points_every_source_at_the_replay(root):
    env = environment("http://127.0.0.1:8765", root)
    assert env["STORMS_URL_SWPC_PLASMA"] == \
        "http://127.0.0.1:8765/products/solar-wind/plasma-7-day.json"
    assert env["STORMS_URL_DONKI"] == "http://127.0.0.1:8765/DONKI/WS/get/{kind}"
    assert env["STORMS_URL_OMNI2"].endswith("/pub/data/omni/low_res_omni/omni2_{year}.dat")
    assert env["STORMS_URL_CLIMSO_ARCHIVE"] == "http://127.0.0.1:8765/data/"
    assert env["STORMS_URL_SWPC_RTSW_WIND"] == "off"  # no such file in ../shared/data
    settings = config.load(env)
    assert settings.source_urls["swpc_rtsw_wind"] == ""  # switched off
    out = CliRunner().invoke(cli, ["replay", "env", "--root", str(root), "--url",
                                   "http://h:1"])
    assert out.exit_code == 0
    assert "export STORMS_URL_DONKI='http://h:1/DONKI/WS/get/{kind}'\n" in out.output
    assert "export STORMS_URL_SWPC_RTSW_WIND=off\n" in out.output


def test_replayed_files_fill_the_store(ctx, root):
    """swpc_realtime, donki_events, kp_indices, omni_daily (and icmecat, climso_archive)
    against the replay: every job ok, the store holds what the files hold."""
    with ReplayServer(root) as srv:
        c = _replayed(ctx, srv.environment())
        outcomes = {name: _run(c, name) for name in (
            "swpc_realtime", "donki_events", "kp_indices", "omni_daily", "icmecat",
            "climso_archive")}
        # DONKI is asked for the last 30 days: the replay answers May 2024 whatever the range
        assert any("/DONKI/WS/get/CME?startDate=" in p for p in srv.hits)
    assert all(o.status == "ok" and o.records > 0 for o in outcomes.values()), outcomes
    with ctx.factory() as s:
        datasets = {d.id: d for d in s.scalars(select(m.Dataset))}
        events = dict(s.execute(select(m.Event.kind, func.count()).group_by(m.Event.kind))
                      .all())
        images = s.scalar(select(func.count()).select_from(m.SolarImage))
        sources = s.scalars(select(m.SourceFile)).all()
    assert {"swpc_rt_plasma", "swpc_rt_mag", "swpc_rtsw_mag", "gfz_kp", "celestrak_kp",
            "omni2_h0"} <= set(datasets)
    plasma = datasets["swpc_rt_plasma"]  # served as is: the file's own span
    assert (plasma.start_us, plasma.stop_us) == (
        int(np.datetime64("2026-04-11T14:33", "us").astype(np.int64)),
        int(np.datetime64("2026-04-18T14:30", "us").astype(np.int64)))
    assert events["CME"] == 144 and events["FLR"] == 179 and events["IPS"] == 14
    assert events["NOTE"] == 172 and events["ICME"] == 1976
    assert images == 3  # kcor, cor1, lasco; the GONG header is not a FITS file
    assert all(f.status == "ok" for f in sources)

    # the same files again: nothing added, nothing twice
    with ReplayServer(root) as srv:
        c = _replayed(ctx, srv.environment())
        again = {name: _run(c, name) for name in ("swpc_realtime", "donki_events",
                                                  "kp_indices", "omni_daily")}
    assert all(o.status == "ok" and o.records == 0 for o in again.values()), again
    with ctx.factory() as s:
        assert len(s.scalars(select(m.SourceFile)).all()) == len(sources)


class _Webhook:
    """Collects the JSON POSTed to it (alert notifications)."""

    def __init__(self):
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_live_replay_fires_alerts_and_fills_the_scoreboard(sqlite_ctx, root, monkeypatch):
    """SWPC replayed live from 2026-04-18T06:05 (inside 42 minutes of Bz < -10 nT): the
    default Bz rule opens an alert and a webhook receives it; the solar wind is predicted
    at the planets from the "current" L1 data; DONKI's CMEs are propagated and verified
    against the observed shocks: the scoreboard has rows with hits."""
    monkeypatch.setattr(tasks, "ENSEMBLE_MEMBERS", 200)
    monkeypatch.setattr(tasks, "PREDICTION_TARGETS", ("Earth", "Mars"))
    hook = _Webhook()
    try:
        with ReplayServer(root, live_from="2026-04-18T06:05") as srv:
            c = _replayed(sqlite_ctx, srv.environment())
            with sqlite_ctx.factory() as s, s.begin():
                s.add(m.AlertRule(name="Bz south (webhook)", dataset_id="swpc_rt_mag",
                                  parameter="b_gsm", component=2, operator="<",
                                  threshold=-10.0, duration_s=1800.0, severity="warning",
                                  webhook_url=hook.url))
            steps = ["swpc_realtime", "alerts", "detect_shocks", "solar_wind_forecast",
                     "donki_events", "propagate_new_cmes", "icmecat", "verification"]
            outcomes = {name: _run(c, name) for name in steps}
    finally:
        hook.close()
    assert all(o.status == "ok" for o in outcomes.values()), outcomes
    with sqlite_ctx.factory() as s:
        mag = s.get(m.Dataset, "swpc_rt_mag")
        alerts = s.scalars(select(m.Alert)).all()
        rule = s.scalars(select(m.AlertRule).where(m.AlertRule.webhook_url.is_not(None))).one()
        forecast = s.get(m.Dataset, "sw_pred_earth")
        verification = s.scalars(select(m.JobRun).where(m.JobRun.job == "verification")).one()
    # live: the last record is "now", the file's 06:05 minute
    assert abs(mag.stop_us - now_us()) < 3 * 60_000_000
    ours = [a for a in alerts if a.rule_id == rule.id]
    assert len(ours) == 1 and ours[0].state == "open" and ours[0].notified
    assert ours[0].peak_value < -14  # -14.36 nT at 05:33
    assert [b["rule"] for b in hook.bodies] == ["Bz south (webhook)"]
    assert hook.bodies[0]["state"] == "open" and hook.bodies[0]["peak"] == ours[0].peak_value
    assert any(a.state == "open" and a.notified for a in alerts if a.rule_id != rule.id)
    assert forecast is not None and forecast.kind == "predicted"
    assert forecast.stop_us > now_us()  # a forecast ahead of the L1 data
    from storms.verification import scoreboard

    with sqlite_ctx.factory() as s:
        board = scoreboard(s)
    earth = next(r for r in board if r["target"] == "Earth")
    assert earth["predictions"] > 30 and earth["hits"] > 0 and earth["observed_arrivals"] > 0
    assert verification.records == sum(r["predictions"] for r in board)
    assert "dbem Earth:" in verification.message


def test_replay_serve_command(root, tmp_path):
    """`storms replay serve` in a process: prints the environment, answers at once."""
    env_file = tmp_path / "replay.env"
    proc = subprocess.Popen([str(STORMS), "replay", "serve", "--root", str(root), "--port", "0",
                             "--env-file", str(env_file)], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("# replaying ")
        url = first.split(" on ")[1].split(",")[0].strip()
        deadline = time.monotonic() + 10
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert f"export STORMS_URL_GFZ_KP={url}/app/files/Kp_ap_Ap_SN_F107_nowcast.txt" \
            in env_file.read_text()
        body = requests.get(f"{url}/app/files/Kp_ap_Ap_SN_F107_nowcast.txt", timeout=5).content
        assert body == (root / "indices" / "Kp_ap_Ap_SN_F107_nowcast.txt").read_bytes()
        assert requests.get(f"{url}/nothing", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)
