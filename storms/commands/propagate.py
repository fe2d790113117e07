"""``storms propagate``: every model of the engine, forward or backward, as JSON."""

from __future__ import annotations

import json

import click
import numpy as np

from storms.propagate import MODELS, PropagationError, Request, run

SPEED_NAMES = ("speed", "proton_speed")
DENSITY_NAMES = ("density", "proton_density")
FIELD_NAMES = ("b_avg", "bt", "Magnitude")


def _pair(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(x) for x in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected LON,LAT in degrees") from None
    return lon, lat


def _series_from_csv(path: str):
    import pandas as pd

    try:
        frame = pd.read_csv(path)
        t = pd.to_datetime(frame.iloc[:, 0], utc=True).astype("int64").to_numpy() / 1e9
        cols = {c.lower(): c for c in frame.columns}
        pick = [next((cols[n] for n in names if n.lower() in cols), None)
                for names in (SPEED_NAMES, DENSITY_NAMES, FIELD_NAMES)]
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--input") from None
    if pick[0] is None:
        raise click.BadParameter(f"{path}: no speed column ({', '.join(SPEED_NAMES)})",
                                 param_hint="--input")
    values = [frame[c].to_numpy(float) if c else np.full(len(t), np.nan) for c in pick]
    return (t, *values)


def _series_from_store(dataset: str, end_iso: str, days: float):
    from storms import app_context, store
    from storms.timeutil import iso_to_us

    ctx = app_context.default()
    stop = iso_to_us(end_iso)
    start = stop - int(days * 86400e6)
    with ctx.factory() as session:
        try:
            ds = store.get_dataset(session, dataset)
        except store.StoreError as exc:
            raise click.BadParameter(str(exc), param_hint="--dataset") from None
        names = [p.name for p in ds.parameters]
        out: list[tuple[np.ndarray, np.ndarray] | None] = []
        for candidates in (SPEED_NAMES, DENSITY_NAMES, FIELD_NAMES):
            name = next((n for n in candidates if n in names), None)
            if name is None:
                out.append(None)
                continue
            t, v = store.read_parameter(session, dataset, name, start, stop)
            out.append((t, v))
    if out[0] is None or len(out[0][0]) < 2:
        raise click.BadParameter(f"{dataset}: no speed data in the {days:g} days before "
                                 f"{end_iso}", param_hint="--dataset")
    t = out[0][0]
    series = [out[0][1]]
    for item in out[1:]:
        series.append(np.interp(t, item[0], item[1]) if item is not None and len(item[0])
                      else np.full(len(t), np.nan))
    return (t / 1e6, *series)


@click.command()
@click.option("--model", type=click.Choice(MODELS), required=True)
@click.option("--from", "source", default="Sun", show_default=True, help="Start body.")
@click.option("--time", "time_", required=True, help="ISO 8601 UTC time at the start body "
              "(forward) or of the arrival there (--backward).")
@click.option("--to", "targets", required=True, help="Target bodies, comma-separated.")
@click.option("--backward", is_flag=True, help="From an arrival at --from back to the Sun.")
@click.option("--speed", type=float, default=800.0, show_default=True,
              help="CME speed, or solar-wind speed for cir/sep (km/s).")
@click.option("--direction", default="0,0", show_default=True, help="LON,LAT (deg) in --frame.")
@click.option("--frame", default="HEEQ", show_default=True)
@click.option("--half-width", type=float, default=45.0, show_default=True, help="deg")
@click.option("--w", type=float, default=400.0, show_default=True, help="Ambient wind, km/s")
@click.option("--gamma", type=float, default=0.2e-7, show_default=True, help="Drag, 1/km")
@click.option("--r0", type=float, default=21.5, show_default=True, help="Start distance, Rs")
@click.option("--geometry", type=click.Choice(["self-similar", "flattening"]),
              default="self-similar", show_default=True)
@click.option("--ensemble", type=int, default=0, help="DBEM members (0: single run).")
@click.option("--sigma-speed", type=float, default=0.0)
@click.option("--sigma-w", type=float, default=0.0)
@click.option("--sigma-gamma", type=float, default=0.0)
@click.option("--sigma-direction", type=float, default=0.0, help="deg")
@click.option("--sigma-half-width", type=float, default=0.0, help="deg")
@click.option("--sigma-r0", type=float, default=0.0, help="Rs")
@click.option("--seed", type=int, default=None)
@click.option("--energy", type=float, default=10.0, show_default=True, help="SEP energy, MeV")
@click.option("--particle", type=click.Choice(["proton", "electron"]), default="proton")
@click.option("--preset", type=click.Choice(["parker", "solarmach"]), default="parker")
@click.option("--input", "input_csv", type=click.Path(dir_okay=False),
              help="sw: CSV of time,speed[,density][,b_avg|bt]")
@click.option("--dataset", help="sw: a stored dataset with speed/density/field parameters")
@click.option("--days", type=float, default=27.0, show_default=True, help="sw: window")
@click.option("--json", "as_json", is_flag=True)
def propagate(model, source, time_, targets, backward, speed, direction, frame, half_width, w,
              gamma, r0, geometry, ensemble, sigma_speed, sigma_w, sigma_gamma,
              sigma_direction, sigma_half_width, sigma_r0, seed, energy, particle, preset,
              input_csv, dataset, days, as_json) -> None:
    """Propagate an event (or the solar wind) between the Sun, planets and spacecraft."""

    from storms import config

    config.prepare_offline_science_stack(config.load().data_dir)
    series = None
    if model == "sw":
        if input_csv:
            series = _series_from_csv(input_csv)
        elif dataset:
            series = _series_from_store(dataset, time_, days)
        else:
            raise click.UsageError("--model sw needs --input FILE or --dataset ID")
    req = Request(
        model=model, source=source, time=time_,
        targets=[t.strip() for t in targets.split(",") if t.strip()], backward=backward,
        speed_kms=speed, direction_deg=_pair(direction), frame=frame, half_width_deg=half_width,
        w_kms=w, gamma_per_km=gamma, r0_rsun=r0, geometry=geometry, ensemble=ensemble,
        sigma={"speed": sigma_speed, "w": sigma_w, "gamma": sigma_gamma,
               "direction": sigma_direction, "half_width": sigma_half_width, "r0": sigma_r0},
        seed=seed, energy_mev=energy, particle=particle, preset=preset, series=series)
    try:
        results = run(req)
    except PropagationError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(results))
        return
    for r in results:
        when = r.get("arrival_time") or r.get("departure_time") or r.get("injection_time")
        hours = r.get("transit_hours")
        line = f"{r['target']:20s} hit={str(r['hit']):5s} {when or '-':25s}"
        if hours is not None:
            line += f" {hours:8.2f} h"
        if r.get("arrival_speed_km_s"):
            line += f" {r['arrival_speed_km_s']:8.1f} km/s"
        if "hit_probability" in r:
            line += f"  P(hit)={r['hit_probability']:.2f} [{r['arrival_p05']}, {r['arrival_p95']}]"
        click.echo(line)
