"""Matching predicted with observed arrivals, and ``storms hindcast`` over May 2024."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from storms.verification import HOUR_US, match

H = HOUR_US


def test_match_counts_and_errors():
    observed = np.array([100, 200, 300]) * H
    predicted = np.array([96, 210, 260, 500]) * H  # -4 h, +10 h, 40 h off, far off
    s = match(predicted, observed, 24 * H, "Earth").as_dict()
    assert (s["hits"], s["misses"], s["false_alarms"]) == (2, 1, 2)
    assert s["mean_error_h"] == pytest.approx(3.0)
    assert s["mean_absolute_error_h"] == pytest.approx(7.0)
    assert s["rmse_h"] == pytest.approx(np.sqrt((16 + 100) / 2))
    assert s["hit_rate"] == pytest.approx(2 / 3) and s["false_alarm_ratio"] == 0.5


def test_each_observation_used_once_nearest_first():
    s = match(np.array([99, 101]) * H, np.array([100]) * H, 24 * H, "Earth")
    assert (s.hits, s.false_alarms, s.misses) == (1, 1, 0)
    assert abs(s.errors_h[0]) == 1.0


def test_hindcast_may_2024(tmp_path, monkeypatch, shared):
    monkeypatch.setenv("STORMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STORMS_DATABASE_URL", f"sqlite:///{tmp_path / 'h.sqlite'}")
    from storms import app_context
    from storms.cli import cli

    app_context.default.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    for rel in ("donki/CME_2024-05-01_2024-05-31.json", "donki/IPS_2024-05-01_2024-05-31.json"):
        assert runner.invoke(cli, ["ingest", str(shared(rel))]).exit_code == 0
    out = runner.invoke(cli, ["hindcast", "--from", "2024-05-01", "--to", "2024-06-01",
                              "--json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.output)[0]
    # DONKI IPS at Earth in May 2024: 10, merged within 6 h into the observed arrivals
    assert 5 <= row["observed_arrivals"] <= 10
    assert row["hits"] + row["misses"] == row["observed_arrivals"]
    assert row["hits"] + row["false_alarms"] == row["predicted_hits"]
    assert row["hits"] >= 1 and abs(row["mean_error_h"]) < 24
    empty = runner.invoke(cli, ["hindcast", "--from", "2020-01-01", "--to", "2020-02-01"])
    assert empty.exit_code != 0 and "no DONKI CME" in empty.output
    app_context.default.cache_clear()


def test_scoreboard_from_stored_predictions(sqlite_ctx):
    from storms import models as m
    from storms.verification import scoreboard

    t0 = 1_715_299_200_000_000  # 2024-05-10
    with sqlite_ctx.factory() as s, s.begin():
        s.add(m.Event(kind="IPS", source="DONKI", source_id="ips-1", start_us=t0 + 40 * H,
                      location="Earth", attributes={}))
        for i, (arrival, prob) in enumerate([(t0 + 36 * H, 0.9), (t0 + 300 * H, 0.8),
                                             (t0 + 41 * H, 0.2)]):
            s.add(m.Prediction(model="dbem", model_version="t", event_key=f"cme-{i}",
                               target="Earth", issued_us=t0, departure_us=t0,
                               hit=prob >= 0.5, hit_probability=prob, arrival_us=arrival,
                               parameters={}))
    with sqlite_ctx.factory() as s:
        (row,) = scoreboard(s, 24.0)
    # the 0.2-probability prediction is not a forecast hit; the 300 h one is a false alarm
    assert (row["hits"], row["misses"], row["false_alarms"]) == (1, 0, 1)
    assert row["mean_error_h"] == -4.0 and row["model"] == "dbem"
