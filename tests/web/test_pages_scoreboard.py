"""Scoreboard and Planets pages with known data: the numbers shown are the matches."""

import numpy as np

from storms import models as m
from web import create_app

from .page_data import ips, put_events, us


def _prediction(arrival: str, target: str = "Earth") -> m.Prediction:
    return m.Prediction(model="dbem", model_version="t", event_id=None, event_key=arrival,
                        target=target, issued_us=0, departure_us=us("2024-05-08T00:00"),
                        hit=True, hit_probability=0.9, arrival_us=us(arrival), parameters={})


def test_scoreboard_counts_hits_misses_false_alarms(ctx):
    put_events(ctx, [ips("IPS-1", "2024-05-10T12:00Z"), ips("IPS-2", "2024-05-13T00:00Z")])
    with ctx.factory.begin() as s:
        s.add_all([_prediction("2024-05-10T15:00"),  # hit, +3 h
                   _prediction("2024-05-20T00:00")])  # false alarm; IPS-2 missed
    client = create_app(context=ctx).test_client()
    html = client.get("/scoreboard").get_data(as_text=True)
    row = html[html.index("<td>dbem</td><td>Earth</td>"):].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[2:7] == ["2", "2", "1", "1", "1"]  # predictions, observed, hits, misses, FA
    assert cells[8] == "3.0" and cells[9] == "3.0"  # ME, MAE in hours
    assert client.get("/scoreboard?target=Mars").get_data(as_text=True).count(
        "<td>dbem</td>") == 0
    assert client.get("/scoreboard?window_h=0").status_code == 400


def test_planets_data_empty_then_predicted(ctx):
    from ingest.base import DatasetSpec
    from jobs.solarwind_forecast import PARAMETERS, dataset_id

    from .page_data import put_series

    client = create_app(context=ctx).test_client()
    assert client.get("/planets/data.json").get_json() == {"panels": []}
    spec = DatasetSpec(dataset_id("Mars"), "Solar wind predicted at Mars", "storms", 3600.0,
                       PARAMETERS)
    t = us("2024-05-10T00:00") + np.arange(48, dtype=np.int64) * 3_600_000_000
    put_series(ctx, spec, t, {"speed": np.linspace(400, 600, 48),
                              "angle": np.linspace(40, 41, 48)})
    panels = client.get("/planets/data.json").get_json()["panels"]
    assert [p["target"] for p in panels] == ["Mars"]
    mars = panels[0]
    assert mars["predicted"]["v"][0] == 400.0 and mars["predicted"]["v"][-1] == 600.0
    assert mars["angle_now_deg"] == 41.0 and mars["measured"] is None
    assert mars["predicted"]["t"][0] == "2024-05-10T00:00:00"
