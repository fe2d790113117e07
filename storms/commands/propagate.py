"""``storms propagate``: every model of the engine, forward or backward, as JSON.

cme, dbm, cir and sep run through :func:`storms.propagate.run` (shared with the jobs);
sw calls :mod:`propagation.solarwind` here (``hux`` or ``ballistic``) with the source
body's positions from :mod:`propagation.ephemerides`. Every bad input becomes a
:class:`click.ClickException` naming the parameter, never a traceback.
"""

from __future__ import annotations

import json

import click
import numpy as np

from storms.propagate import MODELS, PropagationError, Request, iso, run, unix_s

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


def _series_from_store(dataset: str, end_iso: str, days: float, factory=None):
    """(t s, speed, density, |B|) of ``dataset`` over ``days`` before ``end_iso``."""
    from storms import app_context, store
    from storms.timeutil import iso_to_us

    factory = factory or app_context.default().factory
    stop = iso_to_us(end_iso)
    start = stop - int(days * 86400e6)
    with factory() as session:
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



SW_METHODS = ("hux", "ballistic")


def _check(name: str, value: float | int | None, low: float, high: float) -> None:
    if value is None:
        return
    if not np.isfinite(value) or not (low <= value <= high):
        raise click.BadParameter(f"{value} is outside [{low:g}, {high:g}]",
                                 param_hint=f"--{name}")


