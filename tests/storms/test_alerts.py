"""Alert rules: runs of a condition, one alert per episode, closing, webhooks."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from sqlalchemy import select

from ingest.pipeline import ingest_bytes
from storms import alerts
from storms import models as m

MIN = 60_000_000


def test_condition_runs():
    t = np.arange(10) * MIN
    v = np.array([5, -12, -13, -11, 4, -15, -16, -20, np.nan, -30.0])
    runs = alerts.condition_runs(t, v, "<", -10, 120)
    assert [(r.start_us // MIN, r.end_us // MIN, r.ongoing, r.peak) for r in runs] == [
        (1, 3, False, -13.0), (5, 7, False, -20.0)]
    last = alerts.condition_runs(t, v, "<", -10, 0)
    assert last[-1].ongoing and last[-1].start_us == 9 * MIN
    with pytest.raises(ValueError, match="operator"):
        alerts.condition_runs(t, v, "==", 0, 0)


class Hook:
    def __init__(self):
        self.received = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                n = int(self.headers["Content-Length"])
                hook.received.append(json.loads(self.rfile.read(n)))
                self.send_response(204)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_open_once_then_close_with_webhooks(ctx, shared):
    name = "plasma-7-day_2026-04-11_to_2026-04-18.json"
    ingest_bytes(ctx.factory, ctx.settings, shared(f"swpc/{name}").read_bytes(), name)
    hook = Hook()
    with ctx.factory() as s, s.begin():
        s.add(m.AlertRule(name="fast wind", dataset_id="swpc_rt_plasma", parameter="speed",
                          component=0, operator=">", threshold=500.0, duration_s=1800.0,
                          severity="watch", enabled=True, webhook_url=hook.url))
    at = int(np.datetime64("2026-04-11T16:00", "us").astype(np.int64))  # 575 km/s wind
    alerts.evaluate_all(ctx.factory, at)
    alerts.evaluate_all(ctx.factory, at + 10 * MIN)  # still fast: no second alert
    with ctx.factory() as s:
        rule = s.scalars(select(m.AlertRule).where(m.AlertRule.name == "fast wind")).one()
        rows = s.scalars(select(m.Alert).where(m.Alert.rule_id == rule.id)).all()
    assert len(rows) == 1 and rows[0].state == "open" and rows[0].peak_value > 500
    assert [r["state"] for r in hook.received] == ["open"]
    with ctx.factory() as s, s.begin():
        alerts.acknowledge(s, rows[0].id)
        s.get(m.AlertRule, rule.id).threshold = 2000.0  # the condition no longer holds
    alerts.evaluate_all(ctx.factory, at + 20 * MIN)
    with ctx.factory() as s:
        closed = s.get(m.Alert, rows[0].id)
        assert closed.state == "closed" and closed.closed_us is not None
        names = set(s.scalars(select(m.AlertRule.name)))
    assert [r["state"] for r in hook.received] == ["open", "closed"]
    assert "Bz below -10 nT for 30 min" in names  # default rules are there too
    hook.httpd.shutdown()


def test_undelivered_webhook_is_retried(sqlite_ctx, shared):
    name = "plasma-7-day_2026-04-11_to_2026-04-18.json"
    ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, shared(f"swpc/{name}").read_bytes(),
                 name)
    with sqlite_ctx.factory() as s, s.begin():
        s.add(m.AlertRule(name="fast", dataset_id="swpc_rt_plasma", parameter="speed",
                          operator=">", threshold=500.0, duration_s=0.0, enabled=True,
                          component=0, severity="watch", webhook_url="http://127.0.0.1:9/x"))
    at = int(np.datetime64("2026-04-11T16:00", "us").astype(np.int64))
    assert alerts.evaluate_all(sqlite_ctx.factory, at) == 1
    assert alerts.evaluate_all(sqlite_ctx.factory, at) == 1  # still pending, no duplicate


def test_email_through_a_local_smtp_server(sqlite_ctx, shared):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        name = "plasma-7-day_2026-04-11_to_2026-04-18.json"
        ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings,
                     shared(f"swpc/{name}").read_bytes(), name)
        with sqlite_ctx.factory() as s, s.begin():
            s.add(m.AlertRule(name="fast", dataset_id="swpc_rt_plasma", parameter="speed",
                              operator=">", threshold=500.0, duration_s=0.0, enabled=True,
                              component=0, severity="watch", email_to="duty@example.org"))
        at = int(np.datetime64("2026-04-11T16:00", "us").astype(np.int64))
        alerts.evaluate_all(sqlite_ctx.factory, at, smtp=("127.0.0.1", port, "storms@test"))
    finally:
        controller.stop()
    assert len(received) == 1
    rcpt, content = received[0]
    assert rcpt == ["duty@example.org"] and "Subject: [storms watch] open: fast" in content
