"""Solar wind predicted at every planet and spacecraft from the latest L1 data, stored as
``predicted`` datasets (served by HAPI next to the measured ones), like CDPP Heliopropa."""

from __future__ import annotations

import numpy as np

from ingest.base import DatasetSpec, ParameterSpec, TimeSeries
from propagation import solarwind
from propagation.ephemerides import EphemerisUnavailable, positions
from storms import app_context, store
from storms.timeutil import now_us

FILL = -1.0e31
WINDOW_DAYS = 27
CADENCE_S = 3600.0
TARGETS = ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune",
           "Parker Solar Probe", "Solar Orbiter", "STEREO-A", "BepiColombo", "Juno", "JUICE")
#: (dataset, speed, density, |B|) tried in order for the L1 input
L1_SOURCES = (("swpc_rt_plasma", "speed", "density", ("swpc_rt_mag", "bt")),
              ("omni_hro_1min", "speed", "density", ("omni_hro_1min", "b_avg")),
              ("omni2_h0", "speed", "density", ("omni2_h0", "b_avg")))
PARAMETERS = (
    ParameterSpec("speed", "km/s", "Predicted solar-wind speed", fill=FILL),
    ParameterSpec("density", "cm^-3", "Predicted proton density (mass-flux conservation)",
                  fill=FILL),
    ParameterSpec("b", "nT", "Predicted |B| (Parker spiral scaling)", fill=FILL),
    ParameterSpec("pressure", "nPa", "Predicted dynamic pressure m_p n v^2", fill=FILL),
    ParameterSpec("angle", "deg", "Target-Sun-L1 angle: the larger, the less reliable",
                  fill=FILL),
)


def dataset_id(target: str) -> str:
    return "sw_pred_" + target.lower().replace(" ", "_").replace("-", "_")


def _l1_series(session, stop_us: int):
    start = stop_us - int(WINDOW_DAYS * 86400e6)
    names = {d.id for d in store.list_datasets(session)}
    for ds, v_name, n_name, (b_ds, b_name) in L1_SOURCES:
        if ds not in names:
            continue
        t, v = store.read_parameter(session, ds, v_name, start, stop_us)
        if np.isfinite(v).sum() < 48:
            continue
        _, n = store.read_parameter(session, ds, n_name, start, stop_us)
        if b_ds in names:
            tb, b = store.read_parameter(session, b_ds, b_name, start, stop_us)
            b = np.interp(t, tb, b) if len(tb) else np.full(len(t), np.nan)
        else:
            b = np.full(len(t), np.nan)
        # hourly means, so that HUX works on a regular cadence
        hours = (t // int(CADENCE_S * 1e6)).astype(np.int64)
        keys, inverse = np.unique(hours, return_inverse=True)

        def mean(x, keys=keys, inverse=inverse):
            total = np.bincount(inverse, np.nan_to_num(x), len(keys))
            count = np.bincount(inverse, np.isfinite(x).astype(float), len(keys))
            with np.errstate(invalid="ignore", divide="ignore"):
                return total / count

        vh = mean(v)
        ok = np.isfinite(vh)
        th = keys * CADENCE_S + CADENCE_S / 2
        return ds, th[ok], vh[ok], mean(n)[ok], mean(b)[ok]
    return None


def predict_solar_wind(ctx: app_context.Context, stop_us: int | None = None) -> int:
    """Run HUX from the latest 27 days at L1 to every target; returns records written."""
    stop_us = stop_us or now_us()
    with ctx.factory() as session:
        series = _l1_series(session, stop_us)
    if series is None:
        return 0
    source, t, v, n, b = series
    mid = np.array([t[-1]])
    try:
        l1 = positions(["L1"], mid)
    except EphemerisUnavailable:
        return 0
    targets, r, lon, lat = [], [], [], []
    for name in TARGETS:
        try:
            p = positions([name], mid)
        except EphemerisUnavailable:
            continue
        targets.append(p.bodies[0])
        r.append(p.r_km[0, 0])
        lon.append(p.lon_rad[0, 0])
        lat.append(p.lat_rad[0, 0])
    if not targets:
        return 0
    pred = solarwind.hux(t, v, float(l1.r_km[0, 0]), float(l1.lon_rad[0, 0]), np.array(r),
                         np.array(lon), n_cm3=n, b_nt=b, lat_src_rad=float(l1.lat_rad[0, 0]),
                         lat_tgt_rad=np.array(lat), cadence_s=CADENCE_S)
    written = 0
    with ctx.factory() as session, session.begin():
        for i, name in enumerate(targets):
            ok = np.isfinite(pred.speed_kms[i])
            if not ok.any():
                continue
            spec = DatasetSpec(dataset_id(name), f"Solar wind predicted at {name} (HUX from L1)",
                               f"Storms propagation engine from {source}", CADENCE_S,
                               PARAMETERS, kind="predicted",
                               description=f"Solar wind measured at L1 ({source}) propagated "
                                           f"to {name} with the HUX upwind model.")
            times = (pred.t_unix_s[i][ok] * 1e9).astype("datetime64[ns]")
            values = np.column_stack([pred.speed_kms[i][ok], pred.density_cm3[i][ok],
                                      pred.b_nt[i][ok], pred.pressure_npa[i][ok],
                                      pred.angle_deg[i][ok]])
            counts = store.upsert_series(session, TimeSeries(spec, times, values), None)
            written += counts.added + counts.updated
    return written