def _f(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def _sw(source: str, targets: list[str], backward: bool, series, method: str) -> list[dict]:
    """The solar-wind series measured at ``source`` to the targets (forward), or back to
    the source surface (``backward``), with :mod:`propagation.solarwind`."""
    try:
        from propagation import solarwind
    except ImportError:
        raise click.ClickException("--model sw: propagation.solarwind is not available in "
                                   "this installation yet") from None
    from propagation.constants import OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM
    from propagation.ephemerides import positions

    t, v, n, b = (np.asarray(x, dtype=float) for x in series)
    ok = np.isfinite(t) & np.isfinite(v) & (v > 0)
    t, v, n, b = t[ok], v[ok], n[ok], b[ok]
    if len(t) < 2:
        raise click.BadParameter("fewer than two valid speed samples", param_hint="--input")
    order = np.argsort(t, kind="stable")
    t, v, n, b = t[order], v[order], n[order], b[order]
    try:
        src = positions([source], t, "HEEQ")
        constants = {"omega_synodic_rad_s": OMEGA_SUN_SYNODIC_RAD_S, "R_sun_km": R_SUN_KM,
                     "frame": "HEEQ (Earth-fixed longitudes, synodic corotation)"}
        if backward:
            r_ss = 2.5 * R_SUN_KM
            bm = solarwind.backmap(t, v, src.r_km[0], src.lon_rad[0], r_source_km=r_ss,
                                   omega_rad_s=OMEGA_SUN_SYNODIC_RAD_S)
            lon = solarwind.wrap_pi(bm.lon_source_rad)
            row = {"target": "Sun", "hit": True, "arrival_time": None,
                   "departure_time": iso(bm.t_departure_s[0]),
                   "transit_hours": float(np.median(t - bm.t_departure_s) / 3600.0),
                   "arrival_speed_km_s": None, "source_surface_rsun": 2.5,
                   "series": [{"time": iso(a), "departure_time": iso(d),
                               "speed_km_s": float(s), "source_lon_heeq_deg":
                               float(np.degrees(lo))}
                              for a, d, s, lo in zip(t, bm.t_departure_s, v, lon,
                                                     strict=True)]}
            params = {"method": "ballistic back-mapping", "samples": int(len(t)),
                      "source_surface_rsun": 2.5}
            return [dict(row, model="sw", parameters=params, ephemeris=src.sources,
                         constants=constants)]
        mid = np.array([t[len(t) // 2]])
        tgt = positions(targets, mid, "HEEQ")
        run_model = solarwind.hux if method == "hux" else solarwind.ballistic
        pred = run_model(t, v, src.r_km[0], src.lon_rad[0], tgt.r_km[:, 0],
                         tgt.lon_rad[:, 0], OMEGA_SUN_SYNODIC_RAD_S, n_cm3=n, b_nt=b,
                         lat_src_rad=src.lat_rad[0], lat_tgt_rad=tgt.lat_rad[:, 0])
    except (ValueError, TypeError) as exc:
        raise click.ClickException(f"--model sw: {exc}") from None
    params = {"method": method, "samples": int(len(t)), "targets_at": iso(mid[0])}
    results = []
    for i, name in enumerate(tgt.bodies):
        good = np.isfinite(pred.speed_kms[i]) & np.isfinite(pred.t_unix_s[i])
        idx = np.flatnonzero(good)
        if method == "ballistic":
            idx = idx[np.argsort(pred.t_unix_s[i][idx], kind="stable")]
        first = idx[0] if len(idx) else None
        results.append({
            "target": name, "hit": first is not None,
            "arrival_time": iso(pred.t_unix_s[i][first]) if first is not None else None,
            "transit_hours": (float(pred.t_unix_s[i][first] - pred.t_source_s[i][first])
                              / 3600.0) if first is not None else None,
            "arrival_speed_km_s": float(pred.speed_kms[i][first]) if first is not None
            else None,
            "target_sun_source_angle_deg": _f(np.nanmedian(pred.angle_deg[i])),
            "series": [{"time": iso(pred.t_unix_s[i][j]),
                        "speed_km_s": float(pred.speed_kms[i][j]),
                        "density_cm3": _f(pred.density_cm3[i][j]),
                        "b_nt": _f(pred.b_nt[i][j]),
                        "pressure_npa": _f(pred.pressure_npa[i][j])} for j in idx],
            "model": "sw", "parameters": params,
            "ephemeris": {**src.sources, **tgt.sources}, "constants": constants,
        })
    return results


@click.command()
@click.option("--model", type=click.Choice(MODELS), required=True,
              help="cme: constant-speed cone; dbm: drag-based (DBEM with --ensemble); "
              "cir: corotation; sep: particles along the Parker spiral; sw: solar wind.")
@click.option("--from", "source", default="Sun", show_default=True, help="Start body.")
@click.option("--time", "time_", required=True, help="ISO 8601 UTC time at the start body "
              "(forward) or of the arrival there (--backward).")
@click.option("--to", "targets", required=True, help="Target bodies, comma-separated.")
@click.option("--backward", is_flag=True, help="--time is an arrival at --from: give the "
              "launch at the Sun (and the arrivals at the --to bodies).")
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
@click.option("--sigma-speed", type=float, default=0.0, help="km/s")
@click.option("--sigma-w", type=float, default=0.0, help="km/s")
@click.option("--sigma-gamma", type=float, default=0.0, help="1/km")
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
@click.option("--sw-method", type=click.Choice(SW_METHODS), default="hux", show_default=True,
              help="sw: HUX upwind model or plain ballistic mapping")
@click.option("--json", "as_json", is_flag=True)
def propagate(model, source, time_, targets, backward, speed, direction, frame, half_width, w,
              gamma, r0, geometry, ensemble, sigma_speed, sigma_w, sigma_gamma,
              sigma_direction, sigma_half_width, sigma_r0, seed, energy, particle, preset,
              input_csv, dataset, days, sw_method, as_json) -> None:
    """Propagate an event (or the solar wind) between the Sun, planets and spacecraft."""

    from storms import config

    config.prepare_offline_science_stack(config.load().data_dir)
    target_list = [t.strip() for t in targets.split(",") if t.strip()]
    if not target_list:
        raise click.BadParameter("give at least one target body", param_hint="--to")
    _check("ensemble", ensemble, 0, 2_000_000)
    for name, value in (("sigma-speed", sigma_speed), ("sigma-w", sigma_w),
                        ("sigma-gamma", sigma_gamma), ("sigma-direction", sigma_direction),
                        ("sigma-half-width", sigma_half_width), ("sigma-r0", sigma_r0)):
        _check(name, value, 0.0, 1e9)
    try:
        unix_s(time_)
    except PropagationError:
        raise click.BadParameter(f"{time_!r} is not an ISO 8601 time",
                                 param_hint="--time") from None
    try:
        if model == "sw":
            if input_csv:
                series = _series_from_csv(input_csv)
            elif dataset:
                series = _series_from_store(dataset, time_, days)
            else:
                raise click.UsageError("--model sw needs --input FILE or --dataset ID")
            results = _sw(source, target_list, backward, series, sw_method)
        else:
            req = Request(
                model=model, source=source, time=time_, targets=target_list,
                backward=backward, speed_kms=speed, direction_deg=_pair(direction),
                frame=frame, half_width_deg=half_width, w_kms=w, gamma_per_km=gamma,
                r0_rsun=r0, geometry=geometry, ensemble=ensemble,
                sigma={"speed": sigma_speed, "w": sigma_w, "gamma": sigma_gamma,
                       "direction": sigma_direction, "half_width": sigma_half_width,
                       "r0": sigma_r0},
                seed=seed, energy_mev=energy, particle=particle, preset=preset)
            results = run(req)
    except click.ClickException:
        raise
    except (PropagationError, ValueError) as exc:  # EphemerisUnavailable is a ValueError
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
