"""``storms position``: where a body is, in any heliocentric frame."""

from __future__ import annotations

import json

import click
import numpy as np


@click.command()
@click.argument("body")
@click.option("--time", "times", required=True, help="ISO 8601 UTC time(s), comma-separated.")
@click.option("--frame", default="HEEQ", show_default=True,
              help="HEEQ (=HGS), HEE, HCI, HGC, HAE (J2000) or ICRS.")
@click.option("--json", "as_json", is_flag=True)
def position(body: str, times: str, frame: str, as_json: bool) -> None:
    """Position of BODY (x, y, z in AU, r, lon, lat) at the given times."""
    from propagation.constants import AU_KM
    from storms import config
    from storms.propagate import iso, unix_s

    config.prepare_offline_science_stack(config.load().data_dir)
    from propagation.ephemerides import positions

    try:
        t = np.array([unix_s(x.strip()) for x in times.split(",") if x.strip()])
        p = positions([body], t, frame)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    rows = []
    for i, ti in enumerate(t):
        x, y, z = p.xyz_km[0, i] / AU_KM
        rows.append({"body": p.bodies[0], "time": iso(ti), "frame": p.frame,
                     "x_au": float(x), "y_au": float(y), "z_au": float(z),
                     "r_au": float(p.r_km[0, i] / AU_KM),
                     "lon_deg": float(np.degrees(p.lon_rad[0, i])),
                     "lat_deg": float(np.degrees(p.lat_rad[0, i])),
                     "source": p.sources[p.bodies[0]]})
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        click.echo(f"{r['body']} {r['time']} {r['frame']}: r={r['r_au']:.6f} AU "
                   f"lon={r['lon_deg']:.4f} lat={r['lat_deg']:.4f} deg ({r['source']})")
