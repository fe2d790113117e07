"""``storms position``: where a body is, in any heliocentric frame."""

from __future__ import annotations

import json

import click
import numpy as np

from propagation.constants import AU_KM

FRAME_HELP = ("HEEQ (=HGS, default), HEE, HCI, HGC (Carrington, observer='self'), "
              "HAE (J2000 mean ecliptic and equinox) or ICRS.")


def _parse_times(text: str) -> np.ndarray:
    """Comma-separated ISO 8601 UTC times -> Unix seconds; ClickException on a bad one."""
    from storms.timeutil import iso_to_us

    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        raise click.ClickException("--time: give at least one ISO 8601 UTC time")
    out = []
    for item in items:
        try:
            out.append(iso_to_us(item) / 1e6)
        except (ValueError, TypeError):
            raise click.ClickException(
                f"--time: {item!r} is not an ISO 8601 UTC time "
                "(e.g. 2024-05-10T17:00 or 2024-05-10T17:00:00Z)") from None
    return np.array(out)


def _iso(t_s: float) -> str:
    return str(np.datetime64(int(round(t_s * 1000)), "ms")) + "Z"


@click.command()
@click.argument("body")
@click.option("--time", "times", required=True,
              help="ISO 8601 UTC time(s), comma-separated: 2024-05-10T17:00,2024-05-11.")
@click.option("--frame", default="HEEQ", show_default=True, help=FRAME_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects.")
def position(body: str, times: str, frame: str, as_json: bool) -> None:
    """Position of BODY (x, y, z, r in AU; lon, lat in degrees) at the given times.

    Ephemerides: SPICE kernels and Horizons vector tables in $STORMS_EPHEMERIS_DIR, then
    DE421 (planets, Moon), Lagrange points from Earth; the source is printed per row.
    """
    from storms import config

    t = _parse_times(times)
    config.prepare_offline_science_stack(config.load().data_dir)
    from propagation.ephemerides import positions  # astropy/erfa only after the setup above

    try:
        p = positions([body], t, frame)
    except ValueError as exc:  # unknown body or frame, EphemerisUnavailable
        raise click.ClickException(str(exc)) from None
    r, lon, lat = p.r_km[0], p.lon_rad[0], p.lat_rad[0]
    rows = []
    for i, ti in enumerate(t):
        x, y, z = p.xyz_km[0, i] / AU_KM
        rows.append({"body": p.bodies[0], "time": _iso(ti), "frame": p.frame,
                     "x_au": float(x), "y_au": float(y), "z_au": float(z),
                     "r_au": float(r[i] / AU_KM), "lon_deg": float(np.degrees(lon[i])),
                     "lat_deg": float(np.degrees(lat[i])),
                     "source": p.sources[p.bodies[0]]})
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    click.echo(f"{p.bodies[0]} in {p.frame} (source: {p.sources[p.bodies[0]]})")
    head = (f"{'time (UTC)':25s} {'x_au':>11s} {'y_au':>11s} {'z_au':>11s} {'r_au':>10s} "
            f"{'lon_deg':>10s} {'lat_deg':>9s}")
    click.echo(head)
    for row in rows:
        click.echo(f"{row['time']:25s} {row['x_au']:11.6f} {row['y_au']:11.6f} "
                   f"{row['z_au']:11.6f} {row['r_au']:10.6f} {row['lon_deg']:10.4f} "
                   f"{row['lat_deg']:9.4f}")
