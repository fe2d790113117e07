"""Helpers of the TAP tests: realistic rows in every table, the app, a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from amda_bridge import tap_blueprint
from storms import models as m
from web import create_app

DAY_US = 86_400_000_000
T0 = 1_715_299_200_000_000  # 2024-05-10T00:00:00Z
CLIMSO = (("L1", 656.28), ("L2", 393.37), ("C1", 1074.7), ("C2", 1083.0))
TARGETS = ("Earth", "Mars", "L1", "Parker Solar Probe", "Moon", "Venus")


def populate(ctx, scale: int = 1) -> dict[str, int]:
    """Insert a realistic mix of images, events, datasets and predictions (ORM)."""
    with ctx.factory() as s, s.begin():
        src = m.SourceFile(location="https://example.org/climso.fts", sha256="0" * 64,
                           kind="fits", ingested_us=T0 + DAY_US, status="ok")
        s.add(src)
        s.flush()
        for i in range(8 * scale):
            channel, wl = CLIMSO[i % 4]
            s.add(m.SolarImage(observatory="Pic du Midi", instrument="CLIMSO", channel=channel,
                               wavelength_nm=wl, obs_us=T0 + i * 600_000_000,
                               exposure_s=0.05 * (i % 3) or None, units="DN", width=2048,
                               height=2048, file_path=f"images/CLIMSO/2024/img{i}.fits",
                               preview_path=f"images/CLIMSO/2024/img{i}.png" if i % 2 else None,
                               header={"BITPIX": 16}, source_file_id=src.id if i % 2 else None))
        kinds = ("CME", "FLR", "GST", "IPS", "SEP", "HSS")
        for i in range(12 * scale):
            start = T0 + i * 3_600_000_000
            kind = kinds[i % 6]
            s.add(m.Event(kind=kind, source="DONKI", source_id=f"2024-05-10-{kind}-{i:03d}",
                          start_us=start, peak_us=start + 600_000_000 if i % 2 else None,
                          end_us=start + 7_200_000_000 if i % 3 else None,
                          location="S18W53" if i % 6 < 2 else None,
                          summary="X5.8 flare & <halo> CME" if i == 1 else None,
                          attributes={"n": i}))
        ds = m.Dataset(id="omni_hro_1min", title="OMNI 1-min solar wind at the bow shock",
                       source="OMNI", cadence_s=60.0, start_us=T0, stop_us=T0 + 3 * DAY_US,
                       kind="measured", modified_us=T0 + 4 * DAY_US)
        ds.parameters = [m.Parameter(position=0, name="speed", units="km/s", size=1),
                         m.Parameter(position=1, name="b_gse", units="nT", size=3)]
        s.add(ds)
        s.add(m.Dataset(id="gfz_kp", title="Kp index", source="GFZ", cadence_s=10800.0,
                        start_us=T0, stop_us=T0 + DAY_US, kind="measured"))
        s.add(m.Dataset(id="empty_pred", title="Predicted speed at Earth", source="storms",
                        cadence_s=3600.0, kind="predicted"))
        for i in range(12 * scale):
            arrival = T0 + 2 * DAY_US + i * 3_600_000_000
            hit = i % 5 != 4
            s.add(m.Prediction(model="dbem", model_version="1.0", event_key=f"CME-{i // 6:03d}",
                               target=TARGETS[i % 6], issued_us=T0 + DAY_US,
                               departure_us=T0 + i * 3_600_000_000, hit=hit,
                               hit_probability=0.9 if hit else 0.1,
                               arrival_us=arrival if hit else None,
                               arrival_p05_us=arrival - 36_000_000_000 if hit else None,
                               arrival_p95_us=arrival + 36_000_000_000 if hit else None,
                               arrival_speed_kms=650.0 if hit else None,
                               parameters={"gamma": 0.2}))
    return {"images": 8 * scale, "events": 12 * scale, "datasets": 3, "predictions": 12 * scale}


def make_app(ctx) -> Flask:
    """The project's app with the TAP blueprint registered (as web/ will do)."""
    app = create_app(config={"TESTING": True}, context=ctx)
    if "tap" not in app.blueprints:
        app.register_blueprint(tap_blueprint.bp)
    return app


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the TAP base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tap"
    finally:
        server.shutdown()
        thread.join(5)
